"""The group portal: the tracking page, its scope, links that expire, rotate and are
revoked, replies (once each), downloads, and "send me a new link"."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from enquiries.conversation.services import (
    attachment_add_bytes,
    message_publish,
    public_date_publish,
)
from enquiries.models import (
    Attachment,
    Enquiry,
    EnquiryEvent,
    Message,
    Notification,
    Status,
    TrackingLink,
    hash_token,
)
from enquiries.services import enquiry_change_status
from tests.enquiries.portal import PDF, pdf, reply_url, track_url

pytestmark = pytest.mark.django_db


def _link(token: str) -> TrackingLink:
    return TrackingLink.objects.get(token_hash=hash_token(token))


# --- the page ----------------------------------------------------------------------------


def test_tracking_page_shows_status_in_plain_words_adviser_first_name_and_headers(
    client, submit, adviser
):
    enquiry = submit()
    enquiry_change_status(enquiry=enquiry, status=Status.AWAITING_GROUP, actor=adviser.user)
    _, url = track_url(enquiry)

    response = client.get(url, follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert enquiry.reference in html and enquiry.subject in html
    assert "Waiting for you" in html
    assert "Ada" in html
    assert adviser.user.last_name not in html
    assert response["Cache-Control"] == "no-store"
    # The page posts back (a reply, a new link): other sites get no referrer, and our own
    # posts carry our origin for the CSRF check (test_portal_csrf.py).
    assert response["Referrer-Policy"] == "same-origin"


def test_conversation_dates_and_letters_appear_oldest_first(client, submit, adviser):
    enquiry = submit()
    first = message_publish(enquiry=enquiry, body="First from the desk", actor=adviser.user)
    attachment_add_bytes(
        enquiry=enquiry, content=PDF, name="guidance-letter.pdf", actor=adviser.user, message=first
    )
    message_publish(enquiry=enquiry, body="Second from the desk", actor=adviser.user)
    public_date_publish(
        enquiry=enquiry,
        source="deadline:1:1",
        label="Moratorium ends",
        date=timezone.localdate() + timedelta(days=10),
        meaning="The owner may sell after this date.",
        is_group_deadline=True,
        actor=adviser.user,
    )
    _, url = track_url(enquiry)

    html = client.get(url, follow=True).content.decode()

    assert html.index("First from the desk") < html.index("Second from the desk")
    assert "Download guidance-letter.pdf" in html
    assert "Moratorium ends" in html and "In 10 days" in html
    assert "Your group must act by this date" in html


@pytest.mark.parametrize("messages_count", [1, 8])
def test_tracking_page_runs_a_fixed_number_of_queries(
    client, submit, adviser, django_assert_max_num_queries, messages_count
):
    enquiry = submit()
    for i in range(messages_count):
        message = message_publish(enquiry=enquiry, body=f"Update {i}", actor=adviser.user)
        attachment_add_bytes(
            enquiry=enquiry, content=PDF, name=f"l{i}.pdf", actor=adviser.user, message=message
        )
        public_date_publish(
            enquiry=enquiry,
            source=f"deadline:{i}:1",
            label=f"Date {i}",
            date=date(2030, 1, 1),
            actor=adviser.user,
        )
    for i in range(messages_count):
        submit(subject=f"Other {i}")
    _, url = track_url(enquiry)
    client.get(url, follow=True)  # the first use refreshes the link (one UPDATE a day)

    # The page as the group sees it, the link in its cookie: the link, the address's
    # contacts and their organisations (the scope, by index), enquiry list, adviser name,
    # dates, messages, their documents, the topic's guidance, the feedback survey, session.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("enquiries:portal"))
    assert response.status_code == 200


def test_dates_before_today_are_still_shown_as_passed(client, submit, adviser):
    enquiry = submit()
    public_date_publish(
        enquiry=enquiry,
        source="deadline:1:1",
        label="Gone",
        date=timezone.localdate() - timedelta(days=2),
        actor=adviser.user,
    )
    _, url = track_url(enquiry)
    assert "Passed 2 days ago" in client.get(url, follow=True).content.decode()


# --- links: wrong, expired, revoked, refreshed, rotated -------------------------------------


def test_wrong_expired_and_revoked_links_get_the_same_plain_not_valid_page(client, submit, adviser):
    enquiry = submit()
    expired, expired_url = track_url(enquiry)
    TrackingLink.objects.filter(token_hash=hash_token(expired)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked, revoked_url = track_url(enquiry)
    TrackingLink.objects.filter(token_hash=hash_token(revoked)).update(revoked_at=timezone.now())
    urls = [
        expired_url,
        revoked_url,
        reverse("enquiries:track", args=["not-a-token"]),
        reverse("enquiries:track", args=["x" * 500]),
    ]

    responses = [client.get(url, follow=True) for url in urls]

    assert {r.status_code for r in responses} == {404}
    bodies = {r.content.decode().replace(str(r.wsgi_request.path), "") for r in responses}
    assert len({b.split("<main")[1] for b in bodies}) == 1
    assert enquiry.reference not in responses[0].content.decode()
    assert reverse("enquiries:new_link") in responses[0].content.decode()
    assert all(r["Referrer-Policy"] == "no-referrer" for r in responses)


def test_using_a_link_pushes_its_expiry_forward_at_most_once_a_day(client, submit, settings):
    settings.TRACKING_LINK_DAYS = 30
    enquiry = submit()
    token, url = track_url(enquiry)
    TrackingLink.objects.filter(token_hash=hash_token(token)).update(
        expires_at=timezone.now() + timedelta(days=1)
    )

    client.get(url, follow=True)
    link = _link(token)
    assert link.expires_at > timezone.now() + timedelta(days=29)
    first_use = link.last_used_at

    client.get(url, follow=True)
    assert _link(token).last_used_at == first_use


@pytest.mark.parametrize("days", [7, 90])
def test_a_new_link_first_expires_after_the_configured_days(submit, days):
    """Read when the link is made, not when the module was imported (it once fell back
    to 180 days whatever the setting said)."""
    enquiry = submit()
    with override_settings(TRACKING_LINK_DAYS=days):
        before = timezone.now()
        token, _ = track_url(enquiry)
        after = timezone.now()
    expires_at = _link(token).expires_at
    assert before + timedelta(days=days) <= expires_at <= after + timedelta(days=days)


def test_group_rotates_its_link_the_old_one_stops_and_a_new_one_is_emailed(
    client, submit, django_capture_on_commit_callbacks
):
    enquiry = submit()
    token, url = track_url(enquiry)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enquiries:track_rotate", args=[token]))

    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert client.get(url, follow=True).status_code == 404
    [email] = mail.outbox
    assert email.to == [enquiry.contact.email]
    assert enquiry.reference in email.subject
    new_path = email.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    assert client.get(new_path, follow=True).status_code == 200
    assert EnquiryEvent.objects.filter(enquiry=enquiry, kind=EnquiryEvent.Kind.LINK_SENT).exists()


# --- scope: several enquiries from one link -----------------------------------------------


def test_a_link_shown_at_intake_opens_only_its_own_enquiry(
    client, submit, api_client, enquiry_data
):
    """Anyone can type someone else's address into the form: the link the submitter
    sees (page or API) must not open that address's other enquiries."""
    victims = submit(subject="Victim's matter", email="sam@example.org")
    probe = {**enquiry_data, "contact_name": "Mallory", "email": "SAM@example.org"}
    response = api_client.post("/api/v1/enquiries/", probe, format="json")
    assert response.status_code == 201, response.content
    path = response.json()["tracking_url"].split("http://127.0.0.1:8000", 1)[1]
    token = path.rstrip("/").rsplit("/", 1)[1]

    html = client.get(path, follow=True).content.decode()
    other = client.get(
        reverse("enquiries:track_enquiry", args=[token, victims.reference]), follow=True
    )

    assert victims.reference not in html and "Victim" not in html
    assert other.status_code == 404
    assert "Victim" not in other.content.decode()


