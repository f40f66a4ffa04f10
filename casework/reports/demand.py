"""Demand insight: the topics and areas where enquiries grow fastest (this period against
the equal period before it), and the topics with many enquiries but little published
guidance. There is no guidance-article model yet: the measure of published guidance is
the number of active letter templates for the topic (``knowledgebase.LetterTemplate``)."""

from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from casework import policies
from casework.reports import scope
from casework.reports.names import Names, area_names, topic_names, topic_roots
from casework.reports.params import ReportParams
from casework.reports.tables import Cell, Report, Table, received_link
from knowledgebase.models import LetterTemplate

MIN_VOLUME = 10  # enquiries in the two periods together, so that 1 -> 3 is not "+200%"
GUIDANCE_PER_TEMPLATE = 25  # enquiries per active template above which guidance is "little"

# group id (topic, area) -> (enquiries this period, in the period before)
Counts = dict[int | None, tuple[int, int]]


def _growth_counts(params: ReportParams, user: policies.User, group: F) -> Counts:
    previous = params.previous()
    both = scope.enquiries(params, user=user).filter(
        received_at__gte=previous.start, received_at__lt=params.end
    )
    rows = (
        both.annotate(g=group)
        .values_list("g")
        .annotate(
            now=Count("pk", filter=Q(received_at__gte=params.start)),
            before=Count("pk", filter=Q(received_at__lt=params.start)),
        )
    )
    return {g: (now, before) for g, now, before in rows}


def _topic_growth_counts(params: ReportParams, user: policies.User) -> Counts:
    """By top-level topic: grouped by the topic itself, then summed into its parent here
    (cheaper than joining every enquiry to its topic; exact: one topic per enquiry)."""
    roots = topic_roots()
    counts: Counts = {}
    for topic, (now, before) in _growth_counts(params, user, F("topic_id")).items():
        root = roots.get(topic, topic)
        total = counts.get(root, (0, 0))
        counts[root] = (total[0] + now, total[1] + before)
    return counts


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
    templates = dict(
        LetterTemplate.objects.filter(is_active=True, topic__isnull=False)
        .annotate(root=Coalesce("topic__parent_id", "topic_id"))
        .order_by()
        .values_list("root")
        .annotate(n=Count("pk"))
    )
    table = Table(
        "guidance_gaps",
        "Topics with many enquiries and little published guidance",
        [
            "Topic",
            "Enquiries this period",
            "Active letter templates",
            "Enquiries per template",
            "Guidance",
        ],
        description=(
            "Published guidance is measured by the active letter templates for the topic and its "
            "sub-topics (there is no guidance article library yet). Little: no template, or more "
            f"than {GUIDANCE_PER_TEMPLATE} enquiries per template."
        ),
        chart="bars",
    )
    rows = []
    for g, (now, _) in topic_counts.items():
        if g is None or not now:
            continue
        count = templates.get(g, 0)
        rows.append((g, now, count, round(now / count, 1) if count else None))
    rows.sort(key=lambda r: (r[3] is not None, -(r[3] or r[1]), -r[1]))
    for g, now, count, per in rows:
        label, slug = names[g]
        little = per is None or per > GUIDANCE_PER_TEMPLATE  # None: no template
        table.add(
            label,
            Cell(now, received_link(params, topic=slug)),
            count,
            per,
            ("Little" if little else "Enough") + (" (none)" if count == 0 else ""),
        )
    return table


def demand_report(params: ReportParams, *, user: policies.User) -> Report:
    topic_counts = _topic_growth_counts(params, user)
    area_counts = _growth_counts(params, user, F("local_authority_id"))
    topics = topic_names(topic_counts)
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
