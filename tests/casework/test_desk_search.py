"""Desk search: one box, every kind of record, scoped to what the user may see, the
query never in an address, a fixed number of queries. Runs on SQLite and PostgreSQL."""

import pytest
from django.urls import reverse

from casework.cases.services import case_open_from_enquiry
from casework.search.selectors import desk_search
from casework.workspace.services import note_add
from enquiries.conversation.services import message_publish
from knowledgebase.models import SearchTermDay

pytestmark = pytest.mark.django_db
SEARCH = reverse("casework:search")


@pytest.fixture
def mine(submit, adviser, manager):
    from casework.queue.services import enquiry_assign

    enquiry = submit(
        contact_name="Priya Wolstenholme",
        email="priya@example.org",
        organisation_name="Friends of the Quillfeather Inn",
        subject="Saving the Quillfeather Inn",
        message="The brewery wants to sell the building to a developer.",
        asset_name="Quillfeather Inn",
        postcode="LN8 3AB",
    )
    if enquiry.assigned_to_id != adviser.user.pk:
        enquiry_assign(enquiry=enquiry, adviser=adviser, actor=manager.user)
    message_publish(
        enquiry=enquiry, body="Have you asked about the moratorium?", actor=adviser.user
    )
    note_add(
        enquiry=enquiry, body="Caller mentioned a covenant on the car park.", actor=adviser.user
    )
    return enquiry


def _references(user, query):
    return [enquiry.reference for enquiry in desk_search(user=user, query=query).enquiries.items]


@pytest.mark.parametrize(
    "query",
    [
        "reference",
        "priya@example.org",
        "PRIYA@EXAMPLE.ORG",
        "ln83ab",
        "Wolstenholme",
        "quillfeather",
        "brewery",
        "moratorium",
        "covenant",
    ],
)
def test_an_adviser_finds_their_enquiry_by_anything_on_it(adviser, mine, query):
    query = mine.reference if query == "reference" else query
    assert _references(adviser.user, query) == [mine.reference]


def test_someone_elses_records_never_appear_and_are_not_counted(other_adviser, manager, mine):
    for query in [mine.reference, "Wolstenholme", "covenant", "priya@example.org", "ln8 3ab"]:
        results = desk_search(user=other_adviser.user, query=query)
        assert results.total == 0, query
    assert _references(manager.user, "covenant") == [mine.reference]


def test_a_postcode_finds_the_enquiries_there_and_one_imported_under_it(
    submit, adviser, other_adviser, manager, mine
):
    from casework.queue.services import enquiry_assign
    from enquiries.models import Enquiry

    # An imported enquiry whose old reference looks like a postcode, and another group's
    # enquiry at the same postcode that only the other adviser holds.
    imported = submit(organisation_name="Elsewhere Trust", postcode="LN9 9ZZ")
    Enquiry.objects.filter(pk=imported.pk).update(legacy_reference="LN8 3AB")
    theirs = submit(organisation_name="Friends of the Quillfeather Inn", postcode="LN8 3AB")
    for enquiry, holder in [(imported, adviser), (theirs, other_adviser)]:
        if enquiry.assigned_to_id != holder.user.pk:
            enquiry_assign(enquiry=enquiry, adviser=holder, actor=manager.user)
    assert theirs.organisation_id == mine.organisation_id
    assert sorted(_references(adviser.user, "LN8 3AB")) == sorted(
        [mine.reference, imported.reference]
    )
    assert desk_search(user=adviser.user, query="LN8 3AB").enquiries.count == 2
    assert sorted(_references(manager.user, "LN8 3AB")) == sorted(
        [mine.reference, imported.reference, theirs.reference]
    )


def test_contacts_organisations_and_cases_are_found_too(adviser, mine):
    case = case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Quillfeather bid")
    results = desk_search(user=adviser.user, query="quillfeather")
    assert [o.name for o in results.organisations.items] == ["Friends of the Quillfeather Inn"]
    assert [c.pk for c in results.cases.items] == [case.pk]
    assert desk_search(user=adviser.user, query=case.number).cases.items == [case]
    people = desk_search(user=adviser.user, query="wolstenholme").contacts.items
    assert [p.name for p in people] == ["Priya Wolstenholme"]
    assert [e.reference for e in people[0].visible_enquiries] == [mine.reference]