def test_one_link_lists_and_opens_every_enquiry_from_the_same_address(client, submit):
    first = submit(subject="First matter")
    second = submit(subject="Second matter", phone="")  # another Contact row, same email
    someone_else = submit(subject="Not theirs", email="other@example.org")
    token, url = track_url(first)

    html = client.get(url, follow=True).content.decode()
    assert second.reference in html and someone_else.reference not in html

    other = client.get(
        reverse("enquiries:track_enquiry", args=[token, second.reference]), follow=True
    )
    assert other.status_code == 200 and "Second matter" in other.content.decode()

    outside = client.get(
        reverse("enquiries:track_enquiry", args=[token, someone_else.reference]), follow=True
    )
    unknown = client.get(
        reverse("enquiries:track_enquiry", args=[token, "CR-2099-999999"]), follow=True
    )
    assert outside.status_code == unknown.status_code == 404
    assert "This link is not valid" in outside.content.decode()
    assert "Not theirs" not in outside.content.decode()


def test_registered_contact_sees_the_organisations_enquiries_other_members_do_not(client, submit):
    mine = submit(subject="Registered contact's", email="chair@example.org")
    colleague = submit(subject="Colleague's", email="treasurer@example.org")
    organisation = mine.organisation
    assert colleague.organisation == organisation
    organisation.registered_contact = mine.contact
    organisation.save()
    chair_token, _ = track_url(mine)
    treasurer_token, _ = track_url(colleague)

    seen = client.get(
        reverse("enquiries:track_enquiry", args=[chair_token, colleague.reference]), follow=True
    )
    refused = client.get(
        reverse("enquiries:track_enquiry", args=[treasurer_token, mine.reference]), follow=True
    )

    assert seen.status_code == 200
    assert refused.status_code == 404


