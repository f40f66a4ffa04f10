"""Outcomes and social value over a period: outcomes by code, topic and area; assets
listed, bids made, assets brought into community ownership, neighbourhood plan stages;
groups supported per area; repeat enquirers; feedback from groups (``feedback``)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, connections
from django.db.models import Count, Q, QuerySet, Sum

from casework import policies
from casework.models import Outcome, OutcomeDay
from casework.outcomes import RESULT_CODES, OutcomeCode, PlanStage
from casework.reports import scope
from casework.reports.feedback import feedback_tables
from casework.reports.names import Names, area_names, topic_names, topic_roots
from casework.reports.params import ReportParams
from casework.reports.tables import Cell, Report, Table, queue_link, received_link
from casework.rollups import selectors as rollups
from casework.rollups import services as rollups_services
from enquiries.models import Enquiry, Organisation

REPEAT_LIMIT = 25

# The social-value figures funders ask for, from the result codes (DOMAIN.md, "Outcomes").
SOCIAL_VALUE = [
    (OutcomeCode.NOMINATION_MADE, "Nominations of assets of community value made"),
    (OutcomeCode.ASSET_LISTED, "Assets listed as assets of community value"),
    (OutcomeCode.REQUEST_TO_BID, "Bids made (written requests to be treated as a bidder)"),
    (OutcomeCode.EOI_SUBMITTED, "Expressions of interest submitted"),
    (OutcomeCode.ASSET_TRANSFERRED, "Assets brought into community ownership"),
    (OutcomeCode.PLAN_MADE, "Neighbourhood plans made"),
    (OutcomeCode.RIGHT_NOT_USED, "Rights not used"),
]


def outcomes_in_period(params: ReportParams, *, user: policies.User | None) -> QuerySet[Outcome]:
    outcomes = Outcome.objects.filter(
        recorded_at__gte=params.start, recorded_at__lt=params.end
    ).order_by()
    outcomes = outcomes.filter(scope.enquiry_q(params, prefix="enquiry__"))
    if user is not None and not policies.can_see_all_reports(user):
        outcomes = outcomes.filter(enquiry__in=scope.enquiries(params, user=user).values("pk"))
    return outcomes


def _outcome_link(params: ReportParams, **extra: Any) -> str:
    return queue_link(
        params,
        any_status=True,
        outcome_after=params.date_from.isoformat(),
        outcome_before=params.date_to.isoformat(),
        **extra,
    )


@dataclass
class OutcomeFigures:
    """The outcome figures of a period: by code (outcomes, enquiries), enquiries reaching
    each plan stage, and by top-level topic ("root") and area ("la") [outcomes, results,
    enquiries]. Enquiries are distinct within each figure."""

    by_code: dict[str, list[int]] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    groups: dict[str, dict[int | None, list[int]]] = field(
        default_factory=lambda: {"root": {}, "la": {}}
    )

    def add_code(self, code: str, n: int, e: int) -> None:
        total = self.by_code.setdefault(code, [0, 0])
        total[0] += n
        total[1] += e

    def add_stage(self, stage: str, e: int) -> None:
        self.stages[stage] = self.stages.get(stage, 0) + e

    def add_group(self, name: str, group: int | None, n: int, results: int, e: int) -> None:
        total = self.groups[name].setdefault(group, [0, 0, 0])
        for i, value in enumerate((n, results, e)):
            total[i] += value

    def group_rows(self, name: str) -> list[tuple[Any, ...]]:
        """Rows of (group, outcomes, results, enquiries), most outcomes first."""
        return sorted(
            ((group, *total) for group, total in self.groups[name].items() if total[0]),
            key=lambda row: (-row[1], row[0] is None, row[0] or 0),
        )


def source_figures(outcomes: QuerySet[Outcome]) -> OutcomeFigures:
    """The figures from the outcome rows themselves (three GROUP BYs)."""
    figures = OutcomeFigures()
    for code, n, e in outcomes.values_list("code").annotate(
        n=Count("pk"), e=Count("enquiry", distinct=True)
    ):
        figures.add_code(code, n, e)
    figures.stages = dict(
        outcomes.filter(code=OutcomeCode.PLAN_STAGE_REACHED)
        .values_list("plan_stage")
        .annotate(e=Count("enquiry", distinct=True))
    )
    # One GROUP BY over (topic, area) cells, summed here into topics' roots and into
    # areas. The sums are exact, enquiries included: an enquiry has one topic and one
    # area, so all its outcomes fall in one cell. (At 1M enquiries this is a fifth faster
    # than ``GROUPING SETS`` with the topic joined, docs/performance.md.)
    cells = outcomes.values_list("enquiry__topic", "enquiry__local_authority").annotate(
        n=Count("pk"),
        results=Count("pk", filter=Q(code__in=RESULT_CODES)),
        e=Count("enquiry", distinct=True),
    )
    roots = topic_roots()
    for topic, la, *values in cells:
        figures.add_group("root", roots.get(topic, topic), *values)
        figures.add_group("la", la, *values)
    return figures


def _first_in(since: date, field_name: str) -> Q:
    """Outcome rows that are the first of their kind in a period from ``since``: their
    enquiry's previous one (of the code, the stage, or any) is before it, or none."""
    return Q(**{f"{field_name}__isnull": True}) | Q(**{f"{field_name}__lt": since})


