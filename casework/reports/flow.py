"""Flow over a period: enquiries received by channel, topic, enquirer type and area per
day/week/month; first-response and resolution times; closures; service-level compliance."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, connections
from django.db.models import Aggregate, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from casework import policies
from casework.models import ReceivedDay, ServiceDay
from casework.reports import scope
from casework.reports.aggregates import (
    histogram_percentiles,
    percentile_aggregates,
    percentile_values,
    percentiles,
)
from casework.reports.names import area_names, topic_names, topic_roots
from casework.reports.params import ReportParams
from casework.reports.tables import Cell, Report, Table, percent, queue_link, received_link
from casework.rollups.selectors import Marks
from casework.rollups.services import service_values
from enquiries.models import Channel, EnquirerType, Enquiry, Status

AREA_ROWS = 25  # per-bucket rows for the areas with most enquiries; the rest summed
TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}

# {(dimension value, bucket start): enquiries}
BucketCounts = dict[tuple[Any, date], int]


def bucket_starts(params: ReportParams) -> list[date]:
    """Each bucket's first day, from the one holding the period's start to its end."""
    day = params.date_from
    if params.bucket == "week":
        day -= timedelta(days=day.weekday())
    elif params.bucket == "month":
        day = day.replace(day=1)
    starts = []
    while day <= params.date_to:
        starts.append(day)
        if params.bucket == "day":
            day += timedelta(days=1)
        elif params.bucket == "week":
            day += timedelta(days=7)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def bucket_span(params: ReportParams, starts: list[date], index: int) -> tuple[date, date]:
    """A bucket's dates clipped to the period (what its link lists)."""
    start = max(starts[index], params.date_from)
    end = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else params.date_to
    return start, min(end, params.date_to)


def bucket_label(params: ReportParams, start: date) -> str:
    if params.bucket == "month":
        return f"{start:%b %Y}"
    if params.bucket == "week":
        return f"w/c {start:%-d %b}"
    return f"{start:%-d %b}"


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _by_bucket(
    queryset: QuerySet[Any],
    params: ReportParams,
    field: str,
    dimension: str | None,
    measure: Aggregate | None = None,
) -> BucketCounts:
    """{(dimension value, bucket start): count}, one GROUP BY query. ``measure``: what a
    row counts for (``Sum("count")`` on rollup rows; by default one)."""
    bucket = TRUNC[params.bucket](field)
    columns = ["b", dimension] if dimension else ["b"]
    rows = queryset.annotate(b=bucket).values_list(*columns).annotate(n=measure or Count("pk"))
    if dimension:
        return {(value, _as_date(b)): n for b, value, n in rows}
    return {(None, _as_date(b)): n for b, n in rows}


def _dimension_table(
    params: ReportParams,
    starts: list[date],
    counts: BucketCounts,
    *,
    key: str,
    title: str,
    names: Mapping[Any, tuple[str, str | None]],
    link_param: str,
    chart: str,
    limit: int | None = None,
    none_link: dict[str, str] | None = None,
) -> Table:
    """``none_link``: the queue filters for the row of enquiries without a value, if any."""
    labels = [bucket_label(params, s) for s in starts]
    table = Table(key, title, [title.split(" by ")[-1].capitalize(), *labels, "Total"], chart=chart)
    totals: dict[Any, int] = {}
    for (value, _), n in counts.items():
        totals[value] = totals.get(value, 0) + n
    ordered = sorted(totals, key=lambda v: (-totals[v], str(names.get(v, ""))))
    rest = ordered[limit:] if limit else []
    for value in ordered[:limit] if limit else ordered:
        label, slug = names.get(value, ("Not given", None))
        extra: dict[str, Any] | None = (
            {link_param: slug} if slug else none_link if value is None else None
        )
        cells = []
        for i, start in enumerate(starts):
            first, last = bucket_span(params, starts, i)
            n = counts.get((value, start), 0)
            cells.append(Cell(n, received_link(params, first, last, **extra) if extra else ""))
        total_link = received_link(params, **extra) if extra else ""
        table.add(label, *cells, Cell(totals[value], total_link))
    if rest:
        table.add(
            f"All {len(rest)} other areas",
            *[sum(counts.get((value, start), 0) for value in rest) for start in starts],
            sum(totals[value] for value in rest),
        )
        table.description = (
            f"The {limit} areas with most enquiries, then the other {len(rest)} summed."
        )
    return table


# GROUPING(channel, root, org_type, la): a bit set for each column a row is not grouped by.
# ("root" is the enquiry's own topic until ``_roll_up_topics``.)
GROUPING_SET = {7: "channel", 11: "root", 13: "org_type", 14: "la"}