# --- replies ---------------------------------------------------------------------------------


def test_reply_is_kept_moves_a_waiting_enquiry_back_and_tells_the_adviser(
    client, submit, adviser, django_capture_on_commit_callbacks
):
    enquiry = submit()
    enquiry_change_status(enquiry=enquiry, status=Status.AWAITING_GROUP, actor=adviser.user)
    enquiry.refresh_from_db()
    assert enquiry.sla_paused_since is not None
    token, url = track_url(enquiry)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reply_url(token, enquiry),
            {"body": "Here are the minutes", "files": [pdf()], "submission_key": "a" * 32},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("enquiries:portal") + "#conversation"
    message = Message.objects.get(enquiry=enquiry, sender=Message.Sender.GROUP)
    assert message.body == "Here are the minutes" and message.author is None
    [attachment] = Attachment.objects.filter(message=message)
    assert attachment.original_name == "minutes.pdf" and attachment.uploaded_by is None
    enquiry.refresh_from_db()
    assert enquiry.status == Status.IN_PROGRESS
    assert enquiry.sla_paused_since is None  # the service-level clock runs again
    assert EnquiryEvent.objects.filter(enquiry=enquiry, kind="reply_received").exists()
    [email] = [m for m in mail.outbox if m.to == [adviser.user.email]]
    assert enquiry.reference in email.subject
    assert "Here are the minutes" not in email.body
    page = client.get(url, follow=True).content.decode()
    assert "Your reply has been sent" in page and "Here are the minutes" in page


def test_same_reply_posted_twice_is_one_message(client, submit):
    enquiry = submit()
    token, _ = track_url(enquiry)
    data = {"body": "Sent twice by a double click", "submission_key": "b" * 32}

    first = client.post(reply_url(token, enquiry), data)
    second = client.post(reply_url(token, enquiry), data)

    assert first.status_code == second.status_code == 302
    assert Message.objects.filter(enquiry=enquiry, sender="group").count() == 1
    assert EnquiryEvent.objects.filter(enquiry=enquiry, kind="reply_received").count() == 1


def test_reply_to_a_closed_enquiry_is_kept_and_it_stays_closed(client, submit, adviser):
    enquiry = submit()
    Enquiry.objects.filter(pk=enquiry.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    token, _ = track_url(enquiry)

    response = client.post(reply_url(token, enquiry), {"body": "Thank you!"})

    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == Status.CLOSED
    assert Message.objects.filter(enquiry=enquiry, body="Thank you!").exists()


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ([pdf("page.pdf", b"<html><script>alert(1)</script></html>")], "does not contain"),
        ([pdf("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")], "not a type we accept"),
        ([pdf(f"f{i}.pdf") for i in range(6)], "no more than 5 files"),
    ],
)
def test_refused_documents_refuse_the_reply_and_keep_the_text(client, submit, files, error):
    enquiry = submit()
    token, _ = track_url(enquiry)

    response = client.post(reply_url(token, enquiry), {"body": "My words stay", "files": files})

    html = response.content.decode()
    assert response.status_code == 400
    assert error in html and "My words stay" in html
    assert 'href="#id_files"' in html  # the error summary links to the field
    assert not Message.objects.filter(enquiry=enquiry).exists()
    assert not Attachment.objects.exists()


