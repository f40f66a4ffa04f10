"""Mail in: one message becomes a new enquiry, a reply on the conversation it answers, a
bounce noted on the contact, or a record of why it was set aside. Each message is
stored at most once (``InboundMail.dedupe_key``), in one transaction with all it made.

The rules, in order (docs/email.md):

1. Our own Message-ID coming back is a **loop**; more than ``MAIL_LOOP_LIMIT_PER_HOUR``
   messages from one address in an hour too. Recorded, nothing else.
2. A delivery status notification is a **bounce**: the failed address is marked as
   failing on its contacts, which the enquiry page shows.
3. An auto-reply or list message (``Auto-Submitted``, ``Precedence``, ``X-Autoreply``,
   ``List-Id``, an empty return path) is **recorded only**: no enquiry, no
   acknowledgement, so two auto-responders cannot talk for ever.
4. A reply is matched to its enquiry by, in order: a signed reply address among its
   recipients; our Message-IDs in ``In-Reply-To``/``References``; the reference in the
   subject. The last two count only when the sender is the enquiry's contact; otherwise
   the message becomes a **new enquiry for triage**, saying why (it may be spoofed).
5. A reply to an open enquiry joins its conversation as the group's message (resuming
   a paused service-level clock); to a closed one it starts a **follow-up** enquiry
   linked to it (closing recorded an outcome, which a new message must not undo).
6. Anything else is a **new enquiry** from the channel ``email``.

Too large or unreadable messages are **quarantined** whole, for a manager to release or
delete. Refused attachments are listed on the message with the reason, and the message
is kept.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import DomainError
from enquiries.conversation.services import attachment_store_detected, group_message_add
from enquiries.intake.services import EnquiryInput, enquiry_submit
from enquiries.mail import addresses, parsing
from enquiries.mail.parsing import ParsedMail
from enquiries.models import Channel, Contact, Enquiry, InboundMail, Message, Status
from enquiries.references import REFERENCE_RE
from enquiries.uploads import DetectedFile, UploadRefused, validate_bytes

logger = logging.getLogger(__name__)

DUPLICATE = "duplicate"
Outcome = InboundMail.Outcome


@dataclass(frozen=True)
class MailReceived:
    """What became of one message: an ``InboundMail.Outcome``, or ``DUPLICATE`` when it
    was stored before (then ``inbound`` is the earlier record)."""

    outcome: str
    inbound: InboundMail | None
    enquiry: Enquiry | None = None


@dataclass(frozen=True)
class _Decision:
    outcome: str
    reason: str = ""
    enquiry: Enquiry | None = None


def _max_age() -> timedelta:
    return timedelta(days=settings.MAIL_DATE_MAX_AGE_DAYS)


def mail_receive(raw: bytes, *, source: str, arrived: datetime | None = None) -> MailReceived:
    """Store one raw RFC 5322 message and act on it (the rules above).

    Returns the same result for the same message twice without storing it again.
    Database errors propagate (the caller leaves the message to be read again).
    """
    arrived = arrived or timezone.now()
    limit = settings.MAIL_MAX_BYTES
    if len(raw) > limit:
        return _quarantine(
            raw,
            source=source,
            arrived=arrived,
            reason=f"Larger than the {limit // (1024 * 1024)} MB limit for mail.",
        )
    try:
        parsed = parsing.parse(raw, arrived=arrived, max_age=_max_age())
    except parsing.Unparseable as error:
        return _quarantine(
            raw, source=source, arrived=arrived, reason=f"Could not be read: {error}."
        )
    if (earlier := _stored(parsed.dedupe_key)) is not None:
        return MailReceived(outcome=DUPLICATE, inbound=earlier, enquiry=earlier.enquiry)
    try:
        with transaction.atomic():
            return _act(parsed, raw, source=source, arrived=arrived)
    except IntegrityError:
        # A twin of this message (another fetcher, a redelivery) was stored meanwhile.
        if (earlier := _stored(parsed.dedupe_key)) is not None:
            return MailReceived(outcome=DUPLICATE, inbound=earlier, enquiry=earlier.enquiry)
        raise


def _stored(key: str) -> InboundMail | None:
    # Nearly always absent: ask cheaply first (one index probe), read the record if not.
    if not InboundMail.objects.filter(dedupe_key=key).exists():
        return None
    return InboundMail.objects.select_related("enquiry").filter(dedupe_key=key).first()


def _quarantine(raw: bytes, *, source: str, arrived: datetime, reason: str) -> MailReceived:
    """Keep the whole message for a manager, known by its Message-ID (read from the
    headers alone) or the hash of its bytes."""
    message_id = parsing.message_id_of(raw)
    key = parsing.dedupe_key(message_id, raw)
    if (earlier := _stored(key)) is not None:
        return MailReceived(outcome=DUPLICATE, inbound=earlier, enquiry=earlier.enquiry)
    try:
        with transaction.atomic():
            inbound = InboundMail(
                dedupe_key=key,
                internet_message_id=message_id[:255],
                source=source,
                outcome=Outcome.QUARANTINED,
                reason=reason,
                received_at=arrived,
                size=len(raw),
            )
            inbound.raw.save("mail.eml", ContentFile(raw), save=False)
            inbound.save()
    except IntegrityError:
        if (earlier := _stored(key)) is not None:
            return MailReceived(outcome=DUPLICATE, inbound=earlier, enquiry=earlier.enquiry)
        raise
    logger.warning("mail quarantined id=%s: %s", inbound.pk, reason)
    return MailReceived(outcome=Outcome.QUARANTINED, inbound=inbound)


def _is_contact(enquiry: Enquiry, address: str) -> bool:
    return enquiry.contact.email.strip().lower() == address


def _enquiry(reference: str) -> Enquiry | None:
    return Enquiry.objects.select_related("contact").filter(reference=reference).first()


def _thread_target(parsed: ParsedMail) -> _Decision | None:
    """The enquiry a reply answers, and whether the sender may add to it."""
    for recipient in parsed.recipients:
        reference = addresses.reference_from_address(recipient)
        if reference and (enquiry := _enquiry(reference)) is not None:
            return _Decision(Outcome.REPLY, "Sent to the enquiry's signed reply address.", enquiry)
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    found: list[tuple[str, str]] = [
        (reference, "It answers our email about the enquiry (In-Reply-To/References).")
        for reference in addresses.references_in_ids(ids)
    ]
    if match := REFERENCE_RE.search(parsed.subject.upper()):
        found.append((match.group(0), "Its subject names the enquiry's reference."))
    for reference, how in found:
        enquiry = _enquiry(reference)
        if enquiry is None:
            continue
        if _is_contact(enquiry, parsed.from_address):
            return _Decision(Outcome.REPLY, how, enquiry)
        return _Decision(
            Outcome.TRIAGE,
            f"It looks like a reply about {enquiry.reference}, but it was not sent by that "
            "enquiry's contact nor to its signed reply address, so it was not added to "
            "that conversation: check who sent it before answering.",
            enquiry,
        )
    return None


def _decide(parsed: ParsedMail, arrived: datetime) -> _Decision:
    if parsed.message_id and addresses.is_ours(parsed.message_id):
        return _Decision(Outcome.LOOP, "Our own message came back.")
    if parsed.bounce is not None:
        return _Decision(Outcome.BOUNCE, "A delivery status notification.")
    if parsed.automatic:
        return _Decision(Outcome.AUTOMATIC, f"Automatic message ({parsed.automatic}).")
    limit = settings.MAIL_LOOP_LIMIT_PER_HOUR
    recent = InboundMail.objects.filter(
        from_address=parsed.from_address, received_at__gte=arrived - timedelta(hours=1)
    ).count()
    if recent >= limit:
        return _Decision(Outcome.LOOP, f"More than {limit} messages from this address in an hour.")
    target = _thread_target(parsed)
    if target is None:
        return _Decision(Outcome.ENQUIRY)
    if (
        target.outcome == Outcome.REPLY
        and target.enquiry
        and target.enquiry.status == Status.CLOSED
    ):
        return _Decision(
            Outcome.FOLLOW_UP,
            f"A reply to {target.enquiry.reference}, which is closed: a new enquiry follows "
            "it up. " + target.reason,
            target.enquiry,
        )
    return target


def _act(parsed: ParsedMail, raw: bytes, *, source: str, arrived: datetime) -> MailReceived:
    decision = _decide(parsed, arrived)
    inbound = InboundMail(
        dedupe_key=parsed.dedupe_key,
        internet_message_id=parsed.message_id[:255],
        source=source,
        outcome=decision.outcome,
        reason=decision.reason[:300],
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        subject=parsed.subject[:300],
        sent_at=parsed.sent_at,
        received_at=arrived,
        size=len(raw),
    )
    inbound.raw.save("mail.eml", ContentFile(raw), save=False)
    # Saved first: the unique key makes a twin of this message wait here, then fail.
    inbound.save()
    enquiry: Enquiry | None = None
    if decision.outcome == Outcome.BOUNCE:
        _bounce_record(parsed, arrived)
    elif decision.outcome == Outcome.REPLY and decision.enquiry is not None:
        enquiry = _reply_add(parsed, inbound, decision.enquiry)
    elif decision.outcome in (Outcome.ENQUIRY, Outcome.FOLLOW_UP, Outcome.TRIAGE):
        enquiry = _enquiry_create(parsed, inbound, decision, arrived)
    if enquiry is not None:
        inbound.enquiry = enquiry
        inbound.save(update_fields=["enquiry", "message", "refused_attachments"])
    logger.info(
        "mail received id=%s outcome=%s reference=%s",
        inbound.pk,
        decision.outcome,
        enquiry.reference if enquiry else "-",
    )
    return MailReceived(outcome=decision.outcome, inbound=inbound, enquiry=enquiry)


def _documents(parsed: ParsedMail, inbound: InboundMail) -> list[DetectedFile]:
    """The attachments the desk accepts (the portal's checks); the others are listed on
    ``inbound`` with the reason."""
    accepted: list[DetectedFile] = []
    for part in parsed.attachments:
        try:
            accepted.append(validate_bytes(part.content, part.name))
        except UploadRefused as refusal:
            inbound.refused_attachments.append({"name": part.name[:150], "reason": str(refusal)})
    return accepted


def _reply_add(parsed: ParsedMail, inbound: InboundMail, enquiry: Enquiry) -> Enquiry:
    locked = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    body = parsing.reply_text(parsed.body) or "(The email had no text.)"
    inbound.message = group_message_add(
        enquiry=locked,
        body=body[: Message.BODY_MAX_LENGTH * 5],
        channel=Message.Channel.EMAIL,
        documents=_documents(parsed, inbound),
    )
    return locked


def contact_for_address(*, address: str, name: str, now: datetime) -> Contact:
    """The contact who writes from ``address`` (case-insensitive; the newest if several),
    or a new one whose lawful basis is that they wrote to us (not consent)."""
    contact = Contact.objects.filter(email__iexact=address).order_by("-created_at", "-pk").first()
    if contact is None:
        contact = Contact.objects.create(
            name=name or address.partition("@")[0],
            email=address,
            consent_basis=Contact.ConsentBasis.EMAIL,
            consent_recorded_at=now,
        )
    return contact


def _enquiry_create(
    parsed: ParsedMail, inbound: InboundMail, decision: _Decision, arrived: datetime
) -> Enquiry:
    earlier = decision.enquiry
    if (
        earlier is not None
        and decision.outcome == Outcome.FOLLOW_UP
        and _is_contact(earlier, parsed.from_address)
    ):
        contact = earlier.contact
    else:
        contact = contact_for_address(
            address=parsed.from_address, name=parsed.from_name, now=arrived
        )
    data = EnquiryInput(
        organisation_name="",
        organisation_type="",
        contact_name=contact.name,
        email=contact.email,
        subject=parsed.subject or "(no subject)",
        message=(parsed.body or "(The email had no text.)")[: Enquiry.MESSAGE_MAX_LENGTH * 5],
        consent_to_store=False,
        topic=earlier.topic if earlier is not None else None,
        asset_name=earlier.asset_name if decision.outcome == Outcome.FOLLOW_UP and earlier else "",
    )
    submitted = enquiry_submit(
        data=data,
        channel=Channel.EMAIL,
        received_at=parsed.sent_at or arrived,
        contact=contact,
        follows_up=earlier if decision.outcome == Outcome.FOLLOW_UP else None,
        triage_reason=decision.reason if decision.outcome == Outcome.TRIAGE else "",
    )
    enquiry = submitted.enquiry
    for document in _documents(parsed, inbound):
        attachment_store_detected(enquiry=enquiry, detected=document, actor=None)
    return enquiry


def _bounce_record(parsed: ParsedMail, arrived: datetime) -> int:
    """Mark the failed addresses' contacts; returns how many contacts were marked."""
    bounce = parsed.bounce
    if bounce is None or not bounce.failed_recipients:
        return 0
    status = f"Mail to this address bounced ({bounce.status or 'delivery failed'})."[:200]
    marked = 0
    for address in bounce.failed_recipients:
        marked += Contact.objects.filter(email__iexact=address).update(
            email_failing_since=arrived, email_failure=status
        )
    return marked


@transaction.atomic
def quarantine_release(*, inbound: InboundMail, actor: User) -> MailReceived:
    """A manager lets a quarantined message through: it is read and acted on as if it had
    just arrived, without the size limit (its attachments keep theirs). A message that
    still cannot be read stays in quarantine (``QuarantineError``)."""
    locked = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if locked.outcome != Outcome.QUARANTINED:
        raise QuarantineError("This message is no longer in quarantine.")
    with locked.raw.open("rb") as handle:
        raw = handle.read()
    try:
        parsed = parsing.parse(raw, arrived=locked.received_at, max_age=_max_age())
    except parsing.Unparseable as error:
        raise QuarantineError(f"It still cannot be read: {error}.") from None
    parsed.dedupe_key = locked.dedupe_key
    old_file, storage = locked.raw.name or "", locked.raw.storage
    locked.delete()
    result = _act(parsed, raw, source=locked.source, arrived=locked.received_at)
    if old_file:
        transaction.on_commit(lambda: storage.delete(old_file))
    logger.info("mail released from quarantine by user=%s", actor.pk)
    return result


@transaction.atomic
def quarantine_discard(*, inbound: InboundMail, actor: User) -> InboundMail:
    """A manager deletes a quarantined message: its raw source is removed, and the record
    stays (so the same message arriving again is recognised and not stored)."""
    locked = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if locked.outcome != Outcome.QUARANTINED:
        raise QuarantineError("This message is no longer in quarantine.")
    locked.raw.delete(save=False)
    locked.outcome = Outcome.DISCARDED
    locked.reason = f"Deleted from quarantine by {actor.get_username()}. {locked.reason}"[:300]
    locked.save(update_fields=["raw", "outcome", "reason"])
    return locked


class QuarantineError(DomainError):
    """The quarantine action cannot be done; ``str()`` says why."""

    status_code = 409