@dataclass(frozen=True)
class Columns:
    """Where a received figure's day and dimensions are, and what a row counts for: on
    enquiries (one each) and on rollup rows (``count`` each)."""

    day: str
    root: str
    org_type: str
    la: str
    weight: str | None = None


ENQUIRY_COLUMNS = Columns("received_at", "topic_id", "organisation__org_type", "local_authority_id")
ROLLUP_COLUMNS = Columns("day", "topic_id", "enquirer_type", "area_id", weight="count")


def received_counts(params: ReportParams, parts: scope.ReceivedParts) -> dict[str, BucketCounts]:
    """{dimension: {(value, bucket start): count}} for channel, top-level topic, enquirer
    type and area: the rollup part's and the source part's counts added (they never share
    a day, so nothing is counted twice)."""
    counts: dict[str, BucketCounts] = {name: {} for name in GROUPING_SET.values()}
    found = []
    if parts.rollup is not None:
        found.append(
            _grain_counts(params, parts.rollup)
            if parts.whole
            else _counts(params, parts.rollup, ROLLUP_COLUMNS)
        )
    if parts.source is not None:
        found.append(_counts(params, parts.source, ENQUIRY_COLUMNS))
    for part in found:
        for name, by_bucket in part.items():
            for key, n in by_bucket.items():
                counts[name][key] = counts[name].get(key, 0) + n
    counts["root"] = _roll_up_topics(counts["root"])
    return counts


# A one-dimension grain of the rollup: the figure it gives, and its column.
GRAINS = {
    ReceivedDay.Grain.CHANNEL: ("channel", 2),
    ReceivedDay.Grain.TOPIC: ("root", 3),
    ReceivedDay.Grain.ENQUIRER_TYPE: ("org_type", 4),
    ReceivedDay.Grain.AREA: ("la", 5),
}


def _grain_counts(params: ReportParams, rollup: QuerySet[ReceivedDay]) -> dict[str, BucketCounts]:
    """Without filters: every dimension's counts from its own grain, in one GROUP BY over
    a few rows a day (topics not yet rolled up)."""
    rows = (
        rollup.filter(grain__in=list(GRAINS))
        .annotate(b=TRUNC[params.bucket]("day"))
        .values_list("grain", "b", "channel", "topic_id", "enquirer_type", "area_id")
        .annotate(n=Sum("count"))
    )
    counts: dict[str, BucketCounts] = {name: {} for name, _ in GRAINS.values()}
    for row in rows:
        name, column = GRAINS[row[0]]
        counts[name][(row[column], _as_date(row[1]))] = row[6]
    return counts


def _counts(
    params: ReportParams, received: QuerySet[Any], columns: Columns
) -> dict[str, BucketCounts]:
    """The counts of one part (topics not yet rolled up). PostgreSQL: one scan,
    ``GROUPING SETS``; elsewhere one query each."""
    # Grouped by the topic itself, then summed into top-level topics: cheaper than
    # joining every enquiry to its topic, and exact (each enquiry has one topic).
    rows = received.annotate(
        b=TRUNC[params.bucket](columns.day),
        root=F(columns.root),
        org_type=F(columns.org_type),
        la=F(columns.la),
        w=F(columns.weight) if columns.weight else Value(1),
    )
    measure = Sum(columns.weight) if columns.weight else None
    if connection.vendor != "postgresql":
        return {
            "channel": _by_bucket(received, params, columns.day, "channel", measure),
            "root": _by_bucket(rows, params, columns.day, "root", measure),
            "org_type": _by_bucket(rows, params, columns.day, "org_type", measure),
            "la": _by_bucket(rows, params, columns.day, "la", measure),
        }
    sql, sql_params = rows.values_list(
        "b", "channel", "root", "org_type", "la", "w"
    ).query.sql_with_params()
    # The inner query is Django's, its values passed apart; its columns carry these aliases.
    total = "SUM(w)" if columns.weight else "COUNT(*)"
    grouped = f"""SELECT GROUPING(channel, root, org_type, la), b, channel, root, org_type, la,
        {total} FROM ({sql}) AS r
        GROUP BY GROUPING SETS ((b, channel), (b, root), (b, org_type), (b, la))"""  # noqa: S608
    counts: dict[str, BucketCounts] = {name: {} for name in GROUPING_SET.values()}
    with connections[rows.db].cursor() as cursor:  # the report's database
        cursor.execute(grouped, sql_params)
        for grouping, b, channel, root, org_type, la, n in cursor.fetchall():
            name = GROUPING_SET[grouping]
            value = {"channel": channel, "root": root, "org_type": org_type, "la": la}[name]
            counts[name][(value, _as_date(b))] = n
    return counts


