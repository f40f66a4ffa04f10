"""Reads of the rollups. A report reads rollup rows for the clean days of its
period (a whole clean month's month rows, where its figures do not split the month) and
the source rows for the dirty days (``received_parts``), so that every day's figure is
exact: each day from exactly one of the three."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import BooleanField, Model, Q, QuerySet, Value
from django.utils import timezone

from casework.models import RollupDirtyDay, RollupDirtyMonth, Span
from casework.rollups.days import day_start, month_end, runs


@dataclass(frozen=True)
class Marks:
    """What is stale over some days: ``days`` whose rollup rows may be (in order), and
    the first days of ``months`` whose month rows may be."""

    days: list[date]
    months: frozenset[date] = frozenset()

    @property
    def stale_months(self) -> frozenset[date]:
        """The first days of the months whose month rows cannot be read: marked, or
        holding a dirty day."""
        return self.months | {day.replace(day=1) for day in self.days}

    def clean_months(self, first: date, last: date, cuts: Iterable[date] = ()) -> list[date]:
        """The first days of the months wholly from ``first`` to ``last`` whose month
        rows can be read: not stale, and no ``cuts`` (days a figure splits the period at:
        a bucket's or a period's first day) after their first day."""
        stale, cuts = self.stale_months, list(cuts)
        found = []
        month = first if first.day == 1 else month_end(first) + timedelta(days=1)
        while (end := month_end(month)) <= last:
            if month not in stale and not any(month < cut <= end for cut in cuts):
                found.append(month)
            month = end + timedelta(days=1)
        return found


def marks(first: date | None = None, last: date | None = None) -> Marks:
    """The marks from ``first`` to ``last`` (default: ever), in one query."""
    days = RollupDirtyDay.objects.all()
    months = RollupDirtyMonth.objects.all()
    if first is not None:
        days, months = days.filter(day__gte=first), months.filter(month__gte=first)
    if last is not None:
        days, months = days.filter(day__lte=last), months.filter(month__lte=last)
    rows = (
        days.order_by()
        .annotate(is_month=Value(False, BooleanField()))
        .values_list("day", "is_month")
        .union(
            months.order_by()
            .annotate(is_month=Value(True, BooleanField()))
            .values_list("month", "is_month")
        )
    )
    found = list(rows)
    return Marks(
        sorted(day for day, is_month in found if not is_month),
        frozenset(day for day, is_month in found if is_month),
    )


def month_ranges_q(months: Iterable[date]) -> Q:
    """Rows whose ``day`` falls in one of ``months`` (first days): a range per run."""
    spans: list[tuple[date, date]] = []
    for month in sorted(months):
        if spans and spans[-1][1] + timedelta(days=1) == month:
            spans[-1] = (spans[-1][0], month_end(month))
        else:
            spans.append((month, month_end(month)))
    q = Q(pk__in=[])
    for first, last in spans:
        q |= Q(day__gte=first, day__lte=last)
    return q


def received_rows(
    model: type[Model],
    first: date,
    last: date,
    *,
    marks: Marks,
    cuts: Iterable[date] = (),
) -> QuerySet[Any]:
    """The rows of rollup ``model`` of the days from ``first`` to ``last`` but the dirty
    ones: month rows for the whole clean months not split by ``cuts`` (weekly or daily
    buckets split every month), day rows for the other days."""
    rows = model._default_manager.filter(span=Span.DAY, day__gte=first, day__lte=last)
    if marks.days:
        rows = rows.exclude(day__in=marks.days)
    months = marks.clean_months(first, last, cuts)
    if months:
        rows = rows.exclude(month_ranges_q(months)) | model._default_manager.filter(
            span=Span.MONTH, day__in=months
        )
    return rows.order_by()


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
