"""Writes for enquiries: intake, status transitions, assignee, tracking links.

Every function that changes an enquiry takes ``actor`` (None for the desk
itself) and records an EnquiryEvent in the same transaction.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
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
    PersonalDataAccess,
    Priority,
    ReferenceCounter,
    Status,
    TrackingLink,
    hash_token,
)
from enquiries.references import format_reference
from enquiries.signals import enquiry_received
from knowledgebase.models import LocalAuthority, Topic
from knowledgebase.selectors import service_level_for

logger = logging.getLogger(__name__)


class TransitionError(Exception):
    """A status change the workflow does not allow."""


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
    priority: int = Priority.NORMAL


@dataclass(frozen=True)
class SubmittedEnquiry:
    enquiry: Enquiry
    tracking_token: str


def next_reference(year: int) -> str:
    """Issue the next reference for ``year``; call inside a transaction.

    The UPDATE takes a row lock held until commit, so concurrent submissions
    queue on it and each reads its own number (PostgreSQL), while SQLite's
    IMMEDIATE transactions serialise writers outright.
    """
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(year=year, last_value=0)], ignore_conflicts=True
    )
    ReferenceCounter.objects.filter(year=year).update(last_value=F("last_value") + 1)
    number = ReferenceCounter.objects.values_list("last_value", flat=True).get(year=year)
    return format_reference(year, number)


def _organisation_for(data: EnquiryInput) -> Organisation:
    organisation = Organisation.objects.filter(
        name__iexact=data.organisation_name,
        org_type=data.organisation_type,
        local_authority=data.local_authority,
    ).first()
    if organisation is None:
        organisation = Organisation.objects.create(
            name=data.organisation_name,
            org_type=data.organisation_type,
            local_authority=data.local_authority,
            postcode=data.postcode,
        )
    return organisation


def _contact_for(data: EnquiryInput, organisation: Organisation, now: datetime) -> Contact:
    # Reuse a contact only on an exact match: a public form must never let one
    # person change the details another person gave.
    contact = Contact.objects.filter(
        email__iexact=data.email,
        name=data.contact_name,
        organisation=organisation,
        phone=data.phone,
        accessibility_needs=data.accessibility_needs,
    ).first()
    if contact is None:
        contact = Contact.objects.create(
            name=data.contact_name,
            email=data.email,
            phone=data.phone,
            organisation=organisation,
            accessibility_needs=data.accessibility_needs,
            consent_to_store=data.consent_to_store,
            consent_recorded_at=now if data.consent_to_store else None,
        )
    return contact


@transaction.atomic
def enquiry_submit(
    *,
    data: EnquiryInput,
    channel: Channel | str,
    actor: AbstractBaseUser | None = None,
    received_at: datetime | None = None,
    route: bool = True,
) -> SubmittedEnquiry:
    """Record a new enquiry from any channel, mint its tracking link, announce it.

    Routing happens in casework, on the ``enquiry_received`` signal, inside this
    transaction; the acknowledgement email is queued with it (``queue_notification``). ``route``
    False tells receivers the caller places the enquiry itself (an adviser
    logging an enquiry they keep), so it must not be routed.
    """
    now = timezone.now()
    received_at = received_at or now
    organisation = _organisation_for(data)
    contact = _contact_for(data, organisation, now)
    target = service_level_for(topic=data.topic)
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
        local_authority=data.local_authority,
        priority=data.priority,
        received_at=received_at,
        logged_by=actor,
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
    enquiry_received.send(sender=Enquiry, enquiry=enquiry, actor=actor, route=route)
    enquiry.refresh_from_db()  # routing may have assigned it

    from enquiries.tasks import queue_notification  # tasks import services

    queue_notification(notification.pk)
    logger.info("enquiry received reference=%s channel=%s", enquiry.reference, channel)
    return SubmittedEnquiry(enquiry=enquiry, tracking_token=token)


def tracking_link_create(*, enquiry: Enquiry, covers_address: bool = False) -> str:
    """Mint a private tracking link (256 random bits); return the token, keep its hash.

    ``covers_address``: only for a link sent by email to the contact, which proves the
    holder reads that mailbox; it then opens every enquiry the address may follow.
    It lasts ``TRACKING_LINK_DAYS`` (read now, so a changed setting applies at once);
    each use pushes that forward (``services_portal.tracking_link_touch``).
    """
    token = secrets.token_urlsafe(32)
    TrackingLink.objects.create(
        enquiry=enquiry,
        covers_address=covers_address,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=settings.TRACKING_LINK_DAYS),
    )
    return token


@transaction.atomic
def enquiry_change_status(
    *, enquiry: Enquiry, status: Status | str, actor: AbstractBaseUser | None
) -> Enquiry:
    """Move an enquiry along its workflow (``STATUS_TRANSITIONS``); closing stamps the time.

    Service levels (docs/service-levels.md): waiting for the group pauses the clocks still
    running; leaving that status moves their due dates back by the working days paused.
    The first time it is answered or closed it is resolved (``resolved_at``); reopening
    does not restart the resolution clock.
    """
    locked = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    if not locked.can_move_to(status):
        raise TransitionError(
            f"An enquiry that is {locked.get_status_display().lower()} cannot become "
            f"{Status(status).label.lower()}."
        )
    previous = locked.status
    now = timezone.now()
    locked.status = status
    locked.closed_at = now if status == Status.CLOSED else None
    fields = ["status", "closed_at", "updated_at"]
    event_data = {"from": previous, "to": str(status)}
    if locked.sla_paused_since is not None and status != Status.AWAITING_GROUP:
        paused = _sla_resume(locked, now)
        event_data["paused_working_days"] = paused
        fields += ["sla_paused_since", "first_response_due", "resolution_due"]
    if status == Status.AWAITING_GROUP and locked.resolved_at is None:
        locked.sla_paused_since = now
        fields.append("sla_paused_since")
    if status in (Status.ANSWERED, Status.CLOSED) and locked.resolved_at is None:
        locked.resolved_at = now
        locked.resolution_working_days = service_levels.working_days_taken(
            timezone.localdate(locked.received_at),
            timezone.localdate(now),
            _sla_paused_total(locked) + event_data.get("paused_working_days", 0),
        )
        fields += ["resolved_at", "resolution_working_days"]
    # An edit form opened before this change is now out of date (``services_edit``).
    locked.version += 1
    fields.append("version")
    locked._history_user = actor  # the history records who, not just the request's user
    locked.save(update_fields=list(dict.fromkeys(fields)))
    EnquiryEvent.objects.create(
        enquiry=locked, kind=EnquiryEvent.Kind.STATUS_CHANGED, actor=actor, data=event_data
    )
    return locked


def _sla_resume(enquiry: Enquiry, now: datetime) -> int:
    """End a pause: move the due dates still running back; return the working days paused."""
    paused_on, resumed_on = timezone.localdate(enquiry.sla_paused_since), timezone.localdate(now)
    if enquiry.first_response_at is None:
        enquiry.first_response_due = service_levels.shift_for_pause(
            enquiry.first_response_due, paused_on, resumed_on
        )
    enquiry.resolution_due = service_levels.shift_for_pause(
        enquiry.resolution_due, paused_on, resumed_on
    )
    enquiry.sla_paused_since = None
    return service_levels.paused_working_days(paused_on, resumed_on)


def _sla_paused_total(enquiry: Enquiry, now: datetime | None = None) -> int:
    """Working days the enquiry has spent paused: the pauses that ended (each recorded on
    its status change) and, given ``now``, the one still running."""
    ended = sum(
        data.get("paused_working_days", 0)
        for data in EnquiryEvent.objects.filter(
            enquiry=enquiry, kind=EnquiryEvent.Kind.STATUS_CHANGED, data__from=Status.AWAITING_GROUP
        ).values_list("data", flat=True)
    )
    running = 0
    if now is not None and enquiry.sla_paused_since is not None:
        running = service_levels.paused_working_days(
            timezone.localdate(enquiry.sla_paused_since), timezone.localdate(now)
        )
    return ended + running


@transaction.atomic
def enquiry_mark_first_response(
    *, enquiry: Enquiry, at: datetime, actor: AbstractBaseUser | None
) -> bool:
    """Record the desk's first response (a public message or a call logged) at ``at``.

    Only the first counts: later ones change nothing. The caller records what the
    response was (MESSAGE_PUBLISHED, CALL_LOGGED) in the same transaction. Working
    days taken exclude pauses. Returns True when this was the first response.
    """
    locked = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    if locked.first_response_at is not None:
        return False
    at = max(at, locked.received_at)  # a call dated before the enquiry arrived: on arrival
    locked.first_response_at = at
    locked.first_response_working_days = service_levels.working_days_taken(
        timezone.localdate(locked.received_at),
        timezone.localdate(at),
        _sla_paused_total(locked, now=at),
    )
    locked._history_user = actor
    locked.save(update_fields=["first_response_at", "first_response_working_days", "updated_at"])
    enquiry.first_response_at = locked.first_response_at
    enquiry.first_response_working_days = locked.first_response_working_days
    return True


def enquiry_set_assignee(
    *, enquiry: Enquiry, assignee: AbstractBaseUser | None, actor: AbstractBaseUser | None
) -> Enquiry:
    """Record who holds the enquiry. Call inside the caller's transaction, row locked."""
    enquiry.assigned_to = assignee
    enquiry.version += 1  # an edit form opened before this is out of date
    fields = ["assigned_to", "version", "updated_at"]
    if assignee is not None and enquiry.status == Status.RECEIVED:
        enquiry.status = Status.IN_PROGRESS
        fields.append("status")
    enquiry._history_user = actor
    enquiry.save(update_fields=fields)
    EnquiryEvent.objects.create(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.ASSIGNED if assignee else EnquiryEvent.Kind.UNASSIGNED,
        actor=actor,
        data={"assignee": assignee.get_username() if assignee else None},
    )
    return enquiry


def enquiry_record_event(
    *, enquiry: Enquiry, kind: str, actor: AbstractBaseUser | None, data: dict
) -> EnquiryEvent:
    """Add a line to the enquiry's audit trail; call inside the caller's transaction."""
    return EnquiryEvent.objects.create(enquiry=enquiry, kind=kind, actor=actor, data=data)


def idempotency_keys_prune(*, older_than: timedelta) -> int:
    """Forget API idempotency keys older than ``older_than``; a client retries within
    minutes, so keeping them longer only keeps data. Returns how many were removed."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def personal_data_access_record(
    *, enquiry: Enquiry, viewer: AbstractBaseUser, channel: str
) -> PersonalDataAccess:
    """Log that ``viewer`` opened this enquiry's personal data (contact, message)."""
    return PersonalDataAccess.objects.create(enquiry=enquiry, viewer=viewer, channel=channel)


def contact_access_record(*, contacts, viewer: AbstractBaseUser, channel: str) -> None:
    """Log that ``viewer`` was shown these contact records (one row each, one query)."""
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(contact=contact, viewer=viewer, channel=channel) for contact in contacts
    )
