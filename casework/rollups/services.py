"""Writes of the rollups (received, service clocks, closures, keyed by the day an enquiry
was received; outcomes, keyed by the day each was recorded): marking days dirty after a
change, and refreshing them.

The rule that keeps reports exact (docs/reports.md, "Rollups"): a day without a
``RollupDirtyDay`` row has rollup rows equal to what its source rows give. Two halves:

- Every write that can move a day's received figures (an enquiry created or deleted; its
  received time, channel, topic, area, organisation or secondary topics changed; its
  organisation's type changed; its current assignment's team changed) bumps the day's
  dirty row *after* the write, in the write's transaction (``days_dirty``;
  casework.receivers calls it). A write of an outcome, or of what its enquiry is
  grouped by, marks the days of every outcome of the enquiry (``outcomes_dirty``):
  their previous days may have moved.
- ``day_refresh`` reads the day's marks, recomputes its rows from the source, and deletes
  exactly the marks it read. A write committed after that read left a mark the refresh
  did not see, so the day stays dirty; a write
  committed before it is in the recomputed rows, which are read after it.

Month rows (``Span.MONTH``) keep the same rule one level up: a month without a
``RollupDirtyMonth`` whose days are all clean has month rows equal to the sum of its day
rows. ``day_refresh`` marks the day's month in its transaction; ``month_refresh`` sums
the days of an ended month and deletes the marks it read, under a lock that day refreshes
of the month take shared, so none commits between its read of the marks and its sums.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from casework.models import (
    AlsoAboutDay,
    Assignment,
    ClosedDay,
    Outcome,
    OutcomeDay,
    ReceivedDay,
    RollupDirtyDay,
    RollupDirtyMonth,
    ServiceDay,
    Span,
)
from casework.rollups.days import day_start, days_between, local_day, month_end
from enquiries.models import Enquiry

# The enquiry fields a rollup figure is grouped or filtered by, or counts.
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
        "first_response_at",
        "first_response_due",
        "first_response_working_days",
        "resolved_at",
        "resolution_due",
        "resolution_working_days",
        "closed_at",
        "assigned_to",
        "assigned_to_id",
    }
)
# The enquiry fields an outcome's rollup rows are grouped by (its team: ``Assignment``).
OUTCOME_ENQUIRY_FIELDS = frozenset(
    {"channel", "topic", "topic_id", "local_authority", "local_authority_id"}
    | {"organisation", "organisation_id", "assigned_to", "assigned_to_id"}
)
# The outcome fields its rollup rows count or are grouped by.
OUTCOME_FIELDS = frozenset({"enquiry", "enquiry_id", "code", "plan_stage", "recorded_at"})
BATCH = 500
MARKS = 20_000  # marks of one day cleared per refresh; any left keep the day dirty
# pg_advisory_xact_lock(class, day): one refresh of a day at a time; the class is 'RLUP'.
LOCK_CLASS = 0x524C5550
# (class, month's first day): taken shared by day refreshes, alone by the month's; 'RLUM'.
MONTH_LOCK_CLASS = 0x524C554D
# Fields summed into a month row as the month's first day when they fall in the month: an
# outcome's previous day inside the month says "not the first in any period holding the
# whole month" as well as its exact day would (``prev < date_from`` is false for both).
MONTH_COLLAPSED: dict[type[Any], tuple[str, ...]] = {
    OutcomeDay: ("prev_any_on", "prev_code_on", "prev_stage_on"),
}
CURRENT = Q(assignments__is_current=True)


def days_dirty(*, days: Iterable[date], using: str = DEFAULT_DB_ALIAS) -> int:
    """Mark ``days`` dirty: call after the write that may have moved their figures, inside
    its transaction. A mark is a new row, never an update of a shared one, so writers on
    the same day (every submission of the day) never wait for each other's commit: an
    upserted row per day was a lock every submission held until it committed (issue 12).
    Returns how many days."""
    ordered = sorted(set(days))
    RollupDirtyDay.objects.using(using).bulk_create(
        [RollupDirtyDay(day=day) for day in ordered], batch_size=BATCH
    )
    return len(ordered)


def _days_insert(days: QuerySet[Any], using: str) -> None:
    """Mark the days ``days`` (a query of local dates, column ``d``) in one
    ``INSERT … SELECT``."""
    sql, params = days.query.sql_with_params()
    connection = connections[using]
    table = connection.ops.quote_name(RollupDirtyDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day) SELECT d FROM ({sql}) AS days",  # noqa: S608
            params,
        )


def _local_days(rows: QuerySet[Any], field: str) -> QuerySet[Any]:
    tz = timezone.get_default_timezone()
    return rows.order_by().annotate(d=TruncDate(field, tzinfo=tz)).values_list("d").distinct()


def enquiries_dirty(*, pks: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Mark the days the enquiries ``pks`` were received on (as they are now) and the days
    of their outcomes dirty: one ``INSERT … SELECT … UNION`` per 500 enquiries, the local
    dates computed in the database."""
    pks = list(pks)
    for i in range(0, len(pks), BATCH):
        batch = pks[i : i + BATCH]
        received = Enquiry.objects.using(using).filter(pk__in=batch)
        outcomes = Outcome.objects.using(using).filter(enquiry_id__in=batch)
        days = (
            _local_days(received, "received_at")
            .union(_local_days(outcomes, "recorded_at"))
            .order_by()
        )
        _days_insert(days, using)


