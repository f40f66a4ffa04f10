"""Every change to an enquiry is recorded (who, when, what), bulk updates included, and
staff views of personal data are logged; managers read both on the enquiry's history page."""

import pytest
from django.urls import reverse

from casework.enquiry import services as enquiry_services
from enquiries.models import Enquiry, PersonalDataAccess, Priority

pytestmark = pytest.mark.django_db


def test_status_change_is_in_the_history_with_who_and_old_and_new(client, manager, adviser, submit):
    enquiry = submit()
    enquiry_services.enquiry_set_status(
        enquiry=enquiry, status="awaiting_group", actor=adviser.user
    )

    latest = enquiry.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == adviser.user
    assert latest.status == "awaiting_group"

    client.force_login(manager.user)
    page = client.get(reverse("casework:enquiry_history", args=[enquiry.reference]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Status: With an adviser → Waiting for the group" in body
    assert adviser.user.get_full_name() in body
    assert page["Cache-Control"] == "no-store"


def test_queryset_update_does_not_bypass_the_history(submit):
    enquiry = submit()
    before = enquiry.history.count()

    updated = Enquiry.objects.filter(pk=enquiry.pk).update(priority=Priority.URGENT)

    assert updated == 1
    assert enquiry.history.count() == before + 1
    latest = enquiry.history.order_by("-history_date", "-history_id").first()
    assert latest.priority == Priority.URGENT
    assert latest.history_change_reason == "bulk update"


def test_opening_an_enquiry_is_logged_for_page_and_api(client, api_client, adviser, submit):
    enquiry = submit()
    client.force_login(adviser.user)
    assert client.get(reverse("casework:enquiry", args=[enquiry.reference])).status_code == 200
    api_client.force_authenticate(adviser.user)
    assert api_client.get(f"/api/v1/enquiries/{enquiry.reference}/").status_code == 200

    logged = list(
        PersonalDataAccess.objects.filter(enquiry=enquiry).values_list("viewer", "channel")
    )
    assert sorted(logged) == [(adviser.user.pk, "api"), (adviser.user.pk, "page")]


def test_history_page_is_for_managers_only(client, adviser, other_adviser, outsider, submit):
    enquiry = submit()
    url = reverse("casework:enquiry_history", args=[enquiry.reference])
    assert client.get(url).status_code == 302  # anonymous: sign in
    client.force_login(adviser.user)
    assert client.get(url).status_code == 403  # an adviser, even the holder
    client.force_login(other_adviser.user)
    assert client.get(url).status_code == 404  # another team's enquiry
    client.force_login(outsider)
    assert client.get(url).status_code == 403  # no desk role


def test_reading_the_history_page_is_logged_and_refusals_are_not(client, manager, adviser, submit):
    enquiry = submit()
    url = reverse("casework:enquiry_history", args=[enquiry.reference])
    client.force_login(adviser.user)
    assert client.get(url).status_code == 403
    client.force_login(manager.user)
    assert client.get(url).status_code == 200
    logged = PersonalDataAccess.objects.filter(enquiry=enquiry).values_list("viewer", "channel")
    assert list(logged) == [(manager.user.pk, "page")]


def test_history_page_lists_opens_of_the_enquirys_contact_record(
    client, api_client, manager, adviser, submit
):
    enquiry = submit()
    api_client.force_authenticate(adviser.user)
    assert api_client.get(f"/api/v1/contacts/{enquiry.contact_id}/").status_code == 200
    client.force_login(manager.user)

    page = client.get(reverse("casework:enquiry_history", args=[enquiry.reference]))

    rows = [(a.viewer_id, a.enquiry_id, a.contact_id) for a in page.context["accesses"]]
    assert (adviser.user.pk, None, enquiry.contact_id) in rows
    assert "The contact's record" in page.content.decode()


@pytest.mark.parametrize("changes", [2, 20])
def test_history_page_runs_a_fixed_number_of_queries(
    client, manager, adviser, submit, changes, django_assert_max_num_queries
):
    enquiry = submit()
    for number in range(changes):
        Enquiry.objects.filter(pk=enquiry.pk).update(priority=1 + number % 4)
    client.force_login(manager.user)
    client.get(reverse("casework:enquiry", args=[enquiry.reference]))  # one access logged
    with django_assert_max_num_queries(12):
        page = client.get(reverse("casework:enquiry_history", args=[enquiry.reference]))
    assert page.status_code == 200
    assert page.content.decode().count("Priority:") >= changes - 1


def test_managers_find_the_history_from_the_enquiry_page(client, manager, adviser, submit):
    enquiry = submit()
    link = reverse("casework:enquiry_history", args=[enquiry.reference])
    client.force_login(manager.user)
    assert (
        link in client.get(reverse("casework:enquiry", args=[enquiry.reference])).content.decode()
    )
    client.force_login(adviser.user)
    assert (
        link
        not in client.get(reverse("casework:enquiry", args=[enquiry.reference])).content.decode()
    )
