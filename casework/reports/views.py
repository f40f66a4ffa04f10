"""Report pages: parse the shared filter form, build one report, respond (HTML, CSV, PDF).

Anonymous users sign in; signed-in people without a desk role, and advisers asking for a
manager's report, get 403. Bad filters re-render the page with a linked error summary and
a 400, showing the report for the default period underneath.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from casework import policies
from casework.reports import pdf
from casework.reports.charts import alt_text, chart_data_uri
from casework.reports.export import table_csv
from casework.reports.html import table_html
from casework.reports.params import ReportFilterForm, ReportParams, default_params
from casework.reports.registry import REPORTS, build_report, report_kind


def _params(request: HttpRequest) -> tuple[ReportFilterForm, ReportParams, bool]:
    form = ReportFilterForm(request.GET or None)
    if request.GET and form.is_valid():
        return form, form.params(), True
    return form, default_params(), not request.GET


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


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
    return _no_store(render(request, "casework/reports/index.html", context))


@require_safe
@login_required
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    _allowed(request, name)
    if request.GET.get("format") == "csv":
        return report_csv(request, name, request.GET.get("table", ""))
    form, params, valid = _params(request)
    report = build_report(name, params, user=request.user)
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
    }
    status = 200 if valid else 400
    return _no_store(render(request, "casework/reports/report.html", context, status=status))


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
    report = build_report(name, params, user=request.user)
    try:
        chosen = report.table(table)
    except StopIteration:
        return HttpResponse("No such table in this report.", status=404, content_type="text/plain")
    response = HttpResponse(table_csv(chosen), content_type="text/csv; charset=utf-8")
    filename = f"{name}-{slugify(chosen.key)}-{params.date_from}-{params.date_to}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return _no_store(response)


@require_safe
@login_required
def board_pdf(request: HttpRequest) -> HttpResponse:
    """The board report: every manager report for the chosen period, as one PDF."""
    if not policies.can_see_all_reports(request.user):
        raise PermissionDenied
    form, params, valid = _params(request)
    if not valid:
        return HttpResponse(
            "The report filters are not valid.", status=400, content_type="text/plain"
        )
    reports = [build_report(name, params, user=request.user) for name in REPORTS]
    body = pdf.board_report_pdf(reports, params)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="board-report-{params.date_from}-{params.date_to}.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _no_store(response)
