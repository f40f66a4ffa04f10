"""Days as the rollups count them: local dates in ``TIME_ZONE`` (the reports' periods are
whole local days), whatever time zone a request has activated. Pure, no database."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def local_day(moment: datetime) -> date:
    """The local date (``TIME_ZONE``) of an aware moment."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def day_start(day: date) -> datetime:
    """The day's first moment (local midnight), aware."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, in order: [1, 2, 3, 5] -> [(1, 3), (5, 5)]."""
    found: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if found and found[-1][1] + timedelta(days=1) == day:
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def month_end(month: date) -> date:
    """The last day of the month holding ``month``."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