def rollup_figures(params: ReportParams, q: Q) -> OutcomeFigures:
    """The figures from ``OutcomeDay`` rows for the period's clean days (grain ``full``
    filtered by ``q``; without filters, the code, topic and area grains), in one GROUP BY,
    and from the outcome rows of its dirty days (``outcome_values``): each day from
    exactly one of the two."""
    since = params.date_from
    marks = rollups.marks(params.date_from, params.date_to)
    dirty = marks.days
    rows = rollups.received_rows(OutcomeDay, params.date_from, params.date_to, marks=marks)
    if q:
        rows = rows.filter(grain=OutcomeDay.Grain.FULL).filter(q)
    else:
        rows = rows.exclude(grain=OutcomeDay.Grain.FULL)
    sums = rows.values_list("grain", "code", "plan_stage", "topic_id", "area_id").annotate(
        n=Sum("count"),
        by_code=Sum("count", filter=_first_in(since, "prev_code_on")),
        by_stage=Sum("count", filter=_first_in(since, "prev_stage_on")),
        by_any=Sum("count", filter=_first_in(since, "prev_any_on")),
    )
    figures = OutcomeFigures()
    roots = topic_roots()
    for grain, code, stage, topic, la, n, by_code, by_stage, by_any in sums:
        if grain in (OutcomeDay.Grain.FULL, OutcomeDay.Grain.CODE):
            figures.add_code(code, n, by_code or 0)
            if code == OutcomeCode.PLAN_STAGE_REACHED and by_stage:
                figures.add_stage(stage, by_stage)
        results = n if code in RESULT_CODES else 0
        if grain in (OutcomeDay.Grain.FULL, OutcomeDay.Grain.TOPIC):
            figures.add_group("root", roots.get(topic, topic), n, results, by_any or 0)
        if grain in (OutcomeDay.Grain.FULL, OutcomeDay.Grain.AREA):
            figures.add_group("la", la, n, results, by_any or 0)
    if dirty:
        _add_dirty_days(figures, params, dirty, roots)
    return figures


def _add_dirty_days(
    figures: OutcomeFigures,
    params: ReportParams,
    dirty: list[date],
    roots: dict[int | None, int],
) -> None:
    """The dirty days' outcomes, counted as ``rollup_figures`` counts rows (``_first_in``
    done here, on the previous days ``outcome_values`` works out)."""
    since = params.date_from

    def first(previous: date | None) -> bool:
        return previous is None or previous < since

    outcomes = outcomes_in_period(params, user=None).filter(rollups.moment_q("recorded_at", dirty))
    dimensions = ("enquiry__topic_id", "enquiry__local_authority_id")
    for (
        topic,
        la,
        _,
        code,
        stage,
        prev_any,
        prev_code,
        prev_stage,
        n,
    ) in rollups_services.outcome_values(outcomes, dimensions):
        figures.add_code(code, n, n if first(prev_code) else 0)
        if code == OutcomeCode.PLAN_STAGE_REACHED and first(prev_stage):
            figures.add_stage(stage, n)
        results, enquiries = (n if code in RESULT_CODES else 0), (n if first(prev_any) else 0)
        figures.add_group("root", roots.get(topic, topic), n, results, enquiries)
        figures.add_group("la", la, n, results, enquiries)


