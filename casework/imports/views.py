"""The managers' import pages: upload a file, match its columns, read the check's verdict
on every row, then import (docs/import.md). The check and the import run in a worker; the
page says how far they have got."""

import csv
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.desk.views import apply, manager_required, page
from casework.imports import selectors, services, tasks
from casework.imports.forms import ColumnsForm, UploadForm
from casework.models import ImportRun
from config.http import AuthenticatedHttpRequest, no_store
from config.tasks import enqueue_on_commit

ERRORS_PER_PAGE = 100


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    made: list[ImportRun] = []

    def upload(data: dict) -> None:
        source = data["source"] or services.source_for(name=data["source_name"], actor=request.user)
        made.append(services.run_upload(source=source, upload=data["file"], actor=request.user))

    if request.method == "POST" and apply(form, upload):
        return redirect("casework:import_run", run_id=made[0].pk)
    context = {"form": form, "runs": list(selectors.runs()[:50])}
    return page(request, "casework/imports/index.html", context, 400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def run(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    found = get_object_or_404(ImportRun.objects.select_related("source", "started_by"), pk=run_id)
    form = None
    if found.state in (ImportRun.State.UPLOADED, ImportRun.State.CHECKED):
        form = ColumnsForm(
            request.POST or None,
            headings=found.headers,
            mapping=services.run_mapping(found),
            initial={"default_channel": found.source.default_channel},
        )
    if request.method == "POST":
        if form is None:
            messages.error(request, "This file's columns can no longer change.")
            return redirect("casework:import_run", run_id=found.pk)

        def choose(data: dict) -> None:
            with transaction.atomic():
                services.run_choose_columns(
                    run=found,
                    mapping=form.mapping(),
                    default_channel=data["default_channel"],
                    actor=request.user,
                )
                enqueue_on_commit(tasks.check_import, run_id=found.pk)

        if apply(form, choose, refusals={services.ImportRefused: "__all__"}):
            return redirect("casework:import_run", run_id=found.pk)
    errors = Paginator(selectors.error_rows(found), ERRORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "run": found,
        "form": form,
        "errors": errors,
    }
    return page(request, "casework/imports/run.html", context, 400 if form and form.errors else 200)


@require_POST
@manager_required
def run_start(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    found = get_object_or_404(ImportRun, pk=run_id)
    try:
        with transaction.atomic():
            services.import_begin(run=found, actor=request.user)
            enqueue_on_commit(tasks.import_rows, run_id=found.pk)
    except services.ImportRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Importing: this page shows how far it has got.")
    return redirect("casework:import_run", run_id=found.pk)


@require_safe
@manager_required
def run_verdicts(request: HttpRequest, run_id: int) -> HttpResponse:
    found = get_object_or_404(ImportRun.objects.select_related("source"), pk=run_id)
    out = io.StringIO()
    csv.writer(out).writerows(selectors.verdict_rows(found))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{found.pk}-verdicts.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)
