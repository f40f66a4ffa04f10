"""Demand insight: the topics and areas where enquiries grow fastest (this period against
the equal period before it), the topics enquiries are also about (their secondary topics),
and the topics with many enquiries but few published guidance articles
(``knowledgebase.Article``, filed under the topic or its sub-topics)."""

from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from casework import policies
from casework.models import AlsoAboutDay, ReceivedDay
from casework.reports import scope
from casework.reports.names import Names, area_names, topic_names, topic_roots
from casework.reports.params import ReportParams
from casework.reports.tables import Cell, Report, Table, received_link
from knowledgebase.models import Article

MIN_VOLUME = 10  # enquiries in the two periods together, so that 1 -> 3 is not "+200%"
GUIDANCE_PER_ARTICLE = 25  # enquiries per published article above which guidance is "few"

# group id (topic, area) -> (enquiries this period, in the period before)
Counts = dict[int | None, tuple[int, int]]


# The column a growth table groups by: on enquiries, on rollup rows.
GROUPS = {
    "topic": ("topic_id", "topic_id", ReceivedDay.Grain.TOPIC),
    "area": ("local_authority_id", "area_id", ReceivedDay.Grain.AREA),
}


def _both_periods(params: ReportParams, user: policies.User) -> scope.ReceivedParts:
    """The enquiries received in the period and the equal one before it."""
    return scope.received_parts(
        params, params.previous().date_from, params.date_to, user=user, cuts=[params.date_from]
    )


def _growth_counts(params: ReportParams, parts: scope.ReceivedParts, group: str) -> Counts:
    """{group id: (this period, the one before)}: the rollup part's and the source part's
    counts added (they never share a day)."""
    enquiry_column, rollup_column, grain = GROUPS[group]
    rollup = parts.grain_rows(grain)
    counts: Counts = {}
    queries: list[QuerySet[Any, tuple[Any, ...]]] = []
    if parts.source is not None:
        queries.append(
            parts.source.annotate(g=F(enquiry_column))
            .values_list("g")
            .annotate(
                now=Count("pk", filter=Q(received_at__gte=params.start)),
                before=Count("pk", filter=Q(received_at__lt=params.start)),
            )
        )
    if rollup is not None:
        queries.append(
            rollup.annotate(g=F(rollup_column))
            .values_list("g")
            .annotate(
                now=Coalesce(Sum("count", filter=Q(day__gte=params.date_from)), 0),
                before=Coalesce(Sum("count", filter=Q(day__lt=params.date_from)), 0),
            )
        )
    for rows in queries:
        for g, now, before in rows:
            total = counts.get(g, (0, 0))
            counts[g] = (total[0] + now, total[1] + before)
    return counts


def _topic_growth_counts(
    params: ReportParams, parts: scope.ReceivedParts, roots: dict[int | None, int]
) -> Counts:
    """By top-level topic: grouped by the topic itself, then summed into its parent here
    (cheaper than joining every enquiry to its topic; exact: one topic per enquiry)."""
    counts: Counts = {}
    for topic, (now, before) in _growth_counts(params, parts, "topic").items():
        root = roots.get(topic, topic)
        total = counts.get(root, (0, 0))
        counts[root] = (total[0] + now, total[1] + before)
    return counts


def _also_about_counts(
    params: ReportParams, parts: scope.ReceivedParts, roots: dict[int | None, int]
) -> Counts:
    """By top-level topic: the enquiries with a secondary topic under it whose topic is
    elsewhere, this period and the one before (``parts``: of both, from
    ``AlsoAboutDay``). Each enquiry once per top-level topic (two secondary topics under
    one count once), and never under its own topic's top level: those are in the topic
    figures already. The queue's ``also_about`` filter lists them."""
    counts: Counts = {}

    def add(root: int | None, now: int, before: int) -> None:
        total = counts.get(root, (0, 0))
        counts[root] = (total[0] + now, total[1] + before)

    if parts.source is not None:
        rows = (
            parts.source.annotate(
                root=Coalesce("secondary_topics__parent_id", "secondary_topics__id"),
                primary_root=Coalesce("topic__parent_id", "topic_id"),
            )
            .filter(root__isnull=False)
            .filter(
                Q(primary_root__isnull=True)
                | Q(primary_root__lt=F("root"))
                | Q(primary_root__gt=F("root"))
            )
            .values_list("root")
            .annotate(
                now=Count("pk", distinct=True, filter=Q(received_at__gte=params.start)),
                before=Count("pk", distinct=True, filter=Q(received_at__lt=params.start)),
            )
        )
        for root, now, before in rows:
            add(root, now, before)
    rollup = parts.grain_rows(AlsoAboutDay.Grain.TOPIC)
    if rollup is not None:
        rows = rollup.values_list("topic_id", "secondary").annotate(
            now=Coalesce(Sum("count", filter=Q(day__gte=params.date_from)), 0),
            before=Coalesce(Sum("count", filter=Q(day__lt=params.date_from)), 0),
        )
        for topic, secondary, now, before in rows:
            own = roots.get(topic, topic) if topic is not None else None
            for root in {roots.get(int(t), int(t)) for t in secondary.split(",")} - {own}:
                add(root, now, before)
    return counts