def outcomes_dirty(*, enquiry_pks: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Mark the days of every outcome of the enquiries ``enquiry_pks`` (a query per 500):
    a new, moved or deleted outcome, or an enquiry regrouped, moves their rows, the
    previous days of its other outcomes included."""
    pks = sorted(enquiry_pks)
    for i in range(0, len(pks), BATCH):
        outcomes = Outcome.objects.using(using).filter(enquiry_id__in=pks[i : i + BATCH])
        _days_insert(_local_days(outcomes, "recorded_at"), using)


def _received_on(day: date) -> QuerySet[Enquiry]:
    """The enquiries received on ``day``, with ``current``: the current assignment (at
    most one: a unique constraint), whose team is a dimension."""
    return (
        Enquiry.objects.filter(received_at__gte=day_start(day))
        .filter(received_at__lt=day_start(day + timedelta(days=1)))
        .order_by()
        .annotate(
            current=FilteredRelation("assignments", condition=Q(assignments__is_current=True))
        )
    )


# The dimensions, as enquiry lookups, in the order of DIMENSION_FIELDS (the rollups' columns).
DIMENSIONS = (
    "channel",
    "topic_id",
    "local_authority_id",
    "organisation__org_type",
    "current__team_id",
    "assigned_to_id",
)
DIMENSION_FIELDS = ("channel", "topic_id", "area_id", "enquirer_type", "team_id", "adviser_id")


def received_day_rows(day: date) -> list[ReceivedDay]:
    """The day's rows computed from the source: one GROUP BY over its enquiries."""
    rows = _received_on(day).values_list(*DIMENSIONS).annotate(n=Count("pk"))
    return [
        ReceivedDay(
            day=day,
            grain=ReceivedDay.Grain.FULL,
            count=n,
            **dict(zip(DIMENSION_FIELDS, dims, strict=True)),
        )
        for *dims, n in rows
    ]


# Each clock: (when it was done, its due date, how many working days it took).
CLOCKS = {
    ServiceDay.Clock.RESPONSE: (
        "first_response_at",
        "first_response_due",
        "first_response_working_days",
    ),
    ServiceDay.Clock.RESOLUTION: ("resolved_at", "resolution_due", "resolution_working_days"),
}


def service_values(
    enquiries: QuerySet[Enquiry], dimensions: tuple[str, ...] = ()
) -> list[tuple[Any, ...]]:
    """The service histogram of ``enquiries``: rows of (``dimensions``..., clock, working
    days, state, due date if open, enquiries), one GROUP BY per clock. "Met": done on a
    local date on or before the due date, as the flow report's compliance counts it.
    Also what a report reads for the days whose rollup is dirty."""
    found: list[tuple[Any, ...]] = []
    tz = timezone.get_default_timezone()
    for clock, (done, due, took) in CLOCKS.items():
        state = Case(
            When(**{f"{due}__isnull": True}, then=Value(ServiceDay.State.NONE.value)),
            When(**{f"{done}__isnull": True}, then=Value(ServiceDay.State.OPEN.value)),
            When(done_on__lte=F(due), then=Value(ServiceDay.State.MET.value)),
            default=Value(ServiceDay.State.MISSED.value),
        )
        open_due = Case(When(**{f"{done}__isnull": True}, then=F(due)), default=None)
        rows = (
            enquiries.exclude(**{f"{took}__isnull": True, f"{due}__isnull": True})
            .annotate(done_on=TruncDate(done, tzinfo=tz))
            .annotate(s=state, open_due=open_due, w=F(took))
            .values_list(*dimensions, "w", "s", "open_due")
            .annotate(n=Count("pk"))
        )
        found += [(*row[: len(dimensions)], clock.value, *row[len(dimensions) :]) for row in rows]
    return found


def service_day_rows(day: date) -> list[ServiceDay]:
    return [
        ServiceDay(
            day=day,
            grain=ServiceDay.Grain.FULL,
            clock=clock,
            working_days=working_days,
            state=state,
            due=due,
            count=n,
            **dict(zip(DIMENSION_FIELDS, dims, strict=True)),
        )
        for *dims, clock, working_days, state, due, n in service_values(
            _received_on(day), DIMENSIONS
        )
    ]


def closed_values(
    enquiries: QuerySet[Enquiry], dimensions: tuple[str, ...] = ()
) -> QuerySet[Enquiry, tuple[Any, ...]]:
    """Rows of (``dimensions``..., local date closed, enquiries) of the closed ones."""
    tz = timezone.get_default_timezone()
    return (
        enquiries.filter(closed_at__isnull=False)
        .annotate(closed_on=TruncDate("closed_at", tzinfo=tz))
        .values_list(*dimensions, "closed_on")
        .annotate(n=Count("pk"))
    )


def closed_day_rows(day: date) -> list[ClosedDay]:
    return [
        ClosedDay(
            day=day,
            grain=ServiceDay.Grain.FULL,
            closed_on=closed_on,
            count=n,
            **dict(zip(DIMENSION_FIELDS, dims, strict=True)),
        )
        for *dims, closed_on, n in closed_values(_received_on(day), DIMENSIONS)
    ]


def also_about_values(
    enquiries: QuerySet[Enquiry], dimensions: tuple[str, ...] = ()
) -> list[tuple[Any, ...]]:
    """Rows of (``dimensions``..., secondary topic ids as ``AlsoAboutDay.secondary``,
    enquiries) of those of ``enquiries`` with secondary topics: one query (a row per
    enquiry and secondary topic), the sets made here. Also what a report reads for the
    days whose rollup is dirty."""
    rows = enquiries.order_by().values_list("pk", *dimensions, "secondary_topics")
    sets: dict[int, tuple[tuple[Any, ...], list[int]]] = {}
    for pk, *dims, topic in rows:
        if topic is not None:
            sets.setdefault(pk, (tuple(dims), []))[1].append(topic)
    counts = Counter((*dims, ",".join(map(str, sorted(ids)))) for dims, ids in sets.values())
    return [(*key, n) for key, n in counts.items()]


def also_about_day_rows(day: date) -> list[AlsoAboutDay]:
    full = [
        AlsoAboutDay(
            day=day,
            grain=AlsoAboutDay.Grain.FULL,
            secondary=secondary,
            count=n,
            **dict(zip(DIMENSION_FIELDS, dims, strict=True)),
        )
        for *dims, secondary, n in also_about_values(_received_on(day), DIMENSIONS)
    ]
    sums: Counter[tuple[int | None, str]] = Counter()
    for row in full:
        sums[(row.topic_id, row.secondary)] += row.count
    return full + [
        AlsoAboutDay(
            day=day, grain=AlsoAboutDay.Grain.TOPIC, topic_id=topic, secondary=secondary, count=n
        )
        for (topic, secondary), n in sums.items()
    ]


# The dimensions of an outcome's rows: its enquiry's (DIMENSIONS), as outcome lookups.
OUTCOME_DIMENSIONS = (
    "enquiry__channel",
    "enquiry__topic_id",
    "enquiry__local_authority_id",
    "enquiry__organisation__org_type",
    "team_id",
    "enquiry__assigned_to_id",
)


def outcome_values(
    outcomes: QuerySet[Outcome], dimensions: tuple[str, ...] = ()
) -> list[tuple[Any, ...]]:
    """Rows of (``dimensions``..., local date recorded, code, plan stage, previous days:
    any, of the code, of the stage; outcomes) of ``outcomes``, the previous days found
    among every outcome of their enquiries (``OutcomeDay``). Two queries; the days and
    the counts are worked out here, from rows of a day or of a report's dirty days. Also
    what a report reads for the days whose rollup is dirty."""
    if "team_id" in dimensions:
        current = Assignment.objects.filter(enquiry=OuterRef("enquiry_id"), is_current=True)
        outcomes = outcomes.annotate(team_id=Subquery(current.values("team_id")[:1]))
    chosen = {pk: tuple(dims) for pk, *dims in outcomes.order_by().values_list("pk", *dimensions)}
    every = (
        Outcome.objects.using(outcomes.db)
        .filter(enquiry_id__in=outcomes.order_by().values("enquiry_id"))
        .order_by("enquiry_id", "recorded_at", "pk")
        .values_list("pk", "enquiry_id", "code", "plan_stage", "recorded_at")
    )
    counts: Counter[tuple[Any, ...]] = Counter()
    enquiry, last_any = None, None
    last_code: dict[str, date] = {}
    last_stage: dict[tuple[str, str], date] = {}
    for pk, enquiry_id, code, stage, recorded_at in every.iterator(chunk_size=2000):
        if enquiry_id != enquiry:
            enquiry, last_any, last_code, last_stage = enquiry_id, None, {}, {}
        on = local_day(recorded_at)
        if pk in chosen:
            prev_stage = last_stage.get((code, stage)) if stage else None
            counts[(*chosen[pk], on, code, stage, last_any, last_code.get(code), prev_stage)] += 1
        last_any, last_code[code] = on, on
        if stage:
            last_stage[(code, stage)] = on
    return [(*key, n) for key, n in counts.items()]


def outcome_day_rows(day: date) -> list[OutcomeDay]:
    recorded = Outcome.objects.filter(
        recorded_at__gte=day_start(day), recorded_at__lt=day_start(day + timedelta(days=1))
    )
    return [
        OutcomeDay(
            day=day,
            grain=OutcomeDay.Grain.FULL,
            code=code,
            plan_stage=stage,
            prev_any_on=prev_any,
            prev_code_on=prev_code,
            prev_stage_on=prev_stage,
            count=n,
            **dict(zip(DIMENSION_FIELDS, dims, strict=True)),
        )
        for *dims, _, code, stage, prev_any, prev_code, prev_stage, n in outcome_values(
            recorded, OUTCOME_DIMENSIONS
        )
    ]


# An outcome grain without dimensions but one: the fields it keeps.
OUTCOME_GRAINS = {
    OutcomeDay.Grain.CODE: ("code", "plan_stage", "prev_code_on", "prev_stage_on"),
    OutcomeDay.Grain.TOPIC: ("topic_id", "code", "prev_any_on"),
    OutcomeDay.Grain.AREA: ("area_id", "code", "prev_any_on"),
}


def outcome_totals(day: date, full: list[OutcomeDay]) -> list[OutcomeDay]:
    """The full rows and their sums by each other grain's fields."""
    rows = list(full)
    for grain, fields in OUTCOME_GRAINS.items():
        sums: Counter[tuple[Any, ...]] = Counter()
        for row in full:
            sums[tuple(getattr(row, field) for field in fields)] += row.count
        rows += [
            OutcomeDay(day=day, grain=grain, count=n, **dict(zip(fields, key, strict=True)))
            for key, n in sums.items()
        ]
    return rows


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


def service_totals(day: date, full: list[ServiceDay]) -> list[ServiceDay]:
    """The full rows and their sums without dimensions (grain ``all``)."""
    sums: dict[tuple[Any, ...], int] = {}
    for row in full:
        key = (row.clock, row.working_days, row.state, row.due)
        sums[key] = sums.get(key, 0) + row.count
    return full + [
        ServiceDay(
            day=day,
            grain=ServiceDay.Grain.ALL,
            clock=clock,
            working_days=working_days,
            state=state,
            due=due,
            count=n,
        )
        for (clock, working_days, state, due), n in sums.items()
    ]


def closed_totals(day: date, full: list[ClosedDay]) -> list[ClosedDay]:
    sums: dict[date, int] = {}
    for row in full:
        sums[row.closed_on] = sums.get(row.closed_on, 0) + row.count
    return full + [
        ClosedDay(day=day, grain=ServiceDay.Grain.ALL, closed_on=closed_on, count=n)
        for closed_on, n in sums.items()
    ]


# Each rollup, and its rows of a day as the source gives them (``day_refresh``).
DAY_ROWS: dict[type[Any], Callable[[date], list[Any]]] = {
    ReceivedDay: lambda day: with_margins(day, received_day_rows(day)),
    ServiceDay: lambda day: service_totals(day, service_day_rows(day)),
    ClosedDay: lambda day: closed_totals(day, closed_day_rows(day)),
    AlsoAboutDay: lambda day: also_about_day_rows(day),
    OutcomeDay: lambda day: outcome_totals(day, outcome_day_rows(day)),
}
ROLLUPS = tuple(DAY_ROWS)


def _lock(function: str, key: tuple[int, date]) -> None:
    """A PostgreSQL advisory lock until the transaction ends (SQLite: the transaction is
    the write lock)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [key[0], key[1].toordinal()])


def day_refresh(*, day: date) -> bool:
    """Recompute ``day``'s rows in one transaction, and mark its month; True if the day
    is clean afterwards (False: a write committed meanwhile, and the next refresh will
    take it)."""
    month = day.replace(day=1)
    with transaction.atomic():
        _lock("pg_advisory_xact_lock", (LOCK_CLASS, day))
        _lock("pg_advisory_xact_lock_shared", (MONTH_LOCK_CLASS, month))
        # The marks committed before the recompute reads the source: their writes are in
        # it. Only these are deleted; one committed later (even with a smaller id: ids are
        # taken at insert, not at commit) stays, and the day with it.
        seen = list(RollupDirtyDay.objects.filter(day=day).values_list("pk", flat=True)[:MARKS])
        for model, rows in DAY_ROWS.items():
            model.objects.filter(day=day, span=Span.DAY).delete()
            model.objects.bulk_create(rows(day), batch_size=BATCH)
        for i in range(0, len(seen), BATCH):
            RollupDirtyDay.objects.filter(pk__in=seen[i : i + BATCH]).delete()
        # One mark is enough (the month under way would gather one a refresh); the shared
        # lock keeps a month refresh from deleting it between this read and the commit.
        if not RollupDirtyMonth.objects.filter(month=month).exists():
            RollupDirtyMonth.objects.create(month=month)
        return not RollupDirtyDay.objects.filter(day=day).exists()


def _month_rows_insert(model: type[Any], month: date) -> None:
    """Insert ``model``'s month rows of ``month``: its day rows summed by every other
    column (``MONTH_COLLAPSED`` ones first folded), in one ``INSERT … SELECT``."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f.name not in ("id", "day", "span", "count")]
    collapsed = MONTH_COLLAPSED.get(model, ())
    folded = {
        f"m_{name}": Case(When(**{f"{name}__gte": month}, then=Value(month)), default=F(name))
        for name in collapsed
    }
    names = [f"m_{f.name}" if f.name in collapsed else f.name for f in fields]
    rows = (
        model._default_manager.filter(span=Span.DAY, day__gte=month, day__lte=month_end(month))
        .order_by()
        .annotate(m_day=Value(month, DateField()), m_span=Value(Span.MONTH.value), **folded)
        .values_list("m_day", "m_span", *names)
        .annotate(m_count=Sum("count"))
    )
    sql, params = rows.query.sql_with_params()
    connection = connections[DEFAULT_DB_ALIAS]
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(name).column)
        for name in ("day", "span", *[f.name for f in fields], "count")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) {sql}",  # noqa: S608
            params,
        )


