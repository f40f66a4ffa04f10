"""Subject access requests on the managers' data-protection page: record one, download
its export (JSON, tagged PDF; by the request's number, never the person's address), and
record its release."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST, require_safe

from casework.desk.views import apply, manager_required
from casework.models import SubjectAccessRequest
from casework.retention.views import data_protection_page
from casework.subject_access import services
from casework.subject_access.forms import SubjectAccessForm
from config.http import AuthenticatedHttpRequest, no_store


@require_POST
@manager_required
def sar_record(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SubjectAccessForm(request.POST)
    made: list[SubjectAccessRequest] = []
    if not apply(
        form,
        lambda data: made.append(
            services.sar_record(
                email=data["email"], received_on=data["received_on"], actor=request.user
            )
        ),
    ):
        return data_protection_page(request, status=400, access_form=form)
    messages.success(
        request,
        f"Subject access request {made[0].pk} recorded: due {made[0].due_on:%-d %B %Y}.",
    )
    return redirect("casework:data_protection")


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)


@require_safe
@manager_required
def sar_export_json(request: HttpRequest, request_id: int) -> HttpResponse:
    sar = get_object_or_404(SubjectAccessRequest, pk=request_id)
    return _download(services.sar_json(sar), f"subject-access-{sar.pk}.json", "application/json")


@require_safe
@manager_required
def sar_export_pdf(request: HttpRequest, request_id: int) -> HttpResponse:
    sar = get_object_or_404(SubjectAccessRequest, pk=request_id)
    return _download(services.sar_pdf(sar), f"subject-access-{sar.pk}.pdf", "application/pdf")


@require_POST
@manager_required
def sar_release(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    sar = get_object_or_404(SubjectAccessRequest, pk=request_id)
    services.sar_release(request=sar, actor=request.user)
    messages.success(request, f"Subject access request {sar.pk} recorded as released.")
    return redirect("casework:data_protection")
