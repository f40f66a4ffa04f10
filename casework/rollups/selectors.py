"""Reads of the rollups. A report reads rollup rows for the clean days of its
period and the source rows for the dirty ones (``received_parts``), so that every day's
figure is exact: each day from exactly one of the two."""

from datetime import date, timedelta
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from casework.models import RollupDirtyDay
from casework.rollups.days import day_start, runs


def dirty_days(first: date | None = None, last: date | None = None) -> list[date]:
    """The days from ``first`` to ``last`` (default: ever) whose rollups may be stale."""
    marks = RollupDirtyDay.objects.all()
    if first is not None:
        marks = marks.filter(day__gte=first)
    if last is not None:
        marks = marks.filter(day__lte=last)
    return list(marks.order_by("day").values_list("day", flat=True).distinct())


def received_rows(
    model: type[Model], first: date, last: date, *, dirty: list[date]
) -> QuerySet[Any]:
    """The rows of rollup ``model`` of the days from ``first`` to ``last`` but the
    ``dirty`` ones."""
    rows = model._default_manager.filter(day__gte=first, day__lte=last).order_by()
    return rows.exclude(day__in=dirty) if dirty else rows


def moment_q(field: str, days: list[date]) -> Q:
    """Rows whose ``field`` (a moment) falls on one of ``days`` (local dates): a range per
    run of days."""
    q = Q(pk__in=[])
    for first, last in runs(days):
        q |= Q(
            **{f"{field}__gte": day_start(first), f"{field}__lt": day_start(last + timedelta(1))}
        )
    return q


def received_at_q(days: list[date]) -> Q:
    """Enquiries received on one of ``days`` (local dates)."""
    return moment_q("received_at", days)


def readable() -> bool:
    """Whether periods of the active time zone's days are the rollup's days (they are
    unless something activated another time zone than ``TIME_ZONE``)."""
    return timezone.get_current_timezone_name() == timezone.get_default_timezone_name()
