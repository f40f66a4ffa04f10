"""Reads for the managers' audit pages: the change history of an enquiry or a case (from
``django-simple-history``) and the access log of an enquiry."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Field, Q, QuerySet

from casework.models import Adviser, Case
from enquiries.models import Enquiry, PersonalDataAccess

HISTORY_LIMIT = 100


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    action: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else "The desk"


def _display(value: Any, field_obj: "Field[Any, Any]", names: dict[tuple[Any, Any], str]) -> str:
    if value in (None, ""):
        return "–"
    if isinstance(field_obj, models.ForeignKey):
        return names.get((field_obj.related_model, value), f"#{value}")
    if field_obj.choices:
        return str(dict(field_obj.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    return str(value)


# Bookkeeping, not a change anyone made: hidden from the page.
HIDDEN_FIELDS = {"version"}


def change_history(*, record: Enquiry | Case) -> list[HistoryEntry]:
    """Newest first: who changed what on ``record`` (an enquiry or a case), with old and new
    values, in a fixed number of queries (the history rows, then one query per kind of
    related record named in a change)."""
    model = type(record)
    records = list(
        record.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_LIMIT + 1
        ]
    )
    pairs = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        delta = newer.diff_against(older) if older is not None else None
        changes = [c for c in delta.changes if c.field not in HIDDEN_FIELDS] if delta else []
        pairs.append((newer, changes))
    pairs = pairs[:HISTORY_LIMIT]

    wanted: dict[Any, set[Any]] = {}
    for _, changes in pairs:
        for change in changes:
            field_obj = model._meta.get_field(change.field)
            if isinstance(field_obj, models.ForeignKey):
                ids = wanted.setdefault(field_obj.related_model, set())
                ids.update(v for v in (change.old, change.new) if v is not None)
    names: dict[tuple[Any, Any], str] = {}
    for related, ids in wanted.items():
        queryset = related._default_manager.filter(pk__in=ids)
        if related is Adviser:
            queryset = queryset.select_related("user")
        for obj in queryset:
            label = _person(obj) if related is get_user_model() else str(obj)
            names[(related, obj.pk)] = label

    actions = {"+": "Created", "~": "Changed", "-": "Deleted"}
    entries = []
    for entry_record, changes in pairs:
        if (
            entry_record.history_type == "~"
            and not changes
            and not entry_record.history_change_reason  # e.g. secondary topics changed
            and entry_record is not records[-1]
        ):
            continue  # only the hidden bookkeeping changed
        entry = HistoryEntry(
            when=entry_record.history_date,
            who=_person(entry_record.history_user),
            action=actions.get(entry_record.history_type, entry_record.history_type),
            reason=entry_record.history_change_reason or "",
        )
        for change in changes:
            field_obj = cast("Field[Any, Any]", model._meta.get_field(change.field))
            entry.changes.append(
                Change(
                    field=str(field_obj.verbose_name).capitalize(),
                    old=_display(change.old, field_obj, names),
                    new=_display(change.new, field_obj, names),
                )
            )
        entries.append(entry)
    return entries


def enquiry_change_history(*, enquiry: Enquiry) -> list[HistoryEntry]:
    return change_history(record=enquiry)


def case_change_history(*, case: Case) -> list[HistoryEntry]:
    return change_history(record=case)


def enquiry_access_log(*, enquiry: Enquiry, limit: int = 100) -> QuerySet[PersonalDataAccess]:
    """Opens of this enquiry, and of its contact's record on its own (the contacts API)."""
    opened = Q(enquiry=enquiry)
    if enquiry.contact_id:
        opened |= Q(contact_id=enquiry.contact_id)
    return PersonalDataAccess.objects.filter(opened).select_related("viewer")[:limit]
