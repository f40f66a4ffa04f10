"""Writes of the received rollup: marking days dirty after a change, and refreshing them.

The rule that keeps reports exact (docs/reports.md, "Rollups"): a day without a
``RollupDirtyDay`` row has rollup rows equal to what its source rows give. Two halves:

- Every write that can move a day's received figures (an enquiry created or deleted; its
  received time, channel, topic, area or organisation changed; its organisation's type
  changed; its current assignment's team changed) bumps the day's dirty row *after* the
  write, in the write's transaction (``days_dirty``; casework.receivers calls it).
- ``day_refresh`` reads the day's version, recomputes its rows from the source, and deletes
  the dirty row only where the version is still the one it read. A write committed after
  that read bumped the version (or inserted the row anew), so the day stays dirty; a write
  committed before it is in the recomputed rows, which are read after it.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, FilteredRelation, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from casework.models import ReceivedDay, RollupDirtyDay
from casework.rollups.days import day_start, days_between
from enquiries.models import Enquiry

# The enquiry fields a received figure is grouped or filtered by.
ENQUIRY_FIELDS = frozenset(
    {
        "received_at",
        "channel",
        "topic",
        "topic_id",
        "local_authority",
        "local_authority_id",
        "organisation",
        "organisation_id",
    }
)
BATCH = 500
# pg_advisory_xact_lock(class, day): one refresh of a day at a time; the class is 'RLUP'.
LOCK_CLASS = 0x524C5550
CURRENT = Q(assignments__is_current=True)


def _upsert(using: str) -> str:
    table = connections[using].ops.quote_name(RollupDirtyDay._meta.db_table)
    return f"ON CONFLICT (day) DO UPDATE SET version = {table}.version + 1"


def days_dirty(*, days: Iterable[date], using: str = DEFAULT_DB_ALIAS) -> int:
    """Mark ``days`` dirty (insert, or add one to the version): call after the write that
    may have moved their figures, inside its transaction. In day order, so two writers
    lock the rows in the same order. Returns how many days."""
    ordered = sorted(set(days))
    connection = connections[using]
    table = connection.ops.quote_name(RollupDirtyDay._meta.db_table)
    for i in range(0, len(ordered), BATCH):
        chunk = [connection.ops.adapt_datefield_value(d) for d in ordered[i : i + BATCH]]
        values = ", ".join(["(%s, 1)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (day, version) VALUES {values} {_upsert(using)}",  # noqa: S608
                chunk,
            )
    return len(ordered)


def enquiries_dirty(*, pks: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Mark the days the enquiries ``pks`` were received on (as they are now) dirty: one
    ``INSERT … SELECT`` per 500 enquiries, the local dates computed in the database."""
    pks = list(pks)
    connection = connections[using]
    table = connection.ops.quote_name(RollupDirtyDay._meta.db_table)
    for i in range(0, len(pks), BATCH):
        days = (
            Enquiry.objects.using(using)
            .filter(pk__in=pks[i : i + BATCH])
            .order_by()
            .annotate(d=TruncDate("received_at", tzinfo=timezone.get_default_timezone()))
            .values_list("d")
            .distinct()
            .order_by("d")
        )
        sql, params = days.query.sql_with_params()
        with connection.cursor() as cursor:
            # "WHERE true": SQLite needs it to read ON CONFLICT after a SELECT.
            cursor.execute(
                f"INSERT INTO {table} (day, version) SELECT d, 1 FROM ({sql}) AS days "  # noqa: S608
                f"WHERE true {_upsert(using)}",
                params,
            )


def received_day_rows(day: date) -> list[ReceivedDay]:
    """The day's rows computed from the source: one GROUP BY over its enquiries (the team
    from the current assignment, of which there is at most one: a unique constraint)."""
    rows = (
        Enquiry.objects.filter(received_at__gte=day_start(day))
        .filter(received_at__lt=day_start(day + timedelta(days=1)))
        .order_by()
        .annotate(
            current=FilteredRelation("assignments", condition=Q(assignments__is_current=True))
        )
        .values_list(
            "channel",
            "topic_id",
            "local_authority_id",
            "organisation__org_type",
            "current__team_id",
        )
        .annotate(n=Count("pk"))
    )
    return [
        ReceivedDay(
            day=day,
            grain=ReceivedDay.Grain.FULL,
            channel=channel,
            topic_id=topic,
            area_id=area,
            enquirer_type=enquirer_type,
            team_id=team,
            count=n,
        )
        for channel, topic, area, enquirer_type, team, n in rows
    ]


# A one-dimension grain: the ReceivedDay field it keeps.
MARGINS = {
    ReceivedDay.Grain.CHANNEL: "channel",
    ReceivedDay.Grain.TOPIC: "topic_id",
    ReceivedDay.Grain.ENQUIRER_TYPE: "enquirer_type",
    ReceivedDay.Grain.AREA: "area_id",
}


def with_margins(day: date, full: list[ReceivedDay]) -> list[ReceivedDay]:
    """The full rows and, for each one-dimension grain, their sums by that dimension
    (a day's full rows are few enough to add here: at most one per enquiry)."""
    rows = list(full)
    for grain, field in MARGINS.items():
        sums: dict[object, int] = {}
        for row in full:
            value = getattr(row, field)
            sums[value] = sums.get(value, 0) + row.count
        rows += [
            ReceivedDay(day=day, grain=grain, count=n, **{field: value})
            for value, n in sums.items()
        ]
    return rows


def day_refresh(*, day: date) -> bool:
    """Recompute ``day``'s rows in one transaction; True if the day is clean afterwards
    (False: a write committed meanwhile, and the next refresh will take it)."""
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite: the transaction is the write lock
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, day.toordinal()]
                )
        version = RollupDirtyDay.objects.filter(day=day).values_list("version", flat=True).first()
        ReceivedDay.objects.filter(day=day).delete()
        rows = with_margins(day, received_day_rows(day))
        ReceivedDay.objects.bulk_create(rows, batch_size=BATCH)
        if version is None:
            return not RollupDirtyDay.objects.filter(day=day).exists()
        deleted, _ = RollupDirtyDay.objects.filter(day=day, version=version).delete()
        return bool(deleted)


def dirty_refresh(*, limit: int | None = None) -> tuple[int, int]:
    """Refresh the dirty days (oldest first, at most ``limit``): (refreshed, still dirty
    because written meanwhile)."""
    days = RollupDirtyDay.objects.order_by("day").values_list("day", flat=True)
    refreshed = left = 0
    for day in list(days[:limit] if limit else days):
        if day_refresh(day=day):
            refreshed += 1
        else:
            left += 1
    return refreshed, left


def days_rebuild(*, first: date, last: date) -> int:
    """Recompute every day from ``first`` to ``last`` (inclusive), dirty or not."""
    days = days_between(first, last)
    for day in days:
        day_refresh(day=day)
    return len(days)
