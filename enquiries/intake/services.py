"""Taking in an enquiry from any channel: the group's details matched to the organisation
and contact already known, a reference from the year's counter, the enquiry saved with its
first event, and the signal that routes it. Every channel (the public form, the intake API,
the desk's log form) calls ``enquiry_submit``."""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from enquiries import service_levels
from enquiries.models import (
    Channel,
    Contact,
    EnquirerType,
    Enquiry,
    EnquiryEvent,
    IdempotencyKey,
    Notification,
    Organisation,
    Priority,
    ReferenceCounter,
)
from enquiries.references import format_reference
from enquiries.services import tracking_link_create
from enquiries.signals import enquiry_received
from knowledgebase.models import LocalAuthority, Topic
from knowledgebase.reference_data import reference_data

logger = logging.getLogger(__name__)

CONSENT_REQUIRED = "We can only answer your enquiry if you agree to this."
ACCESS_NEEDS_CONSENT_REQUIRED = (
    "What you tell us about access needs may be about your health, so we keep it only with "
    "your explicit agreement: tick the box, or leave the access needs empty."
)


def access_needs_refusal(needs: str, consent: bool) -> str | None:
    """Access needs are special-category data when they reveal health (DOMAIN.md): kept
    only with explicit consent. Every intake path asks this before anything is saved."""
    return ACCESS_NEEDS_CONSENT_REQUIRED if needs.strip() and not consent else None


RECEIVED_IN_FUTURE = "The date received cannot be in the future."


@dataclass(frozen=True)
class EnquiryInput:
    """Validated intake data, whatever the channel it came from."""

    organisation_name: str
    organisation_type: EnquirerType | str
    contact_name: str
    email: str
    subject: str
    message: str
    consent_to_store: bool
    phone: str = ""
    postcode: str = ""
    local_authority: LocalAuthority | None = None
    topic: Topic | None = None
    asset_name: str = ""
    asset_address: str = ""
    accessibility_needs: str = ""
    accessibility_consent: bool = False
    consent_to_refer: bool = False
    priority: int = Priority.NORMAL


@dataclass(frozen=True)
class SubmittedEnquiry:
    enquiry: Enquiry
    tracking_token: str


def next_reference(year: int) -> str:
    """Issue the next reference for ``year``.

    On PostgreSQL, ``nextval`` of the year's sequence (migration 0013): no lock is held, so
    submissions never wait for one another, and a number taken by a transaction that rolls
    back is not reused (a gap in the year's numbering; references stay unique and in
    order of issue). On SQLite, which lets one writer in at a time anyway, the year's
    ``ReferenceCounter`` row: gap-free, its write lock held until commit.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT enquiries_next_reference_number(%s)", [year])
            return format_reference(year, cursor.fetchone()[0])
    if connection.features.can_return_columns_from_insert:  # SQLite 3.35+: one statement
        table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (year, last_value) VALUES (%s, 1) "  # noqa: S608 - our table's name
                f"ON CONFLICT (year) DO UPDATE SET last_value = {table}.last_value + 1 "
                "RETURNING last_value",
                [year],
            )
            return format_reference(year, int(cursor.fetchone()[0]))
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(year=year, last_value=0)], ignore_conflicts=True
    )
    ReferenceCounter.objects.filter(year=year).update(last_value=F("last_value") + 1)
    number = ReferenceCounter.objects.values_list("last_value", flat=True).get(year=year)
    return format_reference(year, number)


def references_reserve(year: int, count: int) -> list[str]:
    """Issue ``count`` references for ``year`` at once, in order (an import writes its
    enquiries in batches): one statement on PostgreSQL, the counter moved once on SQLite."""
    if count <= 0:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT enquiries_next_reference_number(%s) FROM generate_series(1, %s)",
                [year, count],
            )
            return [format_reference(year, number) for (number,) in cursor.fetchall()]
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(year=year, last_value=0)], ignore_conflicts=True
    )
    ReferenceCounter.objects.filter(year=year).update(last_value=F("last_value") + count)
    last = ReferenceCounter.objects.values_list("last_value", flat=True).get(year=year)
    return [format_reference(year, number) for number in range(last - count + 1, last + 1)]


def _sequence_last_value(year: int) -> int:
    """PostgreSQL: the last number the year's sequence gave out (0 if it has none yet)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_value FROM pg_sequences "
            "WHERE schemaname = current_schema() AND sequencename = %s",
            [f"enquiries_reference_{int(year)}"],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def reference_last_issued(year: int) -> int:
    """The highest number ``next_reference`` has given out for ``year`` (committed or not)."""
    counter = ReferenceCounter.objects.filter(year=year).values_list("last_value", flat=True)
    return max(counter.first() or 0, _sequence_last_value(year))


