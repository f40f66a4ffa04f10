"""The public form: a group submits an enquiry and gets its reference."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enquiries.models import Channel, Enquiry, Notification, Status, TrackingLink
from tests.casework.test_desk_views import unlabelled_controls

pytestmark = pytest.mark.django_db


def test_group_submits_enquiry_and_sees_reference(
    client, enquiry_data, adviser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enquiries:enquire"), {**enquiry_data, "consent_to_store": "on"}
        )
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.reference.startswith("CR-")
    assert enquiry.channel == Channel.WEB
    assert enquiry.assigned_to == adviser.user
    assert enquiry.status == Status.IN_PROGRESS

    page = client.get(response["Location"], follow=True)
    assert enquiry.reference in page.content.decode()
    assert page["Cache-Control"] == "no-store"

    # The group's acknowledgement (Ada is also told of her new assignment: test_portal_emails).
    [to_group] = [m for m in mail.outbox if m.to == [enquiry_data["email"]]]
    assert enquiry.reference in to_group.subject
    assert Notification.objects.get(kind=Notification.Kind.ACKNOWLEDGEMENT).sent_at is not None


def test_the_form_get_and_post_run_a_pinned_number_of_statements(
    client, enquiry_data, teams, adviser, django_assert_max_num_queries
):
    """Issue 12: a routed submission was 51 statements (in a test's transaction, savepoints
    included). Now 25 for a new group from a new visitor (docs/performance.md, "The public
    front door"): the reference lists and the teams' remits are held
    (knowledgebase.reference_data, casework.queue.remits), routing neither locks nor
    re-reads the new enquiry, an owed email is one insert. The first POST after a change
    reads the service level targets and the remits (three queries). Since issue 21, one
    more: the day's report rollup marked dirty after the enquiry's insert (its routing,
    assignment and adviser in the same transaction need no marks of their own:
    ``casework.receivers.CREATED_DAYS``)."""
    with django_assert_max_num_queries(3):  # the topics and the areas, then held
        client.get(reverse("enquiries:enquire"))
    with django_assert_max_num_queries(29):
        response = client.post(
            reverse("enquiries:enquire"), {**enquiry_data, "consent_to_store": "on"}
        )
    assert response.status_code == 302 and Enquiry.objects.count() == 1
    another = {"organisation_name": "Save the Bell", "email": "bell@example.org"}
    with django_assert_max_num_queries(26):  # 25, and the one rollup mark
        response = Client().post(
            reverse("enquiries:enquire"), {**enquiry_data, **another, "consent_to_store": "on"}
        )
    assert response.status_code == 302 and Enquiry.objects.count() == 2
    assert Enquiry.objects.filter(assigned_to=adviser.user).count() == 2  # both routed


def test_missing_fields_are_reported_per_field_and_nothing_is_saved(client):
    response = client.post(reverse("enquiries:enquire"), {"email": "not-an-email"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_email"' in body
    assert response.context["form"].errors["email"]
    assert Enquiry.objects.count() == 0


# --- accessibility, and working without JavaScript -------------------------------------------

ENQUIRE = reverse("enquiries:enquire")


def test_every_form_control_has_a_label_and_the_form_needs_no_javascript(client):
    response = client.get(ENQUIRE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert unlabelled_controls(body) == []
    # One script, deferred: it only shows guidance as the subject is typed (the same
    # articles the step before sending offers without it).
    scripts = re.findall(r"<script[^>]*>", body)
    assert len(scripts) == 1 and "suggest" in scripts[0] and "defer" in scripts[0]
    assert f'<form method="post" action="{ENQUIRE}"' in body


def test_errors_are_summarised_with_links_and_marked_on_each_field(client, enquiry_data):
    response = client.post(ENQUIRE, {**enquiry_data, "email": "nope", "subject": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "<title>Error: " in body
    assert 'href="#id_email"' in body and 'href="#id_subject"' in body
    email = re.search(r"<input[^>]*name=\"email\"[^>]*>", body).group(0)
    assert 'aria-invalid="true"' in email
    assert 'aria-describedby="id_email_helptext id_email_error"' in email
    assert 'id="id_email_error"' in body
    # What was typed is kept.
    assert 'value="Friends of the Red Lion"' in body
    assert Enquiry.objects.count() == 0


def test_an_empty_post_is_a_form_with_errors_not_a_blank_form(client):
    response = client.post(ENQUIRE, {})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


# --- what is refused -------------------------------------------------------------------------


def valid(enquiry_data, **changes):
    return {**enquiry_data, "consent_to_store": "on", **changes}


def test_the_honeypot_drops_bots_silently_and_saves_nothing(client, enquiry_data, adviser):
    response = client.post(ENQUIRE, valid(enquiry_data, website="https://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == reverse("enquiries:submitted")
    assert Enquiry.objects.count() == 0
    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200 and "CR-" not in page.content.decode()


def test_too_many_posts_from_one_address_are_refused_with_429(
    client, enquiry_data, adviser, settings
):
    settings.ENQUIRY_FORM_RATE = "2/hour"
    for _ in range(2):
        assert client.post(ENQUIRE, valid(enquiry_data)).status_code == 302
    response = client.post(ENQUIRE, valid(enquiry_data, message="Please keep this text."))
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "not been sent" in body
    assert "Please keep this text." in body  # the group can copy what they wrote
    assert Enquiry.objects.count() == 2
    # Another address is not affected.
    other = client.post(ENQUIRE, valid(enquiry_data), REMOTE_ADDR="192.0.2.77")
    assert other.status_code == 302


def test_an_oversize_message_is_refused(client, enquiry_data):
    response = client.post(ENQUIRE, valid(enquiry_data, message="x" * 10_001))
    assert response.status_code == 400
    assert response.context["form"].errors["message"]
    assert Enquiry.objects.count() == 0


def test_an_unknown_topic_is_refused(client, enquiry_data):
    response = client.post(ENQUIRE, valid(enquiry_data, topic="no-such-topic"))
    assert response.status_code == 400
    assert response.context["form"].errors["topic"]
    assert Enquiry.objects.count() == 0


def test_consent_is_required(client, enquiry_data):
    data = valid(enquiry_data)
    del data["consent_to_store"]
    response = client.post(ENQUIRE, data)
    assert response.status_code == 400
    assert response.context["form"].errors["consent_to_store"] == [
        "We can only answer your enquiry if you agree to this."
    ]
    assert Enquiry.objects.count() == 0


@pytest.mark.parametrize("postcode", ["SW1A-1AA", "12345", "not a postcode"])
def test_an_invalid_postcode_is_refused(client, enquiry_data, postcode):
    response = client.post(ENQUIRE, valid(enquiry_data, postcode=postcode))
    assert response.status_code == 400
    assert response.context["form"].errors["postcode"]


@pytest.mark.parametrize(("typed", "stored"), [("ln1 1aa", "LN1 1AA"), (" sw1a1aa ", "SW1A 1AA")])
def test_the_postcode_is_normalised(client, enquiry_data, adviser, typed, stored):
    client.post(ENQUIRE, valid(enquiry_data, postcode=typed))
    assert Enquiry.objects.get().organisation.postcode == stored


def test_not_sure_of_the_topic_goes_to_triage(client, enquiry_data, teams, adviser):
    assert client.post(ENQUIRE, valid(enquiry_data, topic="")).status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.topic is None and enquiry.assigned_to is None
    assert enquiry.assignments.get(is_current=True).team == teams["triage"]


# --- confirmation and tracking ---------------------------------------------------------------


def test_confirmation_shows_the_reference_and_a_working_tracking_link(
    client, enquiry_data, adviser
):
    response = client.post(ENQUIRE, valid(enquiry_data), follow=True)
    enquiry = Enquiry.objects.get()
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert f'<p class="reference">{enquiry.reference}</p>' in body
    link = re.search(r'href="(https?://[^"]+/track/[^"]+/)"', body).group(1)
    tracking = client.get(urlsplit(link).path, follow=True)
    assert tracking.status_code == 200
    assert tracking["Cache-Control"] == "no-store"
    assert enquiry.reference in tracking.content.decode()


def test_confirmation_without_a_submission_is_a_plain_thank_you(client):
    response = client.get(reverse("enquiries:submitted"))
    assert response.status_code == 200
    assert "CR-" not in response.content.decode()


@pytest.fixture
def tracked(enquiry_data, topics, areas, adviser):
    from enquiries.intake.services import EnquiryInput, enquiry_submit

    data = EnquiryInput(
        **{**enquiry_data, "topic": topics["acv-notice-of-sale"], "local_authority": None}
    )
    return enquiry_submit(data=data, channel=Channel.WEB)


def track(client, token):
    return client.get(reverse("enquiries:track", args=[token]), follow=True)


def test_tracking_page_shows_the_enquiry_for_a_valid_token(client, tracked):
    response = track(client, tracked.tracking_token)
    assert response.status_code == 200
    assert tracked.enquiry.reference in response.content.decode()


@pytest.mark.parametrize("token", ["wrong", "x" * 101, "a%00b", "..", "%F0%9F%98%80"])
def test_a_wrong_token_is_a_plain_link_not_valid_page(client, tracked, token):
    response = client.get(f"/track/{token}/", follow=True)
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert tracked.enquiry.reference not in response.content.decode()


def test_an_expired_token_is_not_valid(client, tracked):
    TrackingLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = track(client, tracked.tracking_token)
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_a_revoked_token_is_not_valid(client, tracked):
    TrackingLink.objects.update(revoked_at=timezone.now())
    assert track(client, tracked.tracking_token).status_code == 404


def test_a_post_without_a_valid_csrf_token_gets_a_plain_explanation(enquiry_data):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(ENQUIRE, valid(enquiry_data))
    assert response.status_code == 403
    assert "The form could not be sent" in response.content.decode()
    assert Enquiry.objects.count() == 0
