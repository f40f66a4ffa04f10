"""Likely duplicates of contacts and organisations, and merging contacts, organisations
and enquiries without losing a message or a link."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.duplicates import selectors, services
from casework.models import DuplicatePair, KeyDate, LegalHold, MergeRecord, Note, Outcome
from enquiries.conversation.services import message_publish
from enquiries.models import Contact, Enquiry, EnquiryEvent, Message, Organisation, Status
from enquiries.services import StaleEdit, tracking_link_create
from tests.factories import ContactFactory, EnquiryFactory, OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]


@pytest.fixture
def twins(areas):
    """The same parish council twice, and its clerk twice, each with an enquiry."""
    first_org = OrganisationFactory(name="Bardney Parish Council", postcode="LN3 5XA")
    second_org = OrganisationFactory(name="Bardney Parish Council.", postcode="LN3 5XA")
    first = ContactFactory(
        name="Jo Bloggs", email="jo@bardney.example", phone="01526 123456", organisation=first_org
    )
    second = ContactFactory(
        name="Joanne Bloggs",
        email="JO@Bardney.example",
        phone="+44 1526 123456",
        organisation=second_org,
        accessibility_needs="Large print, please.",
    )
    return {
        "orgs": (first_org, second_org),
        "contacts": (first, second),
        "enquiries": (EnquiryFactory(contact=first), EnquiryFactory(contact=second)),
    }


def test_contacts_alike_by_email_phone_or_name_are_found(twins):
    first, second = twins["contacts"]
    stranger = ContactFactory(name="Sam Lee", email="sam@elsewhere.example")
    found = selectors.contact_duplicates(first)
    assert [likely.record for likely in found] == [second]
    assert found[0].reasons == ["same email address", "same phone number"]
    assert found[0].score == 0.98
    assert selectors.contact_duplicates(stranger) == []
    colleague = ContactFactory(name="Jo Blogs", email="", organisation=first.organisation)
    assert "similar name" in selectors.contact_duplicates(colleague)[0].reasons[0]


def test_organisations_alike_by_name_and_postcode_are_found(twins):
    first_org, second_org = twins["orgs"]
    OrganisationFactory(name="Caistor Town Council", postcode="LN7 6UU")
    found = selectors.organisation_duplicates(first_org)
    assert [likely.record for likely in found] == [second_org]
    assert found[0].reasons == ["same name", "same postcode"]  # punctuation ignored


def test_the_scan_keeps_pairs_and_a_dismissed_pair_stays_dismissed(twins, manager):
    assert services.duplicates_find() == {"contacts": 1, "organisations": 1}
    assert services.duplicates_find() == {"contacts": 0, "organisations": 0}
    pair = DuplicatePair.objects.get(kind="contact")
    services.pair_dismiss(pair=pair, actor=manager.user)
    services.duplicates_find()
    assert list(selectors.open_pairs("contact")) == []


def test_a_manager_merges_two_contacts_choosing_values(twins, manager, client):
    first, second = twins["contacts"]
    mine, theirs = twins["enquiries"]
    record = services.contacts_merge(
        survivor=first,
        merged=second,
        chosen={"accessibility_needs": "merged", "name": "survivor"},
        actor=manager.user,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.accessibility_needs == "Large print, please."
    assert first.name == "Jo Bloggs"
    assert second.merged_into == first and second.email == "" and second.name == "(merged)"
    assert set(first.enquiries.all()) == {mine, theirs}
    assert record.taken_from_merged == ["accessibility_needs"]
    assert record.moved["enquiries"] == 1
    assert EnquiryEvent.objects.filter(enquiry=theirs, kind="merged").exists()
    assert Enquiry.history.filter(id=theirs.pk, contact_id=first.pk).exists()  # in its history

    # The old API id leads to the survivor.
    client.force_login(manager.user)
    response = client.get(f"/api/v1/contacts/{second.pk}/")
    assert response.status_code == 308
    assert response["Location"].endswith(f"/api/v1/contacts/{first.pk}/")


def test_after_a_contact_merge_the_group_follows_all_its_enquiries(twins, manager, client):
    first, second = twins["contacts"]
    mine, theirs = twins["enquiries"]
    token = tracking_link_create(enquiry=theirs, covers_address=True)
    services.contacts_merge(survivor=first, merged=second, chosen={}, actor=manager.user)
    page = client.get(reverse("enquiries:track", args=[token]), follow=True).content.decode()
    assert mine.reference in page and theirs.reference in page


def test_a_merge_under_a_legal_hold_is_refused_and_changes_nothing(twins, manager):
    first, second = twins["contacts"]
    LegalHold.objects.create(
        enquiry=twins["enquiries"][1], reason="Complaint", placed_by=manager.user
    )
    with pytest.raises(services.MergeRefused, match="legal hold"):
        services.contacts_merge(survivor=first, merged=second, chosen={}, actor=manager.user)
    second.refresh_from_db()
    assert second.merged_into is None and second.enquiries.count() == 1
    assert not MergeRecord.objects.exists()


def test_an_erased_or_merged_contact_cannot_be_merged(twins, manager):
    first, second = twins["contacts"]
    services.contacts_merge(survivor=first, merged=second, chosen={}, actor=manager.user)
    with pytest.raises(services.MergeRefused, match="merged into another"):
        services.contacts_merge(survivor=second, merged=first, chosen={}, actor=manager.user)


def test_an_adviser_merges_only_contacts_of_enquiries_she_holds(twins, adviser):
    first, second = twins["contacts"]
    mine, theirs = twins["enquiries"]
    Enquiry.objects.filter(pk=mine.pk).update(assigned_to=adviser.user)
    with pytest.raises(PermissionDenied):
        services.contacts_merge(survivor=first, merged=second, chosen={}, actor=adviser.user)
    Enquiry.objects.filter(pk=theirs.pk).update(assigned_to=adviser.user)
    services.contacts_merge(survivor=first, merged=second, chosen={}, actor=adviser.user)
    assert Contact.objects.get(pk=second.pk).merged_into_id == first.pk


def test_a_manager_merges_two_organisations(twins, manager, adviser):
    first_org, second_org = twins["orgs"]
    with pytest.raises(PermissionDenied):
        services.organisations_merge(
            survivor=first_org, merged=second_org, chosen={}, actor=adviser.user
        )
    record = services.organisations_merge(
        survivor=first_org, merged=second_org, chosen={}, actor=manager.user
    )
    assert record.moved == {"enquiries": 1, "contacts": 1}
    assert Organisation.objects.get(pk=second_org.pk).merged_into_id == first_org.pk
    assert set(first_org.enquiries.all()) == set(twins["enquiries"])


@pytest.fixture
def two_enquiries(mine, adviser, submit):
    """Ada holds two enquiries about the Red Lion: a message, a note and a key date on
    the second."""
    second = submit(subject="The Red Lion again")
    assert second.assigned_to == adviser.user
    message_publish(enquiry=second, actor=adviser.user, body="We have your nomination.")
    Note.objects.create(enquiry=second, author=adviser.user, body="Called the clerk.")
    KeyDate.objects.create(
        enquiry=second, trigger="listed", date="2026-10-01", recorded_by=adviser.user
    )
    mine.refresh_from_db()
    second.refresh_from_db()
    return mine, second


def test_merging_two_enquiries_keeps_every_message_and_leads_the_old_reference_on(
    two_enquiries, adviser, client
):
    survivor, merged = two_enquiries
    record = services.enquiries_merge(
        survivor=survivor,
        merged=merged,
        actor=adviser.user,
        survivor_version=survivor.version,
        merged_version=merged.version,
    )
    assert record.moved["messages"] == 1 and record.moved["notes"] == 1
    assert Message.objects.filter(enquiry=survivor, body="We have your nomination.").exists()
    assert KeyDate.objects.filter(enquiry=survivor).count() == 1
    merged.refresh_from_db()
    assert merged.merged_into == survivor and merged.status == Status.CLOSED
    assert Outcome.objects.get(enquiry=merged, is_closing=True).code == "closed_duplicate"
    client.force_login(adviser.user)
    response = client.get(reverse("casework:enquiry", args=[merged.reference]))
    assert response.status_code == 301
    assert response["Location"] == reverse("casework:enquiry", args=[survivor.reference])


def test_an_enquiry_changed_since_it_was_seen_is_not_merged(two_enquiries, adviser):
    survivor, merged = two_enquiries
    seen = merged.version
    Enquiry.objects.filter(pk=merged.pk).update(version=seen + 1)  # someone saved meanwhile
    with pytest.raises(StaleEdit):
        services.enquiries_merge(
            survivor=survivor,
            merged=merged,
            actor=adviser.user,
            survivor_version=survivor.version,
            merged_version=seen,
        )
    assert Message.objects.filter(enquiry=merged).count() == 1
    assert Enquiry.objects.get(pk=merged.pk).merged_into is None


def test_the_enquiry_merge_pages_compare_then_merge(two_enquiries, adviser, client):
    survivor, merged = two_enquiries
    client.force_login(adviser.user)
    url = reverse("casework:enquiry_merge", args=[survivor.reference])
    bad = client.post(url, {"other": survivor.reference})
    assert bad.status_code == 400
    assert "That is this enquiry" in bad.content.decode()
    compare = client.post(url, {"other": merged.reference.lower()})
    page = compare.content.decode()
    assert f"Merge {merged.reference} into {survivor.reference}" in page
    done = client.post(
        url,
        {
            "other": merged.reference,
            "survivor_version": survivor.version,
            "merged_version": merged.version,
            "confirm": "True",
        },
    )
    assert done.status_code == 302
    assert Enquiry.objects.get(pk=merged.pk).merged_into_id == survivor.pk


def test_the_duplicates_page_costs_the_same_however_many_pairs(client, manager):
    client.force_login(manager.user)

    # Places unlike each other, so that each group pairs with its twin only: "Park 1" and
    # "Park 2" were very similar names, and the pairs grew past a page (50) in an order
    # that could leave one kind off it.
    places = iter(["Ashby", "Bramley", "Cotgrave", "Dunholme", "Epworth", "Fiskerton"])
    places = iter([*places, "Gedney", "Horncastle"])

    def pairs(count: int) -> None:
        for _ in range(count):
            place = next(places)
            org = OrganisationFactory(name=f"Friends of {place} Park")
            OrganisationFactory(name=f"FRIENDS OF {place.upper()} PARK")  # a pair of them too
            email = f"pat.{place.lower()}@example.org"
            a = ContactFactory(name=f"Pat {place}", email=email, organisation=org)
            b = ContactFactory(name=f"Pat {place}", email=email.upper(), organisation=org)
            services.duplicates_find(since=None)
            assert a.pk != b.pk

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("casework:duplicates")).status_code == 200
        return len(captured)

    queries()  # warm-up: the first request fills per-process lists (held versions)
    queries()  # warm-up: the first request fills per-process lists (held versions)
    pairs(2)
    few = queries()
    pairs(6)
    assert queries() == few


def test_the_merge_page_for_contacts_merges_with_the_choices(twins, manager, client):
    first, second = twins["contacts"]
    client.force_login(manager.user)
    url = reverse("casework:merge_contacts", args=[first.pk, second.pk])
    page = client.get(url).content.decode()
    assert "Where they differ, keep which value?" in page
    response = client.post(
        url,
        {
            "name": "merged",
            "email": "survivor",
            "phone": "survivor",
            "organisation": "survivor",
            "accessibility_needs": "survivor",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.name == "Joanne Bloggs"
