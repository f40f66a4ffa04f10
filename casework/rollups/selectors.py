"""Reads of the received rollup. A report reads rollup rows for the clean days of its
period and the source rows for the dirty ones (``received_parts``), so that every day's
figure is exact: each day from exactly one of the two."""

from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from casework.models import ReceivedDay, RollupDirtyDay
from casework.rollups.days import day_start, runs


def dirty_days(first: date, last: date) -> list[date]:
    """The days from ``first`` to ``last`` whose rollup may be stale."""
    return list(
        RollupDirtyDay.objects.filter(day__gte=first, day__lte=last)
        .order_by("day")
        .values_list("day", flat=True)
        .distinct()
    )


def received_rows(first: date, last: date, *, dirty: list[date]) -> QuerySet[ReceivedDay]:
    """The rollup rows of the days from ``first`` to ``last`` but the ``dirty`` ones."""
    rows = ReceivedDay.objects.filter(day__gte=first, day__lte=last).order_by()
    return rows.exclude(day__in=dirty) if dirty else rows


def received_at_q(days: list[date]) -> Q:
    """Enquiries received on one of ``days`` (local dates): a range per run of days."""
    q = Q(pk__in=[])
    for first, last in runs(days):
        q |= Q(received_at__gte=day_start(first), received_at__lt=day_start(last + timedelta(1)))
    return q


def readable() -> bool:
    """Whether periods of the active time zone's days are the rollup's days (they are
    unless something activated another time zone than ``TIME_ZONE``)."""
    return timezone.get_current_timezone_name() == timezone.get_default_timezone_name()