def test_groups_and_people_come_by_name_whatever_the_case_with_their_newest_five(submit, manager):
    from datetime import timedelta

    from django.utils import timezone

    from enquiries.models import Enquiry

    made = [
        submit(
            organisation_name="alpha Quokka Trust",
            contact_name="bea Quokkason",
            email=f"a{n}@example.org",
        )
        for n in range(7)
    ]
    submit(organisation_name="Beta Quokka Society", contact_name="Ann Quokkason")
    start = timezone.now() - timedelta(days=30)
    for day, enquiry in enumerate(made):
        Enquiry.objects.filter(pk=enquiry.pk).update(received_at=start + timedelta(days=day))
    results = desk_search(user=manager.user, query="quokka")
    groups = results.organisations.items
    assert [o.name for o in groups] == ["alpha Quokka Trust", "Beta Quokka Society"]
    newest_five = [e.reference for e in reversed(made)][:5]
    assert [e.reference for e in groups[0].visible_enquiries] == newest_five
    people = desk_search(user=manager.user, query="quokkason").contacts.items
    assert [p.name for p in people][:2] == ["Ann Quokkason", "bea Quokkason"]


def test_the_page_posts_the_query_and_keeps_it_out_of_the_address(client, adviser, mine):
    client.force_login(adviser.user)
    page = client.get(SEARCH).content.decode()
    assert 'method="post"' in page
    response = client.post(SEARCH, {"q": "Wolstenholme"})
    assert response.status_code == 200
    assert mine.reference in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    # A query in the address is ignored: nothing is searched.
    assert mine.reference not in client.get(SEARCH, {"q": "Wolstenholme"}).content.decode()


def test_a_bad_query_is_explained(client, adviser):
    client.force_login(adviser.user)
    response = client.post(SEARCH, {"q": "x"})
    assert response.status_code == 400
    assert "Enter at least 2 characters." in response.content.decode()


def test_the_search_term_is_kept_without_personal_data(client, adviser, mine):
    client.force_login(adviser.user)
    client.post(SEARCH, {"q": "priya@example.org"})
    client.post(SEARCH, {"q": "covenant"})
    assert list(SearchTermDay.objects.values_list("scope", "term", "searches")) == [
        ("desk", "covenant", 1)
    ]


def test_search_runs_a_fixed_number_of_queries(
    client, adviser, manager, mine, submit, django_assert_max_num_queries
):
    from casework.queue.services import enquiry_assign

    client.force_login(adviser.user)
    client.post(SEARCH, {"q": "quillfeather"})  # warm the session and permission caches
    # Session, user, permissions, the adviser and their teams (once per scope), the
    # matching enquiries' ids, the four kinds of record and the enquiries of the contacts
    # and organisations, the term count.
    with django_assert_max_num_queries(16) as few:
        client.post(SEARCH, {"q": "quillfeather"})
    for n in range(25):
        more = submit(
            organisation_name=f"Quillfeather Society {n}", subject=f"Quillfeather question {n}"
        )
        if more.assigned_to_id != adviser.user.pk:
            enquiry_assign(enquiry=more, adviser=adviser, actor=manager.user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.post(SEARCH, {"q": "quillfeather"})
    assert response.context["results"].enquiries.count == 26
    assert len(response.context["results"].enquiries.items) == 20


def test_the_api_searches_by_post(api_client, adviser, other_adviser, mine):
    api_client.force_authenticate(adviser.user)
    url = reverse("api:desk-search")
    body = api_client.post(url, {"q": "covenant"}, format="json").json()
    assert [hit["reference"] for hit in body["enquiries"]["results"]] == [mine.reference]
    assert body["enquiries"]["count"] == 1
    bad = api_client.post(url, {"q": "x"}, format="json")
    assert bad.status_code == 400
    assert "q" in bad.json()
    api_client.force_authenticate(other_adviser.user)
    assert api_client.post(url, {"q": "covenant"}, format="json").json()["enquiries"]["count"] == 0