def reference_numbers_used(*, year: int, last_number: int) -> None:
    """Record that ``year``'s references up to ``last_number`` were issued another way (the
    demo seeder writes them in bulk): the next ``next_reference`` comes after it."""
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(year=year, last_value=0)], ignore_conflicts=True
    )
    ReferenceCounter.objects.filter(year=year, last_value__lt=last_number).update(
        last_value=last_number
    )
    if (issued := _sequence_last_value(year)) and issued < last_number:
        # PostgreSQL, once the year has had a live reference (else its first starts after
        # the counter set above).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(%s, %s)", [f"enquiries_reference_{int(year)}", last_number]
            )


def _organisation_for(data: EnquiryInput) -> tuple[Organisation, bool]:
    """The organisation the group's details match, or a new one (True)."""
    organisation = Organisation.objects.filter(
        name__iexact=data.organisation_name,
        org_type=data.organisation_type,
        local_authority=data.local_authority,
    ).first()
    if organisation is not None:
        return organisation, False
    organisation = Organisation.objects.create(
        name=data.organisation_name,
        org_type=data.organisation_type,
        local_authority=data.local_authority,
        postcode=data.postcode,
    )
    return organisation, True


def _contact_for(
    data: EnquiryInput, organisation: Organisation, now: datetime, *, known: bool = True
) -> Contact:
    # Reuse a contact only on an exact match: a public form must never let one
    # person change the details another person gave. An organisation created just now
    # (not ``known``) has no contacts to match.
    contact = (
        Contact.objects.filter(
            email__iexact=data.email,
            name=data.contact_name,
            organisation=organisation,
            phone=data.phone,
            accessibility_needs=data.accessibility_needs,
            accessibility_consent=data.accessibility_consent,
            consent_to_refer=data.consent_to_refer,
        ).first()
        if known
        else None
    )
    if contact is None:
        contact = Contact.objects.create(
            name=data.contact_name,
            email=data.email,
            phone=data.phone,
            organisation=organisation,
            accessibility_needs=data.accessibility_needs,
            accessibility_consent=data.accessibility_consent,
            consent_to_refer=data.consent_to_refer,
            consent_to_store=data.consent_to_store,  # True: ``enquiry_submit`` checked it
            consent_basis=Contact.ConsentBasis.FORM,
            consent_recorded_at=now,
        )
    return contact


def _refusals(
    data: EnquiryInput, received_at: datetime, now: datetime, contact: Contact | None
) -> None:
    """What no channel may skip: a lawful basis to store the group's details (their
    consent on a form; for mail, that they wrote to us: ``contact.consent_basis``) and a
    time of receipt that has already come."""
    errors = {}
    lawful = data.consent_to_store or (
        contact is not None and (contact.consent_to_store or bool(contact.consent_basis))
    )
    if not lawful:
        errors["consent_to_store"] = CONSENT_REQUIRED
    if received_at > now:
        errors["received_at"] = RECEIVED_IN_FUTURE
    if refusal := access_needs_refusal(data.accessibility_needs, data.accessibility_consent):
        errors["accessibility_consent"] = refusal
    if errors:
        raise ValidationError(errors)


def enquiry_submit(
    *,
    data: EnquiryInput,
    channel: Channel | str,
    actor: User | None = None,
    received_at: datetime | None = None,
    route: bool = True,
    contact: Contact | None = None,
    follows_up: Enquiry | None = None,
    triage_reason: str = "",
) -> SubmittedEnquiry:
    """Record a new enquiry from any channel, mint its tracking link, announce it.

    Routing happens in casework, on the ``enquiry_received`` signal, inside this
    transaction; the acknowledgement email is queued with it (``queue_notification``). ``route``
    False tells receivers the caller places the enquiry itself (an adviser
    logging an enquiry they keep), so it must not be routed.

    ``contact`` is a contact already found (mail in matches the sender's address): the
    enquiry is theirs and their organisation's, and the input's group details are not
    used. ``follows_up`` is the closed enquiry this one continues. ``triage_reason`` asks
    routing to queue it for triage, saying why, instead of routing it by topic.

    Raises ``ValidationError`` (nothing saved) without the group's consent to store its
    details, or for a ``received_at`` in the future.
    """
    with transaction.atomic():
        return _enquiry_submit(
            data=data,
            channel=channel,
            actor=actor,
            received_at=received_at,
            route=route,
            contact=contact,
            follows_up=follows_up,
            triage_reason=triage_reason,
        )