def _also_about_table(params: ReportParams, counts: Counts, names: Names) -> Table:
    previous = params.previous()
    table = Table(
        "also_about",
        "Also about: secondary topics",
        ["Topic", "This period", "Previous period"],
        description=(
            "Enquiries with a secondary topic under the topic while their own topic is "
            "elsewhere (advisers add secondary topics at triage). Each enquiry is counted "
            "once per topic, and never under its own topic: these are not in the topic "
            f"figures above. This period {params.describe()}, previous {previous.describe()}."
        ),
        chart="bars",
        chart_value_column=1,
    )
    ordered = sorted(counts.items(), key=lambda r: (-r[1][0], -r[1][1], names[r[0]][0]))
    for root, (now, before) in ordered:
        label, slug = names[root]
        table.add(
            label,
            Cell(now, received_link(params, also_about=slug)),
            Cell(
                before, received_link(params, previous.date_from, previous.date_to, also_about=slug)
            ),
        )
    return table


def change_percent(now: int, before: int) -> float | None:
    return round(100 * (now - before) / before, 1) if before else None


def _growth_table(
    params: ReportParams,
    counts: Counts,
    names: Names,
    *,
    key: str,
    title: str,
    column: str,
    link_param: str,
) -> Table:
    previous = params.previous()
    table = Table(
        key,
        title,
        [column, "This period", "Previous period", "Change", "% change"],
        description=(
            f"This period {params.describe()} against {previous.describe()}; only rows with "
            f"at least {MIN_VOLUME} enquiries in the two together. New means none before."
        ),
        chart="bars",
        chart_value_column=1,
    )
    rows = [
        (g, now, before)
        for g, (now, before) in counts.items()
        if g is not None and now + before >= MIN_VOLUME
    ]
    rows.sort(
        key=lambda r: (
            change_percent(r[1], r[2]) is not None,
            -(change_percent(r[1], r[2]) or 0),
            -r[1],
            names[r[0]][0],  # ties by name, whichever order the counts came in
        )
    )
    for g, now, before in rows:
        label, slug = names[g]
        link: dict[str, Any] = {link_param: slug}
        pct = change_percent(now, before)
        table.add(
            label,
            Cell(now, received_link(params, **link)),
            Cell(before, received_link(params, previous.date_from, previous.date_to, **link)),
            now - before,
            "New" if pct is None else pct,
        )
    return table


def _guidance_table(params: ReportParams, topic_counts: Counts, names: Names) -> Table:
    articles = dict(
        Article.objects.filter(status=Article.Status.PUBLISHED, topics__isnull=False)
        .annotate(root=Coalesce("topics__parent_id", "topics__id"))
        .order_by()
        .values_list("root")
        .annotate(n=Count("pk", distinct=True))
    )
    table = Table(
        "guidance_gaps",
        "Topics with many enquiries and few guidance articles",
        [
            "Topic",
            "Enquiries this period",
            "Published articles",
            "Enquiries per article",
            "Guidance",
        ],
        description=(
            "Published guidance articles filed under the topic or its sub-topics. Few: none, "
            f"or more than {GUIDANCE_PER_ARTICLE} enquiries per article."
        ),
        chart="bars",
    )
    rows = []
    for g, (now, _) in topic_counts.items():
        if g is None or not now:
            continue
        count = articles.get(g, 0)
        rows.append((g, now, count, round(now / count, 1) if count else None))
    rows.sort(key=lambda r: (r[3] is not None, -(r[3] or r[1]), -r[1], names[r[0]][0]))
    for g, now, count, per in rows:
        label, slug = names[g]
        few = per is None or per > GUIDANCE_PER_ARTICLE  # None: no article
        table.add(
            label,
            Cell(now, received_link(params, topic=slug)),
            count,
            per,
            ("Few" if few else "Enough") + (" (none)" if count == 0 else ""),
        )
    return table


def guidance_gaps_table(params: ReportParams, *, user: policies.User) -> Table:
    """The topics with many enquiries and few articles, on their own (the knowledge report)."""
    topic_counts = _topic_growth_counts(params, _both_periods(params, user), topic_roots())
    return _guidance_table(params, topic_counts, topic_names(topic_counts))


def demand_report(params: ReportParams, *, user: policies.User) -> Report:
    parts = _both_periods(params, user)
    roots = topic_roots()
    topic_counts = _topic_growth_counts(params, parts, roots)
    also_parts = scope.received_parts(
        params,
        params.previous().date_from,
        params.date_to,
        user=user,
        model=AlsoAboutDay,
        marks=parts.marks,
        cuts=[params.date_from],
    )
    also_counts = _also_about_counts(params, also_parts, roots)
    area_counts = _growth_counts(params, parts, "area")
    topics = topic_names([*topic_counts, *also_counts])
    areas = area_names(area_counts)
    return Report(
        "demand",
        "Demand insight",
        params,
        [
            _growth_table(
                params,
                topic_counts,
                topics,
                key="growth_topic",
                title="Fastest-growing topics",
                column="Topic",
                link_param="topic",
            ),
            _also_about_table(params, also_counts, topics),
            _growth_table(
                params,
                area_counts,
                areas,
                key="growth_area",
                title="Fastest-growing areas",
                column="Local authority area",
                link_param="area",
            ),
            _guidance_table(params, topic_counts, topics),
        ],
        [f"Period: {params.describe()}."],
    )
