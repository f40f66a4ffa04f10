"""Editing an enquiry's details, with optimistic concurrency.

An edit form (or an API client) carries the ``Enquiry.version`` it was loaded at. The save
locks the row and compares: if anyone changed the enquiry since (an edit, a status change,
an assignment), the save is refused with ``StaleEdit`` and nothing is written. Two people
editing the same record never overwrite each other silently (issue 3, "Optimistic
concurrency"). Who may edit is casework's decision (``casework.policies.can_edit_enquiry``);
casework calls this after checking it on the locked row.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enquiries.models import Enquiry, EnquiryEvent, Priority
from knowledgebase.models import LocalAuthority, Topic

EDITABLE_FIELDS = ("subject", "topic", "priority", "asset_name", "asset_address", "local_authority")
ASSET_ADDRESS_MAX_LENGTH = 2000


class StaleEdit(Exception):
    """The record moved on after the editor loaded it: their save is refused."""

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


@dataclass(frozen=True)
class LastChange:
    by: str | None
    at: datetime | None


def last_change(record) -> LastChange:
    """Who last changed a record with ``history``, and when (its newest history row)."""
    latest = record.history.select_related("history_user").order_by("-history_date").first()
    if latest is None:
        return LastChange(by=None, at=None)
    user = latest.history_user
    name = (user.get_full_name() or user.get_username()) if user else "the desk"
    return LastChange(by=name, at=latest.history_date)


def stale_edit_for(record, *, noun: str) -> StaleEdit:
    change = last_change(record)
    return StaleEdit(
        current_version=record.version, changed_by=change.by, changed_at=change.at, noun=noun
    )


def _clean(changes: dict) -> dict:
    """Check each proposed value; ``ValidationError`` names every field that cannot be used."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be edited."))
    errors, cleaned = {}, {}
    for name, value in changes.items():
        if name in ("subject", "asset_name", "asset_address"):
            value = (value or "").strip()
            limit = ASSET_ADDRESS_MAX_LENGTH if name == "asset_address" else 200
            if name == "subject" and not value:
                errors[name] = "Give the enquiry a subject."
            elif len(value) > limit:
                errors[name] = f"Keep it to {limit} characters."
        elif name == "priority":
            if value not in Priority.values:
                errors[name] = "Choose a priority from the list."
        elif name == "topic" and value is not None and not isinstance(value, Topic):
            errors[name] = "Choose a topic from the list."
        elif (
            name == "local_authority"
            and value is not None
            and not isinstance(value, LocalAuthority)
        ):
            errors[name] = "Choose a local authority from the list."
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def enquiry_edit(
    *, enquiry: Enquiry, expected_version: int, changes: dict, actor: AbstractBaseUser
) -> Enquiry:
    """Save the changed details if the enquiry is still at ``expected_version``.

    Raises ``StaleEdit`` (nothing saved) if it has moved on, ``ValidationError`` for a value
    that cannot be used. Only fields whose value differs are written; the version goes up
    by one, the history records ``actor``, and a DETAILS_EDITED event names the fields
    (never their values: a subject or an address can be personal).
    """
    locked = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    if locked.version != expected_version:
        raise stale_edit_for(locked, noun="enquiry")
    cleaned = _clean(changes)
    changed = [name for name, value in cleaned.items() if not _same(locked, name, value)]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, cleaned[name])
    # The row is locked, so the next number is ours: a plain integer (not an F expression)
    # so that the history row records it too.
    locked.version += 1
    locked._history_user = actor
    locked.save(update_fields=[*changed, "version", "updated_at"])
    EnquiryEvent.objects.create(
        enquiry=locked,
        kind=EnquiryEvent.Kind.DETAILS_EDITED,
        actor=actor,
        data={"fields": sorted(changed), "version": locked.version},
    )
    return locked


def _same(enquiry: Enquiry, name: str, value) -> bool:
    if name in ("topic", "local_authority"):
        return getattr(enquiry, f"{name}_id") == (value.pk if value is not None else None)
    return getattr(enquiry, name) == value
