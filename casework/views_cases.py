"""Outcomes and cases in HTML: close an enquiry with its outcome, open a case from an enquiry,
the case list and case page, and the case's status, enquiries and outcomes. Each view parses,
calls one service or selector, and responds as ``casework.views`` does: the page again with
a 400 and the errors, or a redirect (post/redirect/get)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from casework import policies, selectors
from casework import selectors_cases as cases
from casework import services as key_date_services
from casework import services_cases as services
from casework.forms_cases import (
    CaseAddEnquiryForm,
    CaseKeyDateForm,
    CaseOutcomeForm,
    CaseStatusForm,
    OpenCaseForm,
    OutcomeForm,
)
from casework.models import Case
from casework.views import _detail, _no_store, staff_required
from casework.views_workspace import _apply
from enquiries.services import TransitionError

PAGE_SIZE = 50
OUTCOME_FIELDS = ["code", "detail", "referred_to", "consent_to_refer", "plan_stage"]


def _outcome(data: dict) -> dict:
    return {name: data[name] for name in OUTCOME_FIELDS}


@require_POST
@staff_required
def enquiry_close(request: HttpRequest, reference: str) -> HttpResponse:
    """Record the closing outcome and close the enquiry, together."""
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_close_with_outcome(request.user, enquiry):
        raise PermissionDenied
    form = OutcomeForm(request.POST, prefix="close")
    try:
        done = _apply(
            form,
            lambda data: services.enquiry_close_with_outcome(
                enquiry=enquiry, actor=request.user, **_outcome(data)
            ),
        )
    except TransitionError as error:  # someone closed it since the page was read
        messages.error(request, str(error))
        return _detail(request, reference, status=409)
    if not done:
        return _detail(request, reference, status=400, close_form=form)
    messages.success(request, f"{reference} is closed, with its outcome recorded.")
    return redirect("casework:enquiry", reference=reference)


@require_POST
@staff_required
def case_open(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_open_case(request.user, enquiry):
        raise PermissionDenied
    form = OpenCaseForm(request.POST, prefix="case")
    opened = []
    done = _apply(
        form,
        lambda data: opened.append(
            services.case_open_from_enquiry(enquiry=enquiry, actor=request.user, **data)
        ),
    )
    if not done:
        return _detail(request, reference, status=400, open_case_form=form)
    messages.success(request, f"Case {opened[0].number} opened, led by you.")
    return redirect("casework:case", case_id=opened[0].pk)


@require_safe
@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    lists = cases.case_lists_for(user)
    show = request.GET.get("show", cases.CaseList.MINE)
    if show not in dict(lists):
        show = cases.CaseList.MINE
    page = Paginator(cases.case_list(user=user, show=show), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"lists": lists, "show": show, "page": page, "active": "cases"}
    return _no_store(render(request, "casework/case_list.html", context))


def _case_page(
    request: HttpRequest,
    case_id: int,
    *,
    status: int = 200,
    status_form: CaseStatusForm | None = None,
    add_form: CaseAddEnquiryForm | None = None,
    outcome_form: CaseOutcomeForm | None = None,
    key_date_form: CaseKeyDateForm | None = None,
) -> HttpResponse:
    user = request.user
    case = cases.case_get_for_user(user=user, case_id=case_id)
    enquiries = cases.case_enquiries(case=case)
    rules = selectors.deadline_rules_active()
    key_date_enquiries = _key_date_enquiries(user, enquiries)
    can_change = policies.can_change_case_status(user, case)
    can_add = case.is_open and policies.can_add_enquiry_to_case(user, case)
    context = {
        "case": case,
        "enquiries": enquiries,
        "outcomes": cases.outcome_list(case=case),
        "timeline": cases.case_timeline(case=case, enquiries=enquiries),
        "status_form": (status_form or CaseStatusForm()) if can_change else None,
        "add_form": (add_form or CaseAddEnquiryForm()) if can_add else None,
        "outcome_form": (
            (outcome_form or CaseOutcomeForm(prefix="outcome", enquiries=enquiries))
            if policies.is_staff_member(user) and enquiries
            else None
        ),
        "key_dates": selectors.key_date_list_for_case(enquiries=enquiries, rules=rules),
        "key_date_form": (
            (
                key_date_form
                or CaseKeyDateForm(
                    prefix="key_date",
                    enquiries=key_date_enquiries,
                    triggers=selectors.key_date_triggers(rules),
                )
            )
            if key_date_enquiries
            else None
        ),
        "can_edit_case": policies.can_edit_case(user, case),
        "can_see_case_history": policies.can_see_case_history(user, case),
        "active": "cases",
    }
    return _no_store(render(request, "casework/case_detail.html", context, status=status))


def _key_date_enquiries(user, enquiries: list) -> list:
    """The case's enquiries on which ``user`` may record key dates (those they hold)."""
    return [e for e in enquiries if policies.can_record_key_date(user, e)]


