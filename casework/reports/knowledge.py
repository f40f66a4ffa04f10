"""The knowledge report: which guidance is read, what people searched for and did not
find, how often the form's suggestions answered a question, where articles are few for
the demand, and which articles are past their review date. Counts only: none of these
tables holds personal data (``knowledgebase.search.terms``)."""

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from casework import policies
from casework.reports.demand import guidance_gaps_table
from casework.reports.params import ReportParams
from casework.reports.tables import Cell, Report, Table
from knowledgebase.models import Article, DeflectionDay, SearchTermDay

TOP = 20


def _in_period(params: ReportParams) -> Q:
    return Q(day__gte=params.date_from, day__lte=params.date_to)


def _most_read(params: ReportParams) -> Table:
    table = Table(
        "most_read",
        "Most-read articles",
        ["Article", "Reads"],
        description=f"Pages read on /guidance/ in the period; the top {TOP}.",
        chart="bars",
    )
    rows = (
        Article.objects.annotate(
            period_reads=Sum(
                "reads__reads",
                filter=Q(reads__day__gte=params.date_from, reads__day__lte=params.date_to),
            )
        )
        .filter(period_reads__gt=0)
        .order_by("-period_reads", "title")
        .values_list("title", "slug", "period_reads")[:TOP]
    )
    for title, slug, reads in rows:
        table.add(Cell(title, reverse("guidance:article", args=[slug])), reads)
    return table


def _search_gaps(params: ReportParams) -> Table:
    table = Table(
        "search_gaps",
        "Searches that found nothing",
        ["Search", "Where", "Searches", "With no result"],
        description=(
            f"The top {TOP} searches with no result in the period, on the guidance site and "
            "the desk. Email addresses, phone numbers, postcodes and other numbers are "
            "removed before a search is counted."
        ),
    )
    scopes = dict(SearchTermDay._meta.get_field("scope").choices or [])
    rows = (
        SearchTermDay.objects.filter(_in_period(params))
        .values_list("term", "scope")
        .annotate(searches=Sum("searches"), nothing=Sum("empty"))
        .filter(nothing__gt=0)
        .order_by("-nothing", "term")[:TOP]
    )
    for term, scope, searches, nothing in rows:
        table.add(term, scopes.get(scope, scope), searches, nothing)
    return table


def _deflections(params: ReportParams) -> Table:
    table = Table(
        "deflections",
        "Suggestions on the enquiry form",
        ["Topic", "Answered by guidance", "Asked anyway", "% answered"],
        description=(
            "When the form offered articles before sending: how often the group said the "
            "guidance answered its question (no enquiry sent), and how often it asked anyway."
        ),
        chart="bars",
    )
    rows = (
        DeflectionDay.objects.filter(_in_period(params))
        .values_list("topic__name")
        .annotate(
            answered=Sum("count", filter=Q(outcome=DeflectionDay.Outcome.ANSWERED), default=0),
            asked=Sum("count", filter=Q(outcome=DeflectionDay.Outcome.ASKED), default=0),
        )
        .order_by("-answered", "topic__name")
    )
    for topic, answered, asked in rows:
        total = answered + asked
        share = round(100 * answered / total, 1) if total else None
        table.add(topic or "Not sure", answered, asked, share)
    return table


def _review_due() -> Table:
    today = timezone.localdate()
    table = Table(
        "review_due",
        "Articles past their review date",
        ["Article", "State", "Last reviewed", "Review due"],
        description="Published articles whose review date has passed, oldest first.",
    )
    rows = (
        Article.objects.filter(status=Article.Status.PUBLISHED, review_due__lt=today)
        .order_by("review_due", "title")
        .values_list("pk", "title", "status", "last_reviewed", "review_due")
    )
    for pk, title, status, reviewed, due in rows:
        href = reverse("casework:guidance_edit", args=[pk])
        table.add(Cell(title, href), status, str(reviewed or ""), str(due))
    return table


def knowledge_report(params: ReportParams, *, user: policies.User) -> Report:
    return Report(
        "knowledge",
        "Guidance and knowledge gaps",
        params,
        [
            _most_read(params),
            _search_gaps(params),
            _deflections(params),
            guidance_gaps_table(params, user=user),
            _review_due(),
        ],
        [f"Period: {params.describe()}."],
    )