def test_empty_reply_is_a_form_error(client, submit):
    enquiry = submit()
    token, _ = track_url(enquiry)
    response = client.post(reply_url(token, enquiry), {"body": "  "})
    assert response.status_code == 400
    assert 'href="#id_body"' in response.content.decode()


def test_reply_with_a_bad_token_or_out_of_scope_reference_is_not_valid(client, submit):
    enquiry = submit()
    other = submit(email="other@example.org")
    token, _ = track_url(enquiry)

    bad = client.post(reply_url("nope", enquiry), {"body": "x"})
    outside = client.post(reply_url(token, other), {"body": "x"})

    assert bad.status_code == outside.status_code == 404
    assert not Message.objects.exists()


# --- downloads -------------------------------------------------------------------------------


def test_documents_download_through_the_link_only_the_public_ones(client, submit, adviser):
    enquiry = submit()
    message = message_publish(enquiry=enquiry, body="Your letter", actor=adviser.user)
    public = attachment_add_bytes(
        enquiry=enquiry, content=PDF, name="letter.pdf", actor=adviser.user, message=message
    )
    staff_only = attachment_add_bytes(
        enquiry=enquiry, content=PDF, name="internal.pdf", actor=adviser.user
    )
    other = submit(email="other@example.org")
    other_message = message_publish(enquiry=other, body="Theirs", actor=adviser.user)
    theirs = attachment_add_bytes(
        enquiry=other, content=PDF, name="theirs.pdf", actor=adviser.user, message=other_message
    )
    token, _ = track_url(enquiry)

    def get(ref, pk):
        return client.get(reverse("enquiries:track_document", args=[token, ref, pk]), follow=True)

    response = get(enquiry.reference, public.pk)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"

    assert get(enquiry.reference, staff_only.pk).status_code == 404
    assert get(enquiry.reference, theirs.pk).status_code == 404
    assert get(other.reference, theirs.pk).status_code == 404


# --- "send me a new link" --------------------------------------------------------------------


