"""Report pages: parse the shared filter form, build one report, respond (HTML, CSV, PDF).

Anonymous users sign in; signed-in people without a desk role, and advisers asking for a
manager's report, get 403. Bad filters re-render the page with a linked error summary and
a 400, showing the report for the default period underneath. A board report that is too
wide (columns) or too large to print is a page saying so (400, 413), never a 500; so is a
report that must wait too long for its turn or runs too long on PostgreSQL (503).
"""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from casework import policies
from casework.desk.pdf import RenderError, RenderRefused
from casework.desk.views import manager_required
from casework.reports import pdf
from casework.reports.charts import alt_text, chart_data_uri
from casework.reports.export import table_csv
from casework.reports.html import table_html
from casework.reports.params import ReportFilterForm, ReportParams, default_params
from casework.reports.registry import REPORTS, build_board, build_report, report_kind
from casework.reports.session import ReportUnavailable
from casework.reports.tables import Report
from config.http import no_store

logger = logging.getLogger(__name__)


def _params(request: HttpRequest) -> tuple[ReportFilterForm, ReportParams, bool]:
    form = ReportFilterForm(request.GET or None)
    if request.GET and form.is_valid():
        return form, form.params(), True
    return form, default_params(), not request.GET


def _allowed(request: HttpRequest, name: str) -> None:
    if not report_kind(name).allowed(request.user):
        raise PermissionDenied


@require_safe
@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    if not policies.can_see_caseload_report(request.user):
        raise PermissionDenied
    kinds = [kind for kind in REPORTS.values() if kind.allowed(request.user)]
    context = {"kinds": kinds, "can_print": policies.can_see_all_reports(request.user)}
    return no_store(render(request, "casework/reports/index.html", context))


@require_safe
@login_required
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    _allowed(request, name)
    if request.GET.get("format") == "csv":
        return report_csv(request, name, request.GET.get("table", ""))
    form, params, valid = _params(request)
    try:
        report = build_report(name, params, user=request.user)
    except ReportUnavailable as error:
        return _unavailable(request, error, what=f"{report_kind(name).title.lower()} report")
    tables = [
        {"table": t, "chart": chart_data_uri(t), "alt": alt_text(t), "html": table_html(t)}
        for t in report.tables
    ]
    context = {
        "report": report,
        "tables": tables,
        "form": form,
        "kinds": [k for k in REPORTS.values() if k.allowed(request.user)],
        "current": name,
        "query": _query(request),
        "invalid": not valid,
        "can_print": policies.can_see_all_reports(request.user),
        "board_too_wide": pdf.board_too_wide(params),
    }
    status = 200 if valid else 400
    return no_store(render(request, "casework/reports/report.html", context, status=status))


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for key in ("format", "table"):
        query.pop(key, None)
    return query.urlencode()


@require_safe
@login_required
def report_csv(request: HttpRequest, name: str, table: str) -> HttpResponse:
    _allowed(request, name)
    form, params, valid = _params(request)
    if not valid:
        return HttpResponse(
            "The report filters are not valid.", status=400, content_type="text/plain"
        )
    try:
        report = build_report(name, params, user=request.user)
    except ReportUnavailable as error:
        return _unavailable(request, error, what="table", plain=True)
    try:
        chosen = report.table(table)
    except StopIteration:
        return HttpResponse("No such table in this report.", status=404, content_type="text/plain")
    response = HttpResponse(table_csv(chosen), content_type="text/csv; charset=utf-8")
    _say_source(response, report)
    filename = f"{name}-{slugify(chosen.key)}-{params.date_from}-{params.date_to}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)


@require_safe
@manager_required
def board_pdf(request: HttpRequest) -> HttpResponse:
    """The board report: every manager report for the chosen period, as one PDF."""
    form, params, valid = _params(request)
    if not valid:
        return _board_error(request, "The report filters are not valid.", status=400, form=form)
    if problem := pdf.board_too_wide(params):
        return _board_error(request, problem, status=400)
    try:
        reports = build_board(params, user=request.user)
    except ReportUnavailable as error:
        return _unavailable(request, error, what="board report")
    try:
        body = pdf.board_report_pdf(reports, params)
    except RenderError as error:
        logger.warning("board report refused by the renderer's limits: %s", error)
        message = (
            "The board report for this period is too large to print: choose a shorter "
            "period or a wider bucket (week or month)."
        )
        return _board_error(request, message, status=413)
    except RenderRefused:
        logger.exception("board report asked the renderer to fetch something")
        message = "The board report could not be made. This has been logged."
        return _board_error(request, message, status=500)
    response = HttpResponse(body, content_type="application/pdf")
    _say_source(response, reports[-1])
    response["Content-Disposition"] = (
        f'attachment; filename="board-report-{params.date_from}-{params.date_to}.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)


def _say_source(response: HttpResponse, report: Report) -> None:
    """Which database the figures came from, and as of when (``ReadSource.headers``)."""
    if report.source is not None:
        for header, value in report.source.headers().items():
            response[header] = value


def _unavailable(
    request: HttpRequest, error: ReportUnavailable, *, what: str, plain: bool = False
) -> HttpResponse:
    """503: PostgreSQL is busy with other reports, or this one ran too long."""
    logger.warning("report not made: %s (%s)", what, error.message)
    if plain:
        response = HttpResponse(error.message, status=503, content_type="text/plain")
    else:
        context = {
            "message": error.message,
            "what": what,
            "retry_url": request.get_full_path(),
            "back": (request.resolver_match.kwargs if request.resolver_match else {}).get(
                "name", "flow"
            ),
            "query": _query(request),
            "kinds": [k for k in REPORTS.values() if k.allowed(request.user)],
        }
        response = render(request, "casework/reports/board_error.html", context, status=503)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return no_store(response)


def _board_error(
    request: HttpRequest, message: str, *, status: int, form: ReportFilterForm | None = None
) -> HttpResponse:
    """The board report could not be made: say why, with a way back to the report."""
    context = {
        "message": message,
        "form": form,
        "query": _query(request),
        "kinds": [k for k in REPORTS.values() if k.allowed(request.user)],
    }
    return no_store(render(request, "casework/reports/board_error.html", context, status=status))
