"""Edit an enquiry's or a case's details in HTML, with optimistic concurrency.

The form carries the version it was loaded at (a hidden field). If someone else changed
the record since, the save is refused: the form comes back with what the user typed, an
error summary saying who changed it and when, a link to reload the latest version, and
a 409. Nothing is overwritten silently.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casework import policies, selectors, services_cases, services_edit
from casework import selectors_cases as cases
from casework.forms_edit import CaseEditForm, EnquiryEditForm, parse_version
from casework.views import _no_store, staff_required
from enquiries.services_edit import StaleEdit

MISSING_VERSION = (
    "This form is out of date or incomplete, so nothing was saved. Reload the latest version "
    "and make your changes again."
)


def _save(form, action) -> tuple[int, StaleEdit | None]:
    """Run the service with the cleaned data. The status to answer with (0: saved) and the
    refusal, if the record had moved on."""
    if not form.is_valid():
        return 400, None
    try:
        action(form.cleaned_data)
    except StaleEdit as stale:
        return 409, stale
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return 400, None
    return 0, None


def _page(request, template: str, context: dict, status: int) -> HttpResponse:
    return _no_store(render(request, template, context, status=status))


@require_http_methods(["GET", "POST"])
@staff_required
def enquiry_edit(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_edit_enquiry(request.user, enquiry):
        raise PermissionDenied
    reload_url = reverse("casework:enquiry_edit", args=[reference])
    if request.method == "GET":
        form = EnquiryEditForm(
            initial={
                "subject": enquiry.subject,
                "topic": enquiry.topic_id,
                "priority": enquiry.priority,
                "asset_name": enquiry.asset_name,
                "asset_address": enquiry.asset_address,
                "local_authority": enquiry.local_authority_id,
            }
        )
        context = {"enquiry": enquiry, "form": form, "version": enquiry.version}
        return _page(request, "casework/enquiry_edit.html", context, 200)
    form = EnquiryEditForm(request.POST)
    version = parse_version(request.POST.get("version"))
    if version is None:
        form.is_valid()
        form.add_error(None, MISSING_VERSION)
        status, stale = 400, None
    else:
        status, stale = _save(
            form,
            lambda data: services_edit.enquiry_edit(
                enquiry=enquiry, expected_version=version, changes=data, actor=request.user
            ),
        )
    if status == 0:
        messages.success(request, "Details saved.")
        return redirect("casework:enquiry", reference=reference)
    context = {
        "enquiry": enquiry,
        "form": form,
        "version": version or enquiry.version,
        "stale": stale,
        "reload_url": reload_url,
    }
    return _page(request, "casework/enquiry_edit.html", context, status)


@require_http_methods(["GET", "POST"])
@staff_required
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    if not policies.can_edit_case(request.user, case):
        raise PermissionDenied
    reload_url = reverse("casework:case_edit", args=[case_id])
    if request.method == "GET":
        form = CaseEditForm(
            initial={
                "title": case.title,
                "lead_adviser": case.lead_adviser_id,
                "asset_name": case.asset_name,
                "asset_address": case.asset_address,
                "plan_name": case.plan_name,
            }
        )
        return _page(
            request,
            "casework/case_edit.html",
            {"case": case, "form": form, "version": case.version, "active": "cases"},
            200,
        )
    form = CaseEditForm(request.POST)
    version = parse_version(request.POST.get("version"))
    if version is None:
        form.is_valid()
        form.add_error(None, MISSING_VERSION)
        status, stale = 400, None
    else:
        status, stale = _save(
            form,
            lambda data: services_cases.case_edit(
                case=case, expected_version=version, changes=data, actor=request.user
            ),
        )
    if status == 0:
        messages.success(request, "Case details saved.")
        return redirect("casework:case", case_id=case_id)
    context = {
        "case": case,
        "form": form,
        "version": version or case.version,
        "stale": stale,
        "reload_url": reload_url,
        "active": "cases",
    }
    return _page(request, "casework/case_edit.html", context, status)