def outcome_figures(params: ReportParams, *, user: policies.User) -> OutcomeFigures:
    q = scope.rollup_q(params, user=user)
    if q is None:  # an adviser's own view, or another time zone's days: the source rows
        return source_figures(outcomes_in_period(params, user=user))
    return rollup_figures(params, q)


def _by_code(params: ReportParams, figures: OutcomeFigures) -> Table:
    table = Table(
        "outcomes_code",
        "Outcomes by code",
        ["Outcome", "Outcomes recorded", "Enquiries"],
        description="Outcomes recorded in the period; an enquiry may have several.",
        chart="bars",
    )
    for code in OutcomeCode:
        n, e = figures.by_code.get(code.value, (0, 0))
        if n:
            table.add(code.label, n, Cell(e, _outcome_link(params, outcome=code.value)))
    return table


def _by_group(
    params: ReportParams,
    rows: list[tuple[Any, ...]],
    *,
    key: str,
    title: str,
    column: str,
    names_for: Callable[[Iterable[int | None]], Names],
    link_param: str,
) -> Table:
    names = names_for({g for g, *_ in rows})
    table = Table(
        key,
        title,
        [column, "Outcomes recorded", "Of which results", "Enquiries"],
        chart="bars",
    )
    for g, n, results, e in rows:
        label, slug = names.get(g, ("Not given", None))
        link = _outcome_link(params, **{link_param: slug}) if slug else ""
        table.add(label, n, results, Cell(e, link))
    return table


def _social_value(params: ReportParams, figures: OutcomeFigures) -> tuple[Table, Table]:
    value = Table(
        "social_value",
        "Social value: what groups achieved",
        ["Result", "Enquiries"],
        description="Enquiries with each result recorded in the period.",
        chart="bars",
    )
    for code, label in SOCIAL_VALUE:
        value.add(
            label,
            Cell(
                figures.by_code.get(code.value, (0, 0))[1],
                _outcome_link(params, outcome=code.value),
            ),
        )
    plans = Table(
        "plan_stages",
        "Neighbourhood plans reaching each stage",
        ["Stage", "Enquiries"],
        chart="bars",
    )
    for stage in PlanStage:
        link = _outcome_link(
            params, outcome=OutcomeCode.PLAN_STAGE_REACHED.value, plan_stage=stage.value
        )
        plans.add(stage.label, Cell(figures.stages.get(stage.value, 0), link))
    return value, plans


def organisation_rows(
    received: QuerySet[Enquiry],
) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
    """Groups' enquiries received: per area (area, groups, enquiries), most groups first,
    and per repeat group {organisation: enquiries} for those with 2 or more. PostgreSQL:
    one scan (per area and organisation, then ``GROUPING SETS``); elsewhere two queries."""
    by_group = received.filter(organisation__isnull=False)
    if connection.vendor != "postgresql":
        areas = list(
            by_group.values_list("local_authority")
            .annotate(groups=Count("organisation", distinct=True), n=Count("pk"))
            .order_by("-groups", "local_authority")
        )
        repeat = dict(by_group.values_list("organisation").annotate(n=Count("pk")).filter(n__gte=2))
        return areas, repeat
    pairs = by_group.values_list("local_authority", "organisation").annotate(n=Count("pk"))
    sql, sql_params = pairs.query.sql_with_params()
    # The inner query is Django's, its values passed apart. GROUPING(la, org) is 1 on the
    # per-area rows and 2 on the per-organisation rows, where only repeat groups are kept.
    grouped = f"""SELECT GROUPING(la, org), la, org, COUNT(*), SUM(n)::bigint
        FROM ({sql}) AS r (la, org, n) GROUP BY GROUPING SETS ((la), (org))
        HAVING GROUPING(la, org) = 1 OR SUM(n) >= 2"""  # noqa: S608
    areas, repeat = [], {}
    with connections[pairs.db].cursor() as cursor:  # the report's database
        cursor.execute(grouped, sql_params)
        for grouping, la, org, count, n in cursor.fetchall():
            if grouping == 1:
                areas.append((la, count, n))
            else:
                repeat[org] = n
    areas.sort(key=lambda row: (-row[1], row[0] is None, row[0] or 0))
    return areas, repeat


