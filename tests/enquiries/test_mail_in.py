"""Mail in, message by message (``enquiries.mail.services.mail_receive``): new enquiries,
threading, loops, bounces, spoofing, attachments, duplicates and the quarantine.

The messages are the corpus in ``tests/enquiries/mail/``; IMAP and the pipe, which feed
this same service, are tested against Dovecot and as a command elsewhere.
"""

import pytest
from django.core.exceptions import ValidationError

from casework.models import Assignment
from enquiries.mail import services
from enquiries.mail.services import DUPLICATE, QuarantineError
from enquiries.models import (
    Attachment,
    Channel,
    Contact,
    Enquiry,
    EnquiryEvent,
    InboundMail,
    Message,
    Notification,
    Status,
)
from enquiries.services import enquiry_change_status
from tests.enquiries.mail_corpus import ARRIVAL, corpus, mail_desk, receive  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mail_desk")]

Outcome = InboundMail.Outcome


@pytest.fixture
def enquiry(submit, adviser):
    """Sam's web enquiry, routed to Ada, waiting for the group's answer."""
    enquiry = submit()
    enquiry_change_status(enquiry=enquiry, status=Status.AWAITING_GROUP, actor=None)
    enquiry.refresh_from_db()
    assert enquiry.assigned_to == adviser.user and enquiry.sla_paused_since is not None
    return enquiry


def test_a_new_message_becomes_an_email_enquiry_with_an_acknowledgement():
    result = receive(corpus("plain"))

    assert result.outcome == Outcome.ENQUIRY
    enquiry = result.enquiry
    assert enquiry.channel == Channel.EMAIL
    assert enquiry.subject == "Nominating the Red Lion as an asset of community value"
    assert "nominate the Red Lion pub" in enquiry.message
    assert enquiry.received_at == ARRIVAL.replace(day=5, hour=9, minute=14)
    contact = enquiry.contact
    assert contact.email == "clerk@ashby-parish.example"
    assert contact.name == "Jo Clerk"
    # The lawful basis is that they wrote to us, not a consent they never gave.
    assert contact.consent_basis == Contact.ConsentBasis.EMAIL
    assert contact.consent_to_store is False
    assert contact.consent_recorded_at is not None
    acknowledgement = Notification.objects.get(enquiry=enquiry)
    assert acknowledgement.kind == Notification.Kind.ACKNOWLEDGEMENT
    assert acknowledgement.recipient == "clerk@ashby-parish.example"
    inbound = result.inbound
    assert inbound.enquiry == enquiry
    assert inbound.internet_message_id == "<plain-1@ashby-parish.example>"
    assert inbound.raw.read() == corpus("plain")
    assert enquiry.events.filter(kind=EnquiryEvent.Kind.RECEIVED).exists()


def test_the_sender_is_matched_to_a_known_contact_whatever_the_case(submit):
    known = submit(email="Clerk@Ashby-Parish.Example").contact

    result = receive(corpus("plain"))

    assert result.enquiry.contact == known
    assert result.enquiry.organisation == known.organisation
    assert Contact.objects.filter(email__iexact="clerk@ashby-parish.example").count() == 1


def test_html_only_mail_is_kept_as_text_never_as_html():
    enquiry = receive(corpus("html_only")).enquiry

    assert "Our library is closing & we want to run it." in enquiry.message
    assert "Can you help?" in enquiry.message
    for markup in ("<", "script", "alert", "javascript", "iframe", "pixel.gif", "color:red"):
        assert markup not in enquiry.message


@pytest.mark.parametrize(
    ("name", "sender", "subject", "words"),
    [
        ("alternative_qp", "Siân Jones", "Neighbourhood plan – referendum", "examination – when"),
        ("latin1_base64", "Renée Dupré", "Café for sale", "Le café du village est à vendre"),
        ("unknown_charset", "jan", "Community hall", "take over the community hall"),
    ],
)
def test_encodings_and_charsets_are_decoded(name, sender, subject, words):
    enquiry = receive(corpus(name)).enquiry

    assert enquiry.contact.name == sender
    assert enquiry.subject == subject
    assert words in enquiry.message
    assert "=E2" not in enquiry.message and "<p>" not in enquiry.message


def test_attachments_are_checked_like_uploads_and_refusals_are_listed():
    result = receive(corpus("attachments"))

    assert result.outcome == Outcome.ENQUIRY
    kept = Attachment.objects.get(enquiry=result.enquiry)
    assert kept.original_name == "nomination.pdf"
    assert kept.content_type == "application/pdf"
    assert kept.file.read().startswith(b"%PDF-")
    assert kept.uploaded_by is None  # the group's document
    refused = {item["name"]: item["reason"] for item in result.inbound.refused_attachments}
    assert set(refused) == {"map.pdf", "plan.svg"}
    assert "does not contain what its name says" in refused["map.pdf"]
    assert "not a type we accept" in refused["plan.svg"]