def month_refresh(*, month: date) -> bool:
    """Replace ``month``'s month rows by the sum of its day rows, in one transaction;
    True if the month is clean afterwards. A month with a dirty day keeps its mark
    (its day rows are not final) and is left as it is: False."""
    with transaction.atomic():
        _lock("pg_advisory_xact_lock", (MONTH_LOCK_CLASS, month))
        if RollupDirtyDay.objects.filter(day__gte=month, day__lte=month_end(month)).exists():
            return False
        seen = list(
            RollupDirtyMonth.objects.filter(month=month).values_list("pk", flat=True)[:MARKS]
        )
        for model in ROLLUPS:
            model.objects.filter(span=Span.MONTH, day=month).delete()
            _month_rows_insert(model, month)
        RollupDirtyMonth.objects.filter(pk__in=seen).delete()
        return not RollupDirtyMonth.objects.filter(month=month).exists()


def months_refresh() -> int:
    """Sum the marked months that are over (the month under way keeps its mark: its
    rows would be summed again at every refresh of today); how many are clean now."""
    this_month = local_day(timezone.now()).replace(day=1)
    months = (
        RollupDirtyMonth.objects.filter(month__lt=this_month)
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )
    return sum(month_refresh(month=month) for month in list(months))


def dirty_refresh(*, limit: int | None = None) -> tuple[int, int]:
    """Refresh the dirty days (oldest first, at most ``limit``), then the months that
    need it: (days refreshed, days still dirty because written meanwhile)."""
    days = RollupDirtyDay.objects.order_by("day").values_list("day", flat=True).distinct()
    refreshed = left = 0
    for day in list(days[:limit] if limit else days):
        if day_refresh(day=day):
            refreshed += 1
        else:
            left += 1
    months_refresh()
    return refreshed, left


def days_rebuild(*, first: date, last: date) -> int:
    """Recompute every day from ``first`` to ``last`` (inclusive), dirty or not, then
    their months."""
    days = days_between(first, last)
    for day in days:
        day_refresh(day=day)
    months_refresh()
    return len(days)
