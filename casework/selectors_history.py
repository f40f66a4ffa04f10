"""Reads for the managers' audit page: the change history and the access log of an enquiry."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import models

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


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "The desk"


def _display(value, field_obj, names: dict) -> str:
    if value in (None, ""):
        return "–"
    if isinstance(field_obj, models.ForeignKey):
        return names.get((field_obj.related_model, value), f"#{value}")
    if field_obj.choices:
        return str(dict(field_obj.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    return str(value)


def enquiry_change_history(*, enquiry: Enquiry) -> list[HistoryEntry]:
    """Newest first: who changed what, with old and new values, in a fixed number of queries
    (the history rows, then one query per kind of related record named in a change)."""
    records = list(
        enquiry.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_LIMIT + 1
        ]
    )
    pairs = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        delta = newer.diff_against(older) if older is not None else None
        pairs.append((newer, delta.changes if delta else []))
    pairs = pairs[:HISTORY_LIMIT]

    wanted: dict[type, set] = {}
    for _, changes in pairs:
        for change in changes:
            field_obj = Enquiry._meta.get_field(change.field)
            if isinstance(field_obj, models.ForeignKey):
                ids = wanted.setdefault(field_obj.related_model, set())
                ids.update(v for v in (change.old, change.new) if v is not None)
    names = {}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(pk__in=ids):
            label = _person(obj) if model is get_user_model() else str(obj)
            names[(model, obj.pk)] = label

    actions = {"+": "Created", "~": "Changed", "-": "Deleted"}
    entries = []
    for record, changes in pairs:
        entry = HistoryEntry(
            when=record.history_date,
            who=_person(record.history_user),
            action=actions.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "",
        )
        for change in changes:
            field_obj = Enquiry._meta.get_field(change.field)
            entry.changes.append(
                Change(
                    field=str(field_obj.verbose_name).capitalize(),
                    old=_display(change.old, field_obj, names),
                    new=_display(change.new, field_obj, names),
                )
            )
        entries.append(entry)
    return entries


def enquiry_access_log(*, enquiry: Enquiry, limit: int = 100):
    return PersonalDataAccess.objects.filter(enquiry=enquiry).select_related("viewer")[:limit]
