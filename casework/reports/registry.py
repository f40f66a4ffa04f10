"""The reports by name: title, builder, and whether advisers may see it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404

from casework import policies
from casework.reports.caseload import caseload_report
from casework.reports.demand import demand_report
from casework.reports.flow import flow_report
from casework.reports.impact import impact_report
from casework.reports.knowledge import knowledge_report
from casework.reports.params import ReportParams
from casework.reports.session import report_session
from casework.reports.tables import Report


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: str
    summary: str
    build: Callable[..., Report]
    advisers_may_see: bool = False

    def allowed(self, user: policies.User) -> bool:
        if self.advisers_may_see:
            return policies.can_see_caseload_report(user)
        return policies.can_see_all_reports(user)


REPORTS = {
    kind.name: kind
    for kind in [
        ReportKind(
            "caseload",
            "Caseload now",
            "Who is overloaded, what is waiting, what is about to breach.",
            caseload_report,
            advisers_may_see=True,
        ),
        ReportKind(
            "flow",
            "Flow over the period",
            "What came in, how fast the desk responded and resolved, what was closed.",
            flow_report,
        ),
        ReportKind(
            "outcomes",
            "Outcomes and social value",
            "What the desk did and what groups achieved, by topic and area.",
            impact_report,
        ),
        ReportKind(
            "demand",
            "Demand insight",
            "Where enquiries grow fastest and where guidance is missing.",
            demand_report,
        ),
        ReportKind(
            "knowledge",
            "Guidance and knowledge gaps",
            "What is read, what people search for and do not find, what the form's "
            "suggestions answered, and what is due for review.",
            knowledge_report,
        ),
    ]
}


def report_kind(name: str) -> ReportKind:
    try:
        return REPORTS[name]
    except KeyError:
        raise Http404("No such report.") from None


def build_report(name: str, params: ReportParams, *, user: policies.User) -> Report:
    """Raises ``ReportUnavailable`` when PostgreSQL is busy with other reports or this one
    runs too long (``casework.reports.session``)."""
    kind = report_kind(name)
    with report_session():
        return kind.build(params, user=user)
