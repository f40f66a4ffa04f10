"""Showing deadlines to the group from the enquiry page, and the group's tracking links."""

from datetime import date

import pytest
from django.urls import reverse

from casework.clocks.services import key_date_record, key_date_remove
from casework.models import Deadline, KeyDate
from casework.publishing.services import deadline_publish
from enquiries.models import EnquiryEvent, PublicDate

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_date(mine, adviser):
    """DOMAIN.md's worked example: notice received 2 March 2026 starts three clocks."""
    return key_date_record(
        enquiry=mine, trigger="disposal-notice-received", date=date(2026, 3, 2), actor=adviser.user
    )


def _publish_url(enquiry, deadline):
    return reverse(
        "casework:deadline_publish",
        args=[enquiry.reference, deadline.key_date_id, deadline.rule_id],
    )


def test_adviser_shows_a_deadline_to_the_group_as_theirs_to_act_by(client, mine, adviser, key_date):
    deadline = Deadline.objects.filter(key_date=key_date).order_by("ends_on").first()
    client.force_login(adviser.user)

    response = client.post(_publish_url(mine, deadline), {"is_group_deadline": "on"})

    assert response.status_code == 302
    shown = PublicDate.objects.get(enquiry=mine)
    assert shown.source == f"deadline:{key_date.pk}:{deadline.rule_id}"
    assert (shown.label, shown.date) == (deadline.rule.name, deadline.ends_on)
    assert shown.is_group_deadline and shown.legal_source == deadline.rule.legal_source
    assert EnquiryEvent.objects.filter(enquiry=mine, kind="date_published").exists()
    page = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "Shown to the group" in page and "Update for the group" in page


def test_publishing_again_updates_and_stop_withdraws(client, mine, adviser, key_date):
    deadline = Deadline.objects.filter(key_date=key_date).first()
    client.force_login(adviser.user)
    client.post(_publish_url(mine, deadline), {"is_group_deadline": "on"})
    client.post(_publish_url(mine, deadline), {})
    assert PublicDate.objects.get(enquiry=mine).is_group_deadline is False

    client.post(
        reverse(
            "casework:deadline_withdraw",
            args=[mine.reference, deadline.key_date_id, deadline.rule_id],
        )
    )
    assert not PublicDate.objects.filter(enquiry=mine).exists()


def test_removing_the_key_date_withdraws_what_the_group_saw(mine, adviser, key_date):
    deadline = Deadline.objects.filter(key_date=key_date).first()
    deadline_publish(
        enquiry=mine,
        key_date_id=key_date.pk,
        rule_id=deadline.rule_id,
        is_group_deadline=True,
        actor=adviser.user,
    )
    key_date_remove(key_date=KeyDate.objects.get(pk=key_date.pk), actor=adviser.user)
    assert not PublicDate.objects.filter(enquiry=mine).exists()


def test_a_deadline_of_another_key_date_is_refused_clearly(client, mine, adviser, key_date):
    client.force_login(adviser.user)
    url = reverse("casework:deadline_publish", args=[mine.reference, key_date.pk, 999999])
    response = client.post(url, follow=True)
    assert "no longer on this enquiry" in response.content.decode()
    assert not PublicDate.objects.exists()


def test_only_the_holder_or_a_manager_shows_dates(
    client, mine, theirs, adviser, teammate, outsider, key_date
):
    deadline = Deadline.objects.filter(key_date=key_date).first()
    client.force_login(teammate.user)  # sees Ada's enquiry, does not hold it
    assert client.post(_publish_url(mine, deadline)).status_code == 403
    client.force_login(adviser.user)
    other = reverse("casework:deadline_publish", args=[theirs.reference, key_date.pk, 1])
    assert client.post(other).status_code == 404
    client.force_login(outsider)
    assert client.post(_publish_url(mine, deadline)).status_code == 403
    client.logout()
    assert client.post(_publish_url(mine, deadline)).status_code == 302  # to sign in
    assert not PublicDate.objects.exists()


def test_enquiry_page_offers_the_link_actions_to_the_holder_only(client, mine, adviser, teammate):
    client.force_login(adviser.user)
    page = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "Revoke tracking links" in page and "Send a new link to the contact" in page
    client.force_login(teammate.user)
    page = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "Revoke tracking links" not in page


# --- the API ---------------------------------------------------------------------------------


def _api(reference: str, action: str = "") -> str:
    return f"/api/v1/enquiries/{reference}/{action}"


def test_api_publishes_lists_and_withdraws_a_deadline(api_client, mine, adviser, key_date):
    deadline = Deadline.objects.filter(key_date=key_date).first()
    api_client.force_authenticate(adviser.user)
    body = {"key_date": key_date.pk, "rule": deadline.rule_id, "is_group_deadline": True}

    created = api_client.post(_api(mine.reference, "public-dates/"), body, format="json")
    listed = api_client.get(_api(mine.reference, "public-dates/"))
    withdrawn = api_client.post(
        _api(mine.reference, "public-dates/withdraw/"),
        {"key_date": key_date.pk, "rule": deadline.rule_id},
        format="json",
    )

    assert created.status_code == 201
    assert created.json()["is_group_deadline"] is True
    assert created.json()["date"] == deadline.ends_on.isoformat()
    assert [d["source"] for d in listed.json()["results"]] == [created.json()["source"]]
    assert withdrawn.json() == {"withdrawn": True}
    assert not PublicDate.objects.exists()


def test_api_refuses_bad_input_other_enquiries_and_other_roles(
    api_client, mine, theirs, adviser, teammate, key_date
):
    url = _api(mine.reference, "public-dates/")
    assert api_client.post(url, {}, format="json").status_code in (401, 403)
    api_client.force_authenticate(adviser.user)
    missing = api_client.post(url, {"key_date": "x"}, format="json")
    assert missing.status_code == 400 and {"key_date", "rule"} <= set(missing.json())
    gone = api_client.post(url, {"key_date": key_date.pk, "rule": 999999}, format="json")
    assert gone.status_code == 400 and "rule" in gone.json()
    other = api_client.post(_api(theirs.reference, "tracking-links/revoke/"))
    assert other.status_code == 404
    api_client.force_authenticate(teammate.user)
    assert api_client.post(_api(mine.reference, "tracking-links/revoke/")).status_code == 403
    assert not PublicDate.objects.exists()


def test_api_revokes_links_and_sends_one_new_link_per_key(
    api_client, mine, adviser, django_capture_on_commit_callbacks
):
    from django.core import mail

    from enquiries.models import TrackingLink

    api_client.force_authenticate(adviser.user)
    revoked = api_client.post(_api(mine.reference, "tracking-links/revoke/"))
    assert revoked.status_code == 200 and revoked.json()["revoked"] >= 1
    assert not TrackingLink.objects.filter(enquiry=mine, revoked_at__isnull=True).exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.post(
            _api(mine.reference, "tracking-links/send/"), {"key": "k1"}, format="json"
        )
        again = api_client.post(
            _api(mine.reference, "tracking-links/send/"), {"key": "k1"}, format="json"
        )
    assert (first.status_code, first.json(), again.json()) == (202, {"sent": True}, {"sent": False})
    assert [m.to for m in mail.outbox] == [[mine.contact.email]]
    bad = api_client.post(
        _api(mine.reference, "tracking-links/send/"), {"key": "x" * 41}, format="json"
    )
    assert bad.status_code == 400