def _enquiry_submit(
    *,
    data: EnquiryInput,
    channel: Channel | str,
    actor: User | None,
    received_at: datetime | None,
    route: bool,
    contact: Contact | None,
    follows_up: Enquiry | None,
    triage_reason: str,
) -> SubmittedEnquiry:
    """``enquiry_submit``'s work, inside a transaction the caller opened."""
    now = timezone.now()
    received_at = received_at or now
    _refusals(data, received_at, now, contact)
    organisation: Organisation | None
    if contact is None:
        organisation, new = _organisation_for(data)
        contact = _contact_for(data, organisation, now, known=not new)
    else:
        organisation = contact.organisation
    target = reference_data().service_level_for(data.topic)
    due = service_levels.due_dates(
        timezone.localdate(received_at), target.first_response_days, target.resolution_days
    )
    enquiry = Enquiry.objects.create(
        reference=next_reference(timezone.localtime(received_at).year),
        channel=channel,
        topic=data.topic,
        subject=data.subject,
        message=data.message,
        asset_name=data.asset_name,
        asset_address=data.asset_address,
        organisation=organisation,
        contact=contact,
        local_authority=data.local_authority or getattr(organisation, "local_authority", None),
        priority=data.priority,
        received_at=received_at,
        logged_by=actor,
        follows_up=follows_up,
        first_response_due=due.first_response_due,
        resolution_due=due.resolution_due,
    )
    EnquiryEvent.objects.create(
        enquiry=enquiry, kind=EnquiryEvent.Kind.RECEIVED, actor=actor, data={"channel": channel}
    )
    token = tracking_link_create(enquiry=enquiry)
    notification = Notification.objects.create(
        enquiry=enquiry,
        kind=Notification.Kind.ACKNOWLEDGEMENT,
        recipient=contact.email,
        dedupe_key=f"ack:{enquiry.reference}",
    )
    enquiry_received.send(
        sender=Enquiry, enquiry=enquiry, actor=actor, route=route, triage_reason=triage_reason
    )

    from enquiries.tasks import queue_notification  # tasks import services

    queue_notification(notification.pk)
    logger.info("enquiry received reference=%s channel=%s", enquiry.reference, channel)
    return SubmittedEnquiry(enquiry=enquiry, tracking_token=token)


class IdempotencyConflict(Exception):
    """The key came before with another request body: the first result stands."""


@dataclass(frozen=True)
class IdempotentSubmission:
    enquiry: Enquiry
    tracking_token: str | None  # None for a replay: only a hash of the link is kept
    replayed: bool


def request_fingerprint(body: dict[str, Any]) -> str:
    """What identifies a request body, whatever the order of its keys."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _earlier(key: str, fingerprint: str) -> Enquiry | None:
    """The enquiry a submission with ``key`` made, if any; ``IdempotencyConflict`` if that
    submission had another body."""
    stored = IdempotencyKey.objects.select_related("enquiry").filter(key=key).first()
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise IdempotencyConflict(key)
    return stored.enquiry


def enquiry_submit_idempotent(
    *,
    key: str,
    fingerprint: str,
    prepare: Callable[[], EnquiryInput],
    channel: Channel | str,
) -> IdempotentSubmission:
    """Record an enquiry at most once per ``key`` (a client's retry must never make a
    second one); no key, no such promise.

    A key seen before is answered with the enquiry it made (``replayed``), before
    ``prepare`` runs: a retry is neither validated again nor counted against any
    allowance. A key seen with another body raises ``IdempotencyConflict``. Otherwise
    ``prepare`` returns the validated input (its refusals propagate, nothing saved) and
    the enquiry and its key row are written in one transaction. Two requests with one new
    key can both get that far: the key's unique index refuses the second (race), whose
    enquiry is rolled back, and it is answered as a replay of the first.
    """
    if key and (earlier := _earlier(key, fingerprint)) is not None:
        return IdempotentSubmission(enquiry=earlier, tracking_token=None, replayed=True)
    data = prepare()
    try:
        with transaction.atomic():
            # Its own transaction already: no savepoint inside it.
            submitted = _enquiry_submit(
                data=data,
                channel=channel,
                actor=None,
                received_at=None,
                route=True,
                contact=None,
                follows_up=None,
                triage_reason="",
            )
            if key:
                IdempotencyKey.objects.create(
                    key=key, request_hash=fingerprint, enquiry=submitted.enquiry
                )
    except IntegrityError:
        if key and (earlier := _earlier(key, fingerprint)) is not None:
            return IdempotentSubmission(enquiry=earlier, tracking_token=None, replayed=True)
        raise
    return IdempotentSubmission(
        enquiry=submitted.enquiry, tracking_token=submitted.tracking_token, replayed=False
    )


def idempotency_keys_prune(*, older_than: timedelta) -> int:
    """Forget API idempotency keys older than ``older_than``; a client retries within
    minutes, so keeping them longer only keeps data. Returns how many were removed."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