def test_a_forwarded_message_is_kept_in_the_text():
    enquiry = receive(corpus("forwarded")).enquiry

    assert "the owner gave notice today" in enquiry.message
    assert "Forwarded message" in enquiry.message
    assert "interim moratorium runs for six weeks" in enquiry.message


def test_an_implausible_date_gives_way_to_the_arrival_time():
    enquiry = receive(corpus("bad_date")).enquiry

    assert abs((enquiry.received_at - ARRIVAL).total_seconds()) < 60


@pytest.mark.parametrize("name", ["auto_reply", "mailing_list"])
def test_auto_replies_and_list_mail_are_recorded_only(name, enquiry):
    owed = Notification.objects.count()

    result = receive(corpus(name, enquiry))

    assert result.outcome == Outcome.AUTOMATIC
    assert result.enquiry is None and result.inbound.reason.startswith("Automatic message")
    assert Enquiry.objects.count() == 1
    assert not Message.objects.exists()
    assert Notification.objects.count() == owed  # no acknowledgement, nothing to the adviser


def test_a_bounce_marks_the_contacts_address_as_failing(enquiry):
    result = receive(corpus("bounce", enquiry))

    assert result.outcome == Outcome.BOUNCE
    contact = Contact.objects.get(pk=enquiry.contact_id)
    assert contact.email_failing_since is not None
    assert "5.1.1" in contact.email_failure
    assert Enquiry.objects.count() == 1


def test_a_reply_joins_its_enquiry_and_resumes_the_clock(enquiry, adviser):
    result = receive(corpus("reply_with_headers", enquiry))

    assert result.outcome == Outcome.REPLY
    assert result.enquiry == enquiry
    message = Message.objects.get(enquiry=enquiry)
    assert message.sender == Message.Sender.GROUP and message.channel == Message.Channel.EMAIL
    assert message.body == "Thank you. The owner gave notice yesterday; what happens now?"
    assert b"> There is an update on your enquiry." in result.inbound.raw.read()  # kept whole
    assert result.inbound.message == message
    enquiry.refresh_from_db()
    assert enquiry.status == Status.IN_PROGRESS
    assert enquiry.sla_paused_since is None
    assert Notification.objects.filter(
        kind=Notification.Kind.REPLY_RECEIVED, recipient=adviser.user.email
    ).exists()
    assert enquiry.events.filter(kind=EnquiryEvent.Kind.REPLY_RECEIVED).exists()
    assert Enquiry.objects.count() == 1


def test_a_signed_reply_address_is_trusted_whoever_sends(enquiry):
    raw = corpus("reply_with_headers", enquiry, CONTACT_EMAIL="colleague@ashby-parish.example")

    result = receive(raw)

    assert result.outcome == Outcome.REPLY and result.enquiry == enquiry


def test_a_forged_signature_is_not_trusted(enquiry):
    forged = f"desk+{enquiry.reference}.0123456789abcdef@desk.example"
    raw = corpus(
        "reply_with_headers",
        enquiry,
        CONTACT_EMAIL="someone@evil.example",
        SIGNED_ADDRESS=forged,
    )

    result = receive(raw)

    assert result.outcome == Outcome.TRIAGE
    assert not Message.objects.filter(enquiry=enquiry).exists()


def test_the_reference_in_the_subject_counts_only_from_the_contact(enquiry):
    assert receive(corpus("reply_subject_only", enquiry)).outcome == Outcome.REPLY

    raw = corpus("reply_subject_only", enquiry, CONTACT_EMAIL="stranger@example.net")
    raw = raw.replace(b"reply-subject-1@", b"reply-subject-2@")
    assert receive(raw).outcome == Outcome.TRIAGE
    assert Message.objects.filter(enquiry=enquiry).count() == 1


def test_a_spoofed_reply_becomes_a_new_enquiry_for_triage_saying_why(enquiry, teams):
    result = receive(corpus("spoofed_reply", enquiry))

    assert result.outcome == Outcome.TRIAGE
    assert not Message.objects.filter(enquiry=enquiry).exists()
    new = result.enquiry
    assert new != enquiry and new.contact.email == "jo.clerk@evil.example"
    assert enquiry.reference in result.inbound.reason
    assignment = Assignment.objects.get(enquiry=new, is_current=True)
    assert assignment.adviser is None and assignment.team == teams["triage"]
    assert "not sent by that enquiry's contact" in assignment.reason


def test_a_reply_to_a_closed_enquiry_starts_a_follow_up(enquiry, adviser):
    enquiry_change_status(enquiry=enquiry, status=Status.CLOSED, actor=adviser.user)

    result = receive(corpus("reply_with_headers", enquiry))

    assert result.outcome == Outcome.FOLLOW_UP
    follow_up = result.enquiry
    assert follow_up.follows_up == enquiry
    assert follow_up.contact == enquiry.contact
    assert follow_up.channel == Channel.EMAIL
    enquiry.refresh_from_db()
    assert enquiry.status == Status.CLOSED
    assert not Message.objects.filter(enquiry=enquiry).exists()