def _roll_up_topics(counts: BucketCounts) -> BucketCounts:
    """{(topic, bucket): n} -> {(top-level topic, bucket): n}."""
    roots = topic_roots()
    rolled: BucketCounts = {}
    for (topic, b), n in counts.items():
        key = (roots.get(topic, topic), b)
        rolled[key] = rolled.get(key, 0) + n
    return rolled


def _received_tables(
    params: ReportParams, counts: dict[str, BucketCounts], starts: list[date]
) -> list[Table]:
    topic_counts, area_counts = counts["root"], counts["la"]
    common: dict[str, Any] = {"params": params, "starts": starts}
    channels: dict[str, tuple[str, str | None]] = {c.value: (c.label, c.value) for c in Channel}
    types: dict[str | None, tuple[str, str | None]] = {
        t.value: (t.label, t.value) for t in EnquirerType
    }
    types[None] = ("No organisation given", None)
    return [
        _dimension_table(
            counts=counts["channel"],
            key="received_channel",
            title="Enquiries received by channel",
            names=channels,
            link_param="channel",
            chart="buckets",
            **common,
        ),
        _dimension_table(
            counts=topic_counts,
            key="received_topic",
            title="Enquiries received by topic",
            names=topic_names({v for v, _ in topic_counts}),
            link_param="topic",
            chart="buckets",
            **common,
        ),
        _dimension_table(
            counts=counts["org_type"],
            key="received_enquirer_type",
            title="Enquiries received by enquirer type",
            names=types,
            link_param="enquirer_type",
            none_link={"individual": "true"},
            chart="buckets",
            **common,
        ),
        _dimension_table(
            counts=area_counts,
            key="received_area",
            title="Enquiries received by local authority area",
            names=area_names({v for v, _ in area_counts}),
            link_param="area",
            chart="",
            limit=AREA_ROWS,
            **common,
        ),
    ]


TIMED = [
    ("First response", "first_response_working_days", "first_response"),
    ("Resolution", "resolution_working_days", "resolution"),
]


def _compliance_counts(today: date) -> dict[str, Aggregate]:
    return {
        "n_response_due": Count(
            "pk",
            filter=Q(first_response_due__isnull=False)
            & (Q(first_response_at__isnull=False) | Q(first_response_due__lt=today)),
        ),
        "n_response_met": Count(
            "pk",
            filter=Q(
                first_response_due__isnull=False,
                first_response_at__date__lte=F("first_response_due"),
            ),
        ),
        "n_resolution_due": Count(
            "pk",
            filter=Q(resolution_due__isnull=False)
            & (Q(resolved_at__isnull=False) | Q(resolution_due__lt=today)),
        ),
        "n_resolution_met": Count(
            "pk",
            filter=Q(resolution_due__isnull=False, resolved_at__date__lte=F("resolution_due")),
        ),
    }


def received_figures(received: QuerySet[Enquiry]) -> dict[str, Any]:
    """The times (count, median, 90th percentile of each measure) and the compliance
    counts of the enquiries received, from the source rows (when the rollups cannot
    answer). PostgreSQL: one aggregate, one scan (``percentile_cont`` leaves out NULLs);
    elsewhere a few queries."""
    compliance = _compliance_counts(timezone.localdate())
    if connection.vendor != "postgresql":
        figures = received.aggregate(**compliance)
        for _, field, _ in TIMED:
            figures[field] = percentiles(received, field)
        return figures
    aggregates = dict(compliance)
    for _, field, _ in TIMED:
        aggregates.update(percentile_aggregates(field, prefix=f"{field}_"))
    row = received.aggregate(**aggregates)
    figures = {key: row[key] for key in compliance}
    for _, field, _ in TIMED:
        figures[field] = percentile_values(row, prefix=f"{field}_")
    return figures


# A service clock: the figures' names for it.
CLOCK_FIGURES = {
    ServiceDay.Clock.RESPONSE: ("response", "first_response_working_days"),
    ServiceDay.Clock.RESOLUTION: ("resolution", "resolution_working_days"),
}
DECIDED = {ServiceDay.State.MET, ServiceDay.State.MISSED}


def histogram_figures(rows: list[tuple[Any, ...]], today: date) -> dict[str, Any]:
    """``received_figures`` from service histogram rows (clock, working days, state, due
    date if open, enquiries): the compliance counts added up, the percentiles of the
    merged histograms (exact: ``histogram_percentiles``)."""
    figures: dict[str, Any] = {}
    histograms: dict[str, dict[int, int]] = {}
    for name, field in CLOCK_FIGURES.values():
        figures[f"n_{name}_due"] = figures[f"n_{name}_met"] = 0
        histograms[field] = {}
    for clock, working_days, state, due, n in rows:
        name, field = CLOCK_FIGURES[clock]
        if working_days is not None:
            histograms[field][working_days] = histograms[field].get(working_days, 0) + n
        if state in DECIDED or (state == ServiceDay.State.OPEN and due < today):
            figures[f"n_{name}_due"] += n
        if state == ServiceDay.State.MET:
            figures[f"n_{name}_met"] += n
    for field, histogram in histograms.items():
        figures[field] = histogram_percentiles(histogram)
    return figures


