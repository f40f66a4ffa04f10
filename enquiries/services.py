"""Editing an enquiry's details, with optimistic concurrency.

An edit form (or an API client) carries the ``Enquiry.version`` it was loaded at. The save
locks the row and compares: if anyone changed the enquiry since (an edit, a status change,
an assignment), the save is refused with ``StaleEdit`` and nothing is written. Two people
editing the same record never overwrite each other silently (issue 3, "Optimistic
concurrency"). Who may edit is casework's decision (``casework.policies.can_edit_enquiry``);
casework calls this after checking it on the locked row.
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from config.errors import DomainError
from config.limits import max_length
from enquiries import service_levels
from enquiries.models import (
    Contact,
    Enquiry,
    EnquiryEvent,
    PersonalDataAccess,
    Priority,
    Status,
    TrackingLink,
    hash_token,
)
from knowledgebase.models import LocalAuthority, Topic


def version_etag(version: int) -> str:
    """A record's ``version`` as the API's ETag, e.g. ``"v3"``."""
    return f'"v{version}"'


class StaleEdit(DomainError):
    """The record moved on after the editor loaded it: their save is refused. The API
    answers 409 with the version to reload (and its ETag) and who changed it when."""

    status_code = 409

    def __init__(
        self,
        *,
        current_version: int,
        changed_by: str | None,
        changed_at: datetime | None,
        noun: str = "enquiry",
    ):
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.noun = noun
        super().__init__(self.message)

    @property
    def message(self) -> str:
        when = f" at {timezone.localtime(self.changed_at):%H:%M}" if self.changed_at else ""
        who = f" ({self.changed_by})" if self.changed_by else ""
        return (
            f"Someone else changed this {self.noun}{when}{who} after you opened it. "
            "Your changes have not been saved."
        )

    def api_body(self) -> dict[str, Any]:
        return {
            "detail": self.message,
            "current_version": self.current_version,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at,
        }

    def api_headers(self) -> dict[str, str]:
        return {"ETag": version_etag(self.current_version)}


class VersionedRecord(Protocol):
    """A record edited with optimistic concurrency: its ``version``, and simple_history's
    ``history`` of who changed it."""

    version: int
    history: Any


@dataclass(frozen=True)
class LastChange:
    by: str | None
    at: datetime | None


def last_change(record: VersionedRecord) -> LastChange:
    """Who last changed a record with ``history``, and when (its newest history row)."""
    latest = record.history.select_related("history_user").order_by("-history_date").first()
    if latest is None:
        return LastChange(by=None, at=None)
    user = latest.history_user
    name = (user.get_full_name() or user.get_username()) if user else "the desk"
    return LastChange(by=name, at=latest.history_date)


def stale_edit_for(record: VersionedRecord, *, noun: str) -> StaleEdit:
    change = last_change(record)
    return StaleEdit(
        current_version=record.version, changed_by=change.by, changed_at=change.at, noun=noun
    )


@dataclass(frozen=True)
class TextRule:
    """An editable text field: stripped, at most ``limit`` characters, and not blank if
    ``required`` (the message saying what to write)."""

    limit: int
    required: str | None = None


def changes_clean(
    changes: dict[str, Any],
    *,
    text: dict[str, TextRule],
    checks: dict[str, Callable[[Any], str | None]],
) -> dict[str, Any]:
    """Check each proposed value of an edit (an enquiry's here, a case's in casework):
    ``ValidationError`` names every field that cannot be used.

    Only the fields in ``text`` and ``checks`` can be edited. Text follows its ``TextRule``;
    any other value is usable when its check returns no message.
    """
    unknown = set(changes) - {*text, *checks}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be edited."))
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name in text:
            value, rule = (value or "").strip(), text[name]
            if rule.required and not value:
                errors[name] = rule.required
            elif len(value) > rule.limit:
                errors[name] = f"Keep it to {rule.limit} characters."
        elif problem := checks[name](value):
            errors[name] = problem
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def changes_save(
    record: Any, cleaned: dict[str, Any], *, actor: User, also: tuple[str, ...] = ()
) -> list[str]:
    """Write the cleaned values that differ from the locked ``record`` (a related record is
    compared by its key) and move its version on by one; the history records ``actor``.
    The names written, sorted: none, and nothing was written.

    The row is locked, so the next version is ours: a plain integer (not an F expression)
    so that the history row records it too. ``also``: other fields the save must write.
    """
    changed = []
    for name, value in cleaned.items():
        field = record._meta.get_field(name)
        new = value.pk if field.is_relation and value is not None else value
        if getattr(record, field.attname) != new:
            changed.append(name)
    if not changed:
        return []
    for name in changed:
        setattr(record, name, cleaned[name])
    record.version += 1
    record._history_user = actor
    record.save(update_fields=[*changed, "version", *also])
    return sorted(changed)


ENQUIRY_TEXT = {
    "subject": TextRule(max_length(Enquiry, "subject"), required="Give the enquiry a subject."),
    "asset_name": TextRule(max_length(Enquiry, "asset_name")),
    "asset_address": TextRule(Enquiry.ASSET_ADDRESS_MAX_LENGTH),
}


def _one_of(model: type[models.Model], message: str) -> Callable[[Any], str | None]:
    """A choice of ``model`` rows, or none."""
    return lambda value: None if value is None or isinstance(value, model) else message


ENQUIRY_CHECKS = {
    "topic": _one_of(Topic, "Choose a topic from the list."),
    "priority": lambda value: (
        None if value in Priority.values else "Choose a priority from the list."
    ),
    "local_authority": _one_of(LocalAuthority, "Choose a local authority from the list."),
}


def secondary_topics_check(primary: Topic | None, secondary: Iterable[Any]) -> str | None:
    """What is wrong with ``secondary`` as the secondary topics of an enquiry whose topic is
    ``primary``, or None. DOMAIN.md ("Topics"): one primary topic, secondary topics allowed.
    A secondary topic is never the primary itself, is named once, is a topic in use, and
    there are at most ``Enquiry.SECONDARY_TOPICS_MAX``; an enquiry whose topic is not known
    yet ("Not sure") has none: choose the topic first."""
    chosen = list(secondary)
    if not chosen:
        return None
    if any(not isinstance(topic, Topic) or not topic.is_active for topic in chosen):
        return "Choose secondary topics from the list."
    if len({topic.pk for topic in chosen}) != len(chosen):
        return "Name each secondary topic once."
    if primary is None:
        return "Choose the enquiry's topic before adding secondary topics."
    if any(topic.pk == primary.pk for topic in chosen):
        return f"{primary} is the enquiry's topic: it cannot be a secondary topic as well."
    if len(chosen) > Enquiry.SECONDARY_TOPICS_MAX:
        return f"Choose at most {Enquiry.SECONDARY_TOPICS_MAX} secondary topics."
    return None


def _secondary_topics_clean(
    locked: Enquiry, cleaned: dict[str, Any], secondary: Iterable[Any] | None
) -> tuple[list[Topic], list[Topic]] | None:
    """The enquiry's secondary topics before and after the edit if they change, else None.
    Checked against the topic the enquiry will have, so a new primary that is already a
    secondary topic is refused too (``ValidationError`` on ``secondary_topics``)."""
    before = list(locked.secondary_topics.select_related("parent").order_by("pk"))
    after = before if secondary is None else list(secondary)
    primary = cleaned.get("topic", locked.topic)
    if problem := secondary_topics_check(primary, after):
        raise ValidationError({"secondary_topics": problem})
    if {t.pk for t in after} == {t.pk for t in before}:
        return None
    return before, after


def _topic_names(topics: Iterable[Topic]) -> list[str]:
    return sorted(str(topic) for topic in topics)


@transaction.atomic
def enquiry_edit(
    *, enquiry: Enquiry, expected_version: int, changes: dict[str, Any], actor: User
) -> Enquiry:
    """Save the changed details if the enquiry is still at ``expected_version``.

    Raises ``StaleEdit`` (nothing saved) if it has moved on, ``ValidationError`` for a value
    that cannot be used. Only fields whose value differs are written; the version goes up
    by one, the history records ``actor``, and a DETAILS_EDITED event names the fields
    (never their values: a subject or an address can be personal). Secondary topics (a
    list of ``Topic``, see ``secondary_topics_check``) are not personal: the event and the
    history row's reason say which they were and which they are now.
    """
    locked = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    if locked.version != expected_version:
        raise stale_edit_for(locked, noun="enquiry")
    changes = dict(changes)
    secondary = changes.pop("secondary_topics", None)
    cleaned = changes_clean(changes, text=ENQUIRY_TEXT, checks=ENQUIRY_CHECKS)
    moved = _secondary_topics_clean(locked, cleaned, secondary)
    data: dict[str, Any] = {}
    if moved is not None:
        data["secondary_topics"] = {
            "from": _topic_names(moved[0]),
            "to": _topic_names(moved[1]),
        }
        locked._change_reason = "Secondary topics: {} → {}".format(
            ", ".join(data["secondary_topics"]["from"]) or "none",
            ", ".join(data["secondary_topics"]["to"]) or "none",
        )
    changed = changes_save(locked, cleaned, actor=actor, also=("updated_at",))
    if moved is not None:
        locked.secondary_topics.set(moved[1])
        if not changed:  # only the secondary topics: the version still moves on
            locked.version += 1
            locked._history_user = actor
            locked.save(update_fields=["version", "updated_at"])
        changed = sorted([*changed, "secondary_topics"])
    if not changed:
        return locked
    EnquiryEvent.objects.create(
        enquiry=locked,
        kind=EnquiryEvent.Kind.DETAILS_EDITED,
        actor=actor,
        data={"fields": changed, "version": locked.version, **data},
    )
    return locked


class TransitionError(DomainError):
    """A status change the workflow does not allow: a 400 on ``status`` over the API."""

    def api_body(self) -> dict[str, Any]:
        return {"status": [str(self)]}


def tracking_link_create(*, enquiry: Enquiry, covers_address: bool = False) -> str:
    """Mint a private tracking link (256 random bits); return the token, keep its hash.

    ``covers_address``: only for a link sent by email to the contact, which proves the
    holder reads that mailbox; it then opens every enquiry the address may follow.
    It lasts ``TRACKING_LINK_DAYS`` (read now, so a changed setting applies at once);
    each use pushes that forward (``enquiries.portal.services.tracking_link_touch``).
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
def enquiry_change_status(*, enquiry: Enquiry, status: Status | str, actor: User | None) -> Enquiry:
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
    event_data: dict[str, Any] = {"from": previous, "to": str(status)}
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
    # An edit form opened before this change is now out of date (``enquiry_edit``).
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
def enquiry_mark_first_response(*, enquiry: Enquiry, at: datetime, actor: User | None) -> bool:
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