@pytest.mark.parametrize("name", ["plain", "no_message_id"])
def test_the_same_message_twice_is_stored_once(name):
    first = receive(corpus(name))
    again = receive(corpus(name))

    assert first.outcome == Outcome.ENQUIRY
    assert again.outcome == DUPLICATE and again.inbound == first.inbound
    assert Enquiry.objects.count() == 1 and InboundMail.objects.count() == 1
    expected = "mid:" if name == "plain" else "sha256:"
    assert first.inbound.dedupe_key.startswith(expected)


def test_our_own_message_coming_back_is_a_loop(enquiry):
    from enquiries.mail import addresses

    ours = addresses.message_id(enquiry.reference, "n7")
    raw = corpus("plain").replace(b"<plain-1@ashby-parish.example>", ours.encode())

    result = receive(raw)

    assert result.outcome == Outcome.LOOP
    assert Enquiry.objects.count() == 1


def test_a_flood_from_one_address_is_a_loop_after_the_limit(settings):
    settings.MAIL_LOOP_LIMIT_PER_HOUR = 3
    outcomes = [
        receive(corpus("plain").replace(b"plain-1@", f"plain-{i}@".encode())).outcome
        for i in range(5)
    ]

    assert outcomes == [Outcome.ENQUIRY] * 3 + [Outcome.LOOP] * 2
    assert Enquiry.objects.count() == 3


def big_message(megabytes: int) -> bytes:
    filler = (b"x" * 76 + b"\r\n") * (megabytes * 1024 * 1024 // 78 + 1)
    return corpus("plain").replace(b"Jo Clerk\r\nAshby Parish Council\r\n", filler)


def test_an_oversize_message_is_quarantined_whole_then_released(manager, settings):
    raw = big_message(30)

    result = receive(raw)

    assert result.outcome == Outcome.QUARANTINED
    assert "25 MB" in result.inbound.reason
    assert result.inbound.raw.size == len(raw)
    assert not Enquiry.objects.exists()
    assert receive(raw).outcome == DUPLICATE

    released = services.quarantine_release(inbound=result.inbound, actor=manager.user)

    assert released.outcome == Outcome.ENQUIRY
    assert released.enquiry.subject.startswith("Nominating the Red Lion")
    assert InboundMail.objects.get().outcome == Outcome.ENQUIRY
    with pytest.raises(QuarantineError):
        services.quarantine_release(inbound=released.inbound, actor=manager.user)


def test_an_unreadable_message_is_quarantined_and_can_be_deleted(manager):
    result = receive(corpus("malformed_header"))

    assert result.outcome == Outcome.QUARANTINED
    assert "no readable sender" in result.inbound.reason
    with pytest.raises(QuarantineError, match="still cannot be read"):
        services.quarantine_release(inbound=result.inbound, actor=manager.user)

    discarded = services.quarantine_discard(inbound=result.inbound, actor=manager.user)

    assert discarded.outcome == Outcome.DISCARDED and not discarded.raw
    assert receive(corpus("malformed_header")).outcome == DUPLICATE


def test_a_fault_while_acting_keeps_nothing_so_the_message_can_come_again(monkeypatch):
    def broken(**kwargs):
        raise ValidationError("boom")

    monkeypatch.setattr(services, "enquiry_submit", broken)
    with pytest.raises(ValidationError):
        receive(corpus("plain"))
    assert not InboundMail.objects.exists() and not Enquiry.objects.exists()

    monkeypatch.undo()
    assert receive(corpus("plain")).outcome == Outcome.ENQUIRY


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        (
            "Thank you.\n\nOn Sat, 5 Dec 2026 at 15:00, Desk <d@x.example> wrote:\n> Update.",
            "Thank you.",
        ),
        (
            "Thanks\n\nOn Sat, 5 Dec 2026 at 15:00, The Desk <d@x.example>\nwrote:\n> x",
            "Thanks",
        ),
        ("Yes please\n\n-----Original Message-----\nFrom: desk", "Yes please"),
        ("Hello\nFrom: Desk <d@x.example>\nSent: Monday 5 December\n\nold text", "Hello"),
        ("Fine\n> quoted\n> more", "Fine"),
        ("> nothing but a quote", "> nothing but a quote"),
        (
            "On the matter of the pub, we wrote: to the council.\nMore.",
            "On the matter of the pub, we wrote: to the council.\nMore.",
        ),
    ],
)
def test_a_reply_keeps_the_groups_words_not_the_quoted_message(body, kept):
    from enquiries.mail.parsing import reply_text

    assert reply_text(body) == kept
