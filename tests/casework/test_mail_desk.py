"""Mail in on the desk: what an email looks like on the enquiry page and its timeline, its
original as a download, and the managers' quarantine (page and API)."""

import pytest
from django.urls import reverse

from enquiries.mail.services import mail_receive
from enquiries.models import Enquiry, InboundMail
from tests.enquiries.mail_corpus import corpus, mail_desk  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mail_desk")]


def page(client, enquiry) -> str:
    response = client.get(reverse("casework:enquiry", args=[enquiry.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_email_enquiry_shows_its_sender_refusals_and_original(client, manager):
    result = mail_receive(corpus("attachments"), source="pipe")
    client.force_login(manager.user)

    html = page(client, result.enquiry)

    assert "By email from Ashby Parish Council &lt;clerk@ashby-parish.example&gt;" in html
    assert "2 attachments not kept" in html
    assert "does not contain what its name says" in html
    source = reverse(
        "casework:enquiry_mail_source", args=[result.enquiry.reference, result.inbound.pk]
    )
    assert source in html
    download = client.get(source)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(download.streaming_content) == corpus("attachments")


def test_mail_text_reaches_the_page_escaped(client, manager):
    raw = corpus("plain").replace(
        b"What do we need to do?", b"<script>alert('x')</script><img src=x onerror=alert(1)>"
    )
    enquiry = mail_receive(raw, source="pipe").enquiry
    client.force_login(manager.user)

    html = page(client, enquiry)

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_the_original_is_not_shown_to_staff_who_cannot_see_the_enquiry(client, other_adviser):
    result = mail_receive(corpus("plain"), source="pipe")
    client.force_login(other_adviser.user)

    response = client.get(
        reverse("casework:enquiry_mail_source", args=[result.enquiry.reference, result.inbound.pk])
    )

    assert response.status_code == 404


def test_a_reply_by_email_is_on_the_timeline_with_its_source(client, submit, adviser):
    enquiry = submit(email="clerk@ashby-parish.example")
    reply = mail_receive(corpus("reply_subject_only", enquiry), source="pipe")
    client.force_login(adviser.user)

    html = page(client, enquiry)

    assert "Message from the group by email" in html
    assert "the pub has been closed since May" in html
    assert (
        reverse("casework:enquiry_mail_source", args=[enquiry.reference, reply.inbound.pk]) in html
    )


def test_a_failing_address_is_shown_on_the_enquiry(client, submit, adviser):
    enquiry = submit()
    mail_receive(corpus("bounce", enquiry), source="pipe")
    client.force_login(adviser.user)

    html = page(client, enquiry)

    assert "Our mail to this address is failing" in html and "5.1.1" in html


def test_a_follow_up_links_to_the_closed_enquiry(client, submit, adviser):
    from enquiries.services import enquiry_change_status

    enquiry = submit(email="clerk@ashby-parish.example")
    enquiry_change_status(enquiry=enquiry, status="closed", actor=adviser.user)
    follow_up = mail_receive(corpus("reply_subject_only", enquiry), source="pipe").enquiry
    client.force_login(adviser.user)

    link = reverse("casework:enquiry", args=[enquiry.reference])
    assert f'This follows up <a href="{link}">{enquiry.reference}</a>' in page(client, follow_up)


def quarantined() -> InboundMail:
    return mail_receive(corpus("malformed_header"), source="pipe").inbound


def test_managers_see_and_release_or_delete_quarantined_mail(client, manager, settings):
    held = quarantined()
    settings.MAIL_MAX_BYTES = 500
    big = mail_receive(corpus("plain"), source="pipe").inbound
    client.force_login(manager.user)

    html = client.get(reverse("casework:mail_quarantine")).content.decode()
    assert "no readable sender" in html and "Larger than" in html

    released = client.post(reverse("casework:mail_quarantine_release", args=[big.pk]), follow=True)
    assert "Message released: new enquiry" in released.content.decode()
    assert Enquiry.objects.filter(channel="email").count() == 1

    refused = client.post(reverse("casework:mail_quarantine_release", args=[held.pk]), follow=True)
    assert "still cannot be read" in refused.content.decode()

    client.post(reverse("casework:mail_quarantine_discard", args=[held.pk]))
    held.refresh_from_db()
    assert held.outcome == InboundMail.Outcome.DISCARDED
    assert "Nothing is held" in client.get(reverse("casework:mail_quarantine")).content.decode()


def test_advisers_cannot_reach_the_quarantine(client, adviser):
    held = quarantined()
    client.force_login(adviser.user)

    assert client.get(reverse("casework:mail_quarantine")).status_code == 403
    assert (
        client.post(reverse("casework:mail_quarantine_discard", args=[held.pk])).status_code == 403
    )
    assert client.get(reverse("casework:mail_quarantine_source", args=[held.pk])).status_code == 403


def test_the_quarantine_api_is_for_managers(api_client, manager, adviser, settings):
    held = quarantined()
    url = reverse("api:mail-quarantine-list")

    api_client.force_authenticate(adviser.user)
    assert api_client.get(url).status_code == 403
    assert (
        api_client.post(reverse("api:mail-quarantine-release", args=[held.pk])).status_code == 403
    )

    api_client.force_authenticate(manager.user)
    listed = api_client.get(url).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [held.pk]
    assert "no readable sender" in rows[0]["reason"]

    conflict = api_client.post(reverse("api:mail-quarantine-release", args=[held.pk]))
    assert conflict.status_code == 409 and "still cannot be read" in conflict.json()["detail"]

    assert (
        api_client.post(reverse("api:mail-quarantine-discard", args=[held.pk])).status_code == 204
    )
    assert (
        api_client.post(reverse("api:mail-quarantine-discard", args=[held.pk])).status_code == 404
    )

    settings.MAIL_MAX_BYTES = 500
    big = mail_receive(corpus("plain"), source="pipe").inbound
    released = api_client.post(reverse("api:mail-quarantine-release", args=[big.pk]))
    assert released.status_code == 200
    assert released.json()["outcome"] == "enquiry" and released.json()["enquiry"]
