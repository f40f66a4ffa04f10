"""Feedback from groups, for the outcomes and social value report: surveys sent in the
period, how many were answered, and the score given (1 to 5), overall and by topic, team
and month; what groups say happened next (docs/feedback.md)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth

from casework import policies
from casework.models import Assignment, Team
from casework.reports import scope
from casework.reports.names import topic_names, topic_roots
from casework.reports.params import ReportParams
from casework.reports.tables import Table, percent
from enquiries.models import FeedbackRequest

COLUMNS = ["Surveys sent", "Answered", "Response rate (%)", "Average score (1 to 5)"]


def surveys_sent(params: ReportParams, *, user: policies.User | None) -> QuerySet[FeedbackRequest]:
    """Surveys emailed in the period, about the enquiries the report counts."""
    sent = FeedbackRequest.objects.filter(
        sent_at__gte=params.start, sent_at__lt=params.end
    ).order_by()
    sent = sent.filter(scope.enquiry_q(params, prefix="enquiry__"))
    if user is not None and not policies.can_see_all_reports(user):
        sent = sent.filter(enquiry__in=scope.enquiries(params, user=user).values("pk"))
    return sent


def _cells(sent: QuerySet[FeedbackRequest]) -> list[tuple[Any, ...]]:
    """One GROUP BY: (topic, team, month, sent, answered, sum of scores). The team is the
    one holding the enquiry (its current assignment's)."""
    team = Assignment.objects.filter(enquiry=OuterRef("enquiry_id"), is_current=True).values(
        "team_id"
    )[:1]
    return list(
        sent.annotate(team=Subquery(team), month=TruncMonth("sent_at"))
        .values_list("enquiry__topic", "team", "month")
        .annotate(
            n=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            scores=Sum("score"),
        )
    )


def _row(label: str, sent: int, answered: int, scores: int) -> list[Any]:
    average = round(scores / answered, 1) if answered else None
    return [label, sent, answered, percent(answered, sent), average]


def _grouped(cells: Iterable[tuple[Any, ...]], index: int, key: Any = None) -> dict[Any, list[int]]:
    sums: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for cell in cells:
        group = cell[index] if key is None else key(cell[index])
        total = sums[group]
        for i, value in enumerate(cell[3:]):
            total[i] += value or 0
    return sums


def feedback_tables(params: ReportParams, *, user: policies.User) -> list[Table]:
    sent = surveys_sent(params, user=user)
    cells = _cells(sent)
    total = [sum((c[3 + i] or 0) for c in cells) for i in range(3)]
    summary = Table(
        "feedback",
        "Feedback from groups",
        ["", *COLUMNS],
        description=(
            "Groups are asked whether we helped some days after their enquiry closes with an "
            "outcome (not when it closed for no response, out of scope, withdrawn or a "
            "duplicate). Surveys count by when they were sent; answers whenever they came."
        ),
    )
    summary.add(*_row("All surveys sent in the period", *total))

    roots = topic_roots()
    by_topic = _grouped(cells, 0, key=lambda topic: roots.get(topic, topic))
    names = topic_names(by_topic)
    topics = Table("feedback_topic", "Feedback by topic", ["Topic", *COLUMNS], chart="bars")
    topics.chart_value_column = 4
    for topic, figures in sorted(by_topic.items(), key=lambda item: -item[1][0]):
        topics.add(*_row(names.get(topic, ("No topic (not sure)", None))[0], *figures))

    by_team = _grouped(cells, 1)
    team_names = dict(
        Team.objects.filter(pk__in=[t for t in by_team if t]).values_list("pk", "name")
    )
    teams = Table("feedback_team", "Feedback by team", ["Team", *COLUMNS], chart="bars")
    teams.chart_value_column = 4
    for team, figures in sorted(by_team.items(), key=lambda item: -item[1][0]):
        teams.add(*_row(team_names.get(team, "No team"), *figures))

    by_month = _grouped(cells, 2, key=lambda moment: moment.date() if moment else None)
    months = Table("feedback_month", "Feedback by month sent", ["Month", *COLUMNS])
    for month, figures in sorted(by_month.items(), key=lambda item: item[0] or date.min):
        months.add(*_row(f"{month:%B %Y}" if month else "–", *figures))

    steps = dict(
        sent.filter(answered_at__isnull=False)
        .exclude(next_step="")
        .values_list("next_step")
        .annotate(n=Count("pk"))
    )
    happened = Table(
        "feedback_next",
        "What groups say happened next",
        ["Answer", "Groups"],
        description="From the groups' own answers (the advisers' outcome codes are above).",
        chart="bars",
    )
    for step in FeedbackRequest.NextStep:
        happened.add(step.label, steps.get(step.value, 0))
    return [summary, topics, teams, months, happened]