@require_safe
@staff_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, case_id)


def _back(case: Case, anchor: str = "") -> HttpResponse:
    return redirect(reverse("casework:case", args=[case.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@staff_required
def case_status(request: HttpRequest, case_id: int) -> HttpResponse:
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    if not policies.can_change_case_status(request.user, case):
        raise PermissionDenied
    form = CaseStatusForm(request.POST)
    done = _apply(
        form,
        lambda data: services.case_set_status(case=case, status=data["status"], actor=request.user),
    )
    if not done:
        return _case_page(request, case_id, status=400, status_form=form)
    messages.success(request, "Case status changed.")
    return _back(case)


@require_POST
@staff_required
def case_add_enquiry(request: HttpRequest, case_id: int) -> HttpResponse:
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    if not policies.can_add_enquiry_to_case(request.user, case):
        raise PermissionDenied
    form = CaseAddEnquiryForm(request.POST)

    def add(data: dict) -> None:
        try:
            enquiry = selectors.enquiry_get_for_user(user=request.user, reference=data["reference"])
        except Http404:
            raise ValidationError(
                {"reference": "No enquiry you can see has this reference."}
            ) from None
        services.case_add_enquiry(case=case, enquiry=enquiry, actor=request.user)

    if not _apply(form, add):
        return _case_page(request, case_id, status=400, add_form=form)
    messages.success(request, f"{form.cleaned_data['reference']} added to the case.")
    return _back(case, "enquiries-heading")


@require_POST
@staff_required
def case_outcome(request: HttpRequest, case_id: int) -> HttpResponse:
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    enquiries = {e.reference: e for e in cases.case_enquiries(case=case)}
    form = CaseOutcomeForm(request.POST, prefix="outcome", enquiries=enquiries.values())
    done = _apply(
        form,
        lambda data: services.outcome_record(
            enquiry=enquiries[data["enquiry"]], actor=request.user, **_outcome(data)
        ),
    )
    if not done:
        return _case_page(request, case_id, status=400, outcome_form=form)
    messages.success(request, "Outcome recorded.")
    return _back(case, "outcomes-heading")


@require_POST
@staff_required
def case_key_date(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record a key date on one of the case's enquiries (one the user may record on)."""
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    allowed = _key_date_enquiries(request.user, cases.case_enquiries(case=case))
    if not allowed:
        raise PermissionDenied
    by_reference = {e.reference: e for e in allowed}
    form = CaseKeyDateForm(
        request.POST,
        prefix="key_date",
        enquiries=allowed,
        triggers=selectors.key_date_triggers(),
    )
    done = _apply(
        form,
        lambda data: key_date_services.key_date_record(
            enquiry=by_reference[data["enquiry"]],
            trigger=data["trigger"],
            date=data["date"],
            note=data["note"],
            actor=request.user,
        ),
    )
    if not done:
        return _case_page(request, case_id, status=400, key_date_form=form)
    messages.success(request, "Key date recorded: its deadlines are listed below.")
    return _back(case, "key-dates-heading")