def test_new_link_page_answers_the_same_for_known_and_unknown_addresses(
    client, submit, django_capture_on_commit_callbacks
):
    enquiry = submit()
    second = submit(subject="Another one", phone="")

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("enquiries:new_link"), {"email": "SAM@example.org"})
        unknown = client.post(reverse("enquiries:new_link"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    [email] = mail.outbox
    assert email.to == ["sam@example.org"]
    assert second.reference in email.subject
    assert enquiry.reference in email.body and enquiry.reference in email.alternatives[0][0]
    path = email.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    assert client.get(path, follow=True).status_code == 200


def test_new_link_form_refuses_a_malformed_address_with_a_linked_error(client):
    response = client.post(reverse("enquiries:new_link"), {"email": "not an address"})
    assert response.status_code == 400
    assert 'href="#id_email"' in response.content.decode()


def test_new_link_requests_are_limited_per_address_and_per_client(client, settings):
    settings.PORTAL_NEW_LINK_ADDRESS_RATE = "2/hour"
    settings.PORTAL_NEW_LINK_CLIENT_RATE = "4/hour"
    url = reverse("enquiries:new_link")

    codes = [client.post(url, {"email": "a@example.org"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]

    other = [client.post(url, {"email": f"{i}@example.org"}).status_code for i in range(3)]
    assert other == [200, 429, 429]  # the client's 4 are used up on the 5th request
    limited = client.post(url, {"email": "b@example.org"}, REMOTE_ADDR="10.0.0.9")
    assert limited.status_code == 200  # another client, another address
    assert limited["Cache-Control"] == "no-store"


def test_replies_are_limited_and_the_text_is_kept(client, submit, settings):
    settings.PORTAL_REPLY_ADDRESS_RATE = "2/hour"
    enquiry = submit()
    token, _ = track_url(enquiry)

    codes = [
        client.post(reply_url(token, enquiry), {"body": f"Reply {i}"}).status_code for i in range(3)
    ]
    refused = client.post(reply_url(token, enquiry), {"body": "Keep these words"})

    assert codes == [302, 302, 429]
    assert refused.status_code == 429 and "Keep these words" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert Message.objects.filter(enquiry=enquiry).count() == 2


def test_a_double_click_on_the_last_reply_allowed_is_not_refused(client, submit, settings):
    """The twin of a reply already kept is answered as the first was, before counting: it
    must not say "not sent" (429) when the first used up the last of the limit."""
    settings.PORTAL_REPLY_ADDRESS_RATE = "2/hour"
    enquiry = submit()
    token, _ = track_url(enquiry)
    url = reply_url(token, enquiry)

    first = client.post(url, {"body": "One", "submission_key": "1" * 32})
    last = client.post(url, {"body": "Two", "submission_key": "2" * 32})
    twin = client.post(url, {"body": "Two", "submission_key": "2" * 32})
    again = client.post(url, {"body": "Two", "submission_key": "2" * 32})
    new = client.post(url, {"body": "Three", "submission_key": "3" * 32})

    assert [r.status_code for r in (first, last, twin, again)] == [302, 302, 302, 302]
    assert twin["Location"] == last["Location"]
    assert new.status_code == 429  # the twins were not counted, and the limit still holds
    assert list(Message.objects.filter(enquiry=enquiry).values_list("body", flat=True)) == [
        "One",
        "Two",
    ]


# --- staff: revoke and resend ----------------------------------------------------------------


def test_staff_revoke_every_link_that_opens_the_enquiry_and_send_a_new_one(
    client, submit, adviser, django_capture_on_commit_callbacks
):
    enquiry = submit()
    sibling = submit(subject="Same address", phone="")
    _, url = track_url(enquiry)
    _, sibling_url = track_url(sibling)  # its scope includes ``enquiry`` too
    staff = client.__class__()
    staff.force_login(adviser.user)

    response = staff.post(reverse("casework:tracking_links_revoke", args=[enquiry.reference]))

    assert response.status_code == 302
    assert client.get(url, follow=True).status_code == 404
    assert client.get(sibling_url, follow=True).status_code == 404
    assert TrackingLink.objects.filter(revoked_by=adviser.user).count() >= 2
    assert EnquiryEvent.objects.filter(enquiry=enquiry, kind="link_revoked").exists()

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("casework:tracking_link_send", args=[enquiry.reference]), {"key": "1"})
        staff.post(reverse("casework:tracking_link_send", args=[enquiry.reference]), {"key": "1"})
    sent = [m for m in mail.outbox if m.to == [enquiry.contact.email]]
    assert len(sent) == 1
    assert Notification.objects.filter(kind=Notification.Kind.NEW_LINK).count() == 1
    assert EnquiryEvent.objects.filter(enquiry=enquiry, kind="link_sent").count() == 1


def test_only_the_holder_or_a_manager_revokes_links(
    client, submit, adviser, other_adviser, outsider
):
    enquiry = submit()  # routed to Ada
    client.force_login(other_adviser.user)
    url = reverse("casework:tracking_links_revoke", args=[enquiry.reference])
    assert client.post(url).status_code in (403, 404)
    client.force_login(outsider)
    assert client.post(url).status_code == 403
    assert not TrackingLink.objects.filter(revoked_at__isnull=False).exists()


def test_the_enquiry_form_is_limited_per_address_from_any_client(client, enquiry_data, settings):
    settings.ENQUIRY_FORM_ADDRESS_RATE = "2/hour"
    post = {**enquiry_data, "consent_to_store": "on"}

    codes = [
        client.post(reverse("enquiries:enquire"), post, REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(3)
    ]
    refused = client.post(reverse("enquiries:enquire"), post, REMOTE_ADDR="10.0.0.9")

    assert codes == [302, 302, 429]
    assert refused.status_code == 429 and enquiry_data["message"] in refused.content.decode()
    assert Enquiry.objects.count() == 2