def _groups_per_area(params: ReportParams, rows: list[tuple[Any, ...]]) -> Table:
    names = area_names({a for a, *_ in rows})
    table = Table(
        "groups_area",
        "Groups supported per area",
        ["Local authority area", "Groups", "Enquiries"],
        description=(
            "Organisations with an enquiry received in the period, by the enquiry's area, and "
            "their enquiries (enquiries from individuals are not counted)."
        ),
        chart="bars",
    )
    for area, groups, n in rows:
        label, slug = names.get(area, ("No area given", None))
        link = received_link(params, area=slug, individual="false") if slug else ""
        table.add(label, groups, Cell(n, link))
    return table


def _repeat_enquirers(
    params: ReportParams, received: QuerySet[Enquiry], repeat: dict[int, int]
) -> Table:
    individuals = received.filter(organisation__isnull=True).values("contact")
    figures = {
        "groups": len(repeat),
        "individuals": individuals.annotate(n=Count("pk")).filter(n__gte=2).count(),
    }
    # ORDER BY n DESC, name LIMIT 25, exactly (names in the database's collation): the
    # groups above the 25th's count all belong; the rest come from those tied with it,
    # by name, in the database.
    most = sorted(repeat.values(), reverse=True)
    cutoff = most[REPEAT_LIMIT - 1] if len(most) > REPEAT_LIMIT else 0
    above = [org for org, n in repeat.items() if n > cutoff]
    tied = [org for org, n in repeat.items() if n == cutoff]
    chosen = Organisation.objects.order_by("name", "pk").values_list("pk", "name")
    named = list(chosen.filter(pk__in=above))
    if tied:
        named += chosen.filter(pk__in=tied)[: REPEAT_LIMIT - len(above)]
    top = sorted(named, key=lambda row: -repeat[row[0]])[:REPEAT_LIMIT]  # stable: by name
    table = Table(
        "repeat_enquirers",
        "Repeat enquirers (2 or more enquiries in the period)",
        ["Group", "Enquiries"],
        description=(
            f"{figures['groups']} groups and {figures['individuals']} individuals (contacts with "
            f"no organisation; not named here) made 2 or more enquiries. The {REPEAT_LIMIT} "
            "groups with most are listed."
        ),
    )
    for organisation, name in top:
        n = repeat[organisation]
        table.add(name, Cell(n, received_link(params, organisation=organisation)))
    return table


def impact_report(params: ReportParams, *, user: policies.User) -> Report:
    figures = outcome_figures(params, user=user)
    received = scope.received(params, user=user)
    by_code = _by_code(params, figures)
    areas, repeat = organisation_rows(received)
    value, plans = _social_value(params, figures)
    tables = [
        value,
        plans,
        by_code,
        _by_group(
            params,
            figures.group_rows("root"),
            key="outcomes_topic",
            title="Outcomes by topic",
            column="Topic",
            names_for=topic_names,
            link_param="topic",
        ),
        _by_group(
            params,
            figures.group_rows("la"),
            key="outcomes_area",
            title="Outcomes by local authority area",
            column="Local authority area",
            names_for=area_names,
            link_param="area",
        ),
        _groups_per_area(params, areas),
        _repeat_enquirers(params, received, repeat),
        *feedback_tables(params, user=user),
    ]
    return Report(
        "outcomes",
        "Outcomes and social value",
        params,
        tables,
        [f"Period: {params.describe()}. Outcomes count by when they were recorded."],
    )
