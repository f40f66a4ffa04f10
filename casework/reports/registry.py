"""The reports by name: title, builder, and whether advisers may see it."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError
from django.http import Http404

from casework import policies
from casework.reports.caseload import caseload_report
from casework.reports.demand import demand_report
from casework.reports.flow import flow_report
from casework.reports.impact import impact_report
from casework.reports.knowledge import knowledge_report
from casework.reports.params import ReportParams
from casework.reports.session import report_session
from casework.reports.source import ReadSource, after_replica_failure, report_source
from casework.reports.tables import Report
from config.replica import REPLICA, forget_replica_status

logger = logging.getLogger(__name__)


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


def build_report(
    name: str, params: ReportParams, *, user: policies.User, source: ReadSource | None = None
) -> Report:
    """The report, read from ``source`` (by default ``report_source()``: the replica
    when it is fit to read, else the primary); ``report.source`` says which. A replica
    that fails part way through is left for the primary, once.

    Raises ``ReportUnavailable`` when PostgreSQL is busy with other reports or this one
    runs too long (``casework.reports.session``)."""
    kind = report_kind(name)
    source = source or report_source()
    try:
        return _build(kind, params, user, source)
    except (OperationalError, InterfaceError) as error:
        if source.alias != REPLICA:
            raise
        logger.warning("report %s: the replica failed (%s)", name, type(error).__name__)
        forget_replica_status()
        return _build(kind, params, user, after_replica_failure(error))


def build_board(params: ReportParams, *, user: policies.User) -> list[Report]:
    """Every report, for the board report: all read from one source, chosen once (after a
    replica failure, the rest from the primary too)."""
    reports: list[Report] = []
    source = report_source()
    for name in REPORTS:
        reports.append(build_report(name, params, user=user, source=source))
        source = reports[-1].source or source
    return reports


def _build(
    kind: ReportKind, params: ReportParams, user: policies.User, source: ReadSource
) -> Report:
    with report_session(source.alias):
        report = kind.build(params, user=user)
    report.source = source
    return report