def service_figures(
    params: ReportParams, *, user: policies.User, marks: Marks | None = None
) -> dict[str, Any]:
    """``received_figures`` for the period: the clean days' ``ServiceDay`` histograms and
    the dirty days' enquiries grouped the same way (two queries whatever the period's
    length; ``marks``: the period's, if read already), or the source rows alone when the
    rollups cannot answer."""
    parts = scope.received_parts(
        params, params.date_from, params.date_to, user=user, model=ServiceDay, marks=marks
    )
    if parts.rollup is None:
        assert parts.source is not None  # noqa: S101 (no rollup part: every day is a source day)
        return received_figures(parts.source)
    rollup = parts.grain_rows(ServiceDay.Grain.ALL)
    assert rollup is not None  # noqa: S101
    rows = list(
        rollup.values_list("clock", "working_days", "state", "due").annotate(n=Sum("count"))
    )
    if parts.source is not None:
        rows += service_values(parts.source)
    return histogram_figures(rows, timezone.localdate())


def _times(params: ReportParams, figures: dict[str, Any]) -> Table:
    table = Table(
        "times",
        "Time to first response and to resolution (working days)",
        ["Measure", "Enquiries", "Median", "90th percentile"],
        description=(
            "Enquiries received in the period that have been responded to (or resolved), in "
            "working days with time waiting for the group left out."
        ),
    )
    for label, field, timed in TIMED:
        count, (median, p90) = figures[field]
        table.add(label, Cell(count, received_link(params, timed=timed)), median, p90)
    return table


def _closures(params: ReportParams, parts: scope.ReceivedParts, starts: list[date]) -> Table:
    counts: BucketCounts = {}
    found = []
    if parts.rollup is not None:
        found.append(_by_bucket(parts.rollup, params, "closed_on", None, Sum("count")))
    if parts.source is not None:
        found.append(_by_bucket(parts.source, params, "closed_at", None))
    for part in found:
        for key, n in part.items():
            counts[key] = counts.get(key, 0) + n
    labels = [bucket_label(params, s) for s in starts]
    table = Table(
        "closures",
        "Enquiries closed",
        ["", *labels, "Total"],
        description="Enquiries closed in the period, by when they were closed.",
        chart="buckets",
    )
    cells = []
    for i, start in enumerate(starts):
        first, last = bucket_span(params, starts, i)
        link = queue_link(
            params,
            status=Status.CLOSED,
            closed_after=first.isoformat(),
            closed_before=last.isoformat(),
        )
        cells.append(Cell(counts.get((None, start), 0), link))
    total = queue_link(
        params,
        status=Status.CLOSED,
        closed_after=params.date_from.isoformat(),
        closed_before=params.date_to.isoformat(),
    )
    table.add("Closed", *cells, Cell(sum(counts.values()), total))
    return table


def _compliance(params: ReportParams, figures: dict[str, Any]) -> Table:
    table = Table(
        "compliance",
        "Service-level compliance",
        ["Service level", "Decided", "Met", "% met"],
        description=(
            "Of the enquiries received in the period whose due date has passed or that were "
            "responded to (resolved), the share responded to (resolved) on or before the due date."
        ),
    )
    # The links: the queue's ``sla_result`` filter, met and missed making up "decided".
    for label, due, met, clock in [
        ("First response by its due date", "n_response_due", "n_response_met", "response"),
        ("Resolution by its due date", "n_resolution_due", "n_resolution_met", "resolution"),
    ]:
        decided = [f"{clock}_met", f"{clock}_missed"]
        table.add(
            label,
            Cell(figures[due], received_link(params, sla_result=decided)),
            Cell(figures[met], received_link(params, sla_result=f"{clock}_met")),
            percent(figures[met], figures[due]),
        )
    return table


def flow_report(params: ReportParams, *, user: policies.User) -> Report:
    starts = bucket_starts(params)
    parts = scope.received_parts(params, params.date_from, params.date_to, user=user, cuts=starts)
    tables = _received_tables(params, received_counts(params, parts), starts)
    figures = service_figures(params, user=user, marks=parts.marks)
    tables += [
        _times(params, figures),
        _closures(params, scope.closed_parts(params, user=user), starts),
        _compliance(params, figures),
    ]
    return Report("flow", "Flow over the period", params, tables, [f"Period: {params.describe()}."])
