"""A conversation by email, end to end over a real SMTP server (``tests/smtp.py``): the
group writes in, is acknowledged, the adviser answers by email, the group replies from
its mail client, and the reply lands on the same enquiry. The headers that make mail
clients thread it (and auto-responders stay quiet) are read back from the server."""

import re

import pytest
from django.urls import reverse

from casework.queue.services import enquiry_claim
from enquiries.mail import addresses
from enquiries.mail.services import mail_receive
from enquiries.models import Enquiry, InboundMail, Message
from tests.enquiries.mail_corpus import corpus, mail_desk  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mail_desk")]


def receive(raw: bytes, capture):
    with capture(execute=True):
        return mail_receive(raw, source="pipe")


def reply_to(sent, body: str) -> bytes:
    """What a mail client makes when the group presses Reply on ``sent``."""
    return (
        f"From: Jo Clerk <clerk@ashby-parish.example>\r\n"
        f"To: {sent['Reply-To']}\r\n"
        f"Subject: Re: {sent['Subject']}\r\n"
        f"Date: Sun, 06 Dec 2026 09:30:00 +0000\r\n"
        f"Message-ID: <answer-1@ashby-parish.example>\r\n"
        f"In-Reply-To: {sent['Message-ID']}\r\n"
        f"References: {sent['References']} {sent['Message-ID']}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\n"
        f"> {sent.get_body(preferencelist=('plain',)).get_content().splitlines()[0]}\r\n"
    ).encode()


def test_mail_in_acknowledged_answered_by_email_and_replied_to(
    client, adviser, smtp_server, django_capture_on_commit_callbacks
):
    enquiry = receive(corpus("plain"), django_capture_on_commit_callbacks).enquiry
    reference = enquiry.reference

    # The acknowledgement threads under the group's own message.
    [(recipients, acknowledgement)] = smtp_server.messages
    assert recipients == ["clerk@ashby-parish.example"]
    assert re.fullmatch(rf"<crd\.n\d+\.{reference}@desk\.example>", acknowledgement["Message-ID"])
    assert acknowledgement["In-Reply-To"] == "<plain-1@ashby-parish.example>"
    assert acknowledgement["References"].split() == [
        addresses.thread_id(reference),
        "<plain-1@ashby-parish.example>",
    ]
    assert acknowledgement["Auto-Submitted"] == "auto-generated"
    assert addresses.reference_from_address(acknowledgement["Reply-To"]) == reference

    # The adviser answers; for an email enquiry "send by email" is ticked already.
    enquiry_claim(enquiry=enquiry, actor=adviser.user)
    client.force_login(adviser.user)
    page = client.get(reverse("casework:enquiry", args=[reference])).content.decode()
    assert re.search(r'<input[^>]*name="msg-by_email"[^>]*checked', page)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("casework:message_publish", args=[reference]),
            {
                "msg-body": "Yes: nominate it now. Your council must decide within 8 weeks.",
                "msg-by_email": "on",
                "msg-awaiting_group": "on",
                "submission_key": "k1",
            },
        )
    assert response.status_code == 302
    update = next(m for _, m in smtp_server.messages if "update" in m["Subject"])
    text = update.get_body(preferencelist=("plain",)).get_content()
    assert "Your council must decide within 8 weeks." in text
    assert "replying to this email" in text
    assert update["Auto-Submitted"] is None  # an adviser's words, not an automatic email
    assert update["In-Reply-To"] == "<plain-1@ashby-parish.example>"
    assert Message.objects.get(enquiry=enquiry).channel == Message.Channel.EMAIL

    # The group presses Reply in its mail client.
    result = receive(reply_to(update, "Thank you, we will."), django_capture_on_commit_callbacks)

    assert result.outcome == InboundMail.Outcome.REPLY and result.enquiry == enquiry
    reply = Message.objects.filter(enquiry=enquiry, sender=Message.Sender.GROUP).get()
    assert reply.body.startswith("Thank you, we will.")
    enquiry.refresh_from_db()
    assert enquiry.status == "in_progress"
    assert Enquiry.objects.count() == 1
    # The adviser is told, by an email that cannot be answered into the conversation.
    told = next(m for r, m in smtp_server.messages if r == [adviser.user.email])
    assert "The group has replied" in told["Subject"]
    assert told["Reply-To"] is None and told["Auto-Submitted"] == "auto-generated"


def test_without_send_by_email_the_update_email_only_links(
    client, mine, adviser, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(adviser.user)
    page = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert not re.search(r'<input[^>]*name="msg-by_email"[^>]*checked', page)  # a web enquiry

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("casework:message_publish", args=[mine.reference]),
            {"msg-body": "A private note for the tracking page.", "submission_key": "k2"},
        )

    update = next(m for _, m in smtp_server.messages if "update" in m["Subject"])
    assert "A private note" not in update.get_body(preferencelist=("plain",)).get_content()
    assert addresses.reference_from_address(update["Reply-To"]) == mine.reference
    assert Message.objects.get(enquiry=mine).channel == Message.Channel.PORTAL