def enquiry_set_assignee(*, enquiry: Enquiry, assignee: User | None, actor: User | None) -> Enquiry:
    """Record who holds the enquiry. Call inside the caller's transaction, row locked.

    Nobody for an enquiry nobody holds (a new one queued by routing) changes nothing and
    records nothing: it was never "returned to the queue"."""
    if assignee is None and enquiry.assigned_to_id is None:
        return enquiry
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
    *, enquiry: Enquiry, kind: str, actor: User | None, data: dict[str, Any]
) -> EnquiryEvent:
    """Add a line to the enquiry's audit trail; call inside the caller's transaction."""
    return EnquiryEvent.objects.create(enquiry=enquiry, kind=kind, actor=actor, data=data)


def personal_data_access_record(
    *, enquiry: Enquiry, viewer: User, channel: str
) -> PersonalDataAccess:
    """Log that ``viewer`` opened this enquiry's personal data (contact, message)."""
    return PersonalDataAccess.objects.create(enquiry=enquiry, viewer=viewer, channel=channel)


def contact_access_record(*, contacts: Iterable[Contact], viewer: User, channel: str) -> None:
    """Log that ``viewer`` was shown these contact records (one row each, one query)."""
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(contact=contact, viewer=viewer, channel=channel) for contact in contacts
    )
