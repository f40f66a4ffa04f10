"""Outcomes and cases in HTML: close an enquiry with its outcome, open a case from an enquiry,
the case list and case page, and the case's status, enquiries and outcomes. Each view parses,
calls one service or selector, and responds as every desk view does (``casework.desk.views``):
the page again with a 400 and the errors, or a redirect (post/redirect/get)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework import policies
from casework.cases import selectors as cases
from casework.cases import services
from casework.cases.forms import (
    CaseAddEnquiryForm,
    CaseEditForm,
    CaseOutcomeForm,
    CaseStatusForm,
    OpenCaseForm,
    OutcomeForm,
)
from casework.desk import selectors as desk_selectors
from casework.desk.views import (
    case_page,
    case_url,
    chosen,
    enquiry_page,
    enquiry_url,
    form_post,
    staff_required,
    versioned_edit,
)
from casework.models import Case
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.models import Enquiry
from enquiries.services import TransitionError

PAGE_SIZE = 50


OUTCOME_FIELDS = ["code", "detail", "referred_to", "consent_to_refer", "plan_stage"]


def _outcome(data: dict) -> dict:
    return {name: data[name] for name in OUTCOME_FIELDS}


@require_POST
@staff_required
def enquiry_close(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Record the closing outcome and close the enquiry, together."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return form_post(
        request,
        enquiry_page,
        reference,
        OutcomeForm(request.POST, prefix="close"),
        lambda data: services.enquiry_close_with_outcome(
            enquiry=enquiry, actor=request.user, **_outcome(data)
        ),
        allowed=policies.can_close_with_outcome(request.user, enquiry),
        bound="close_form",
        done=f"{reference} is closed, with its outcome recorded.",
        then=enquiry_url(reference),
        conflicts=(TransitionError,),  # someone closed it since the page was read
    )


@require_POST
@staff_required
def case_open(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return form_post(
        request,
        enquiry_page,
        reference,
        OpenCaseForm(request.POST, prefix="case"),
        lambda data: services.case_open_from_enquiry(enquiry=enquiry, actor=request.user, **data),
        allowed=policies.can_open_case(request.user, enquiry),
        bound="open_case_form",
        done=lambda case: f"Case {case.number} opened, led by you.",
        then=lambda case: case_url(case.pk),
    )


@require_safe
@staff_required
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    lists = cases.case_lists_for(user)
    show = chosen(request, "show", lists, cases.CaseList.MINE)
    page = Paginator(cases.case_list(user=user, show=show), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"lists": lists, "show": show, "page": page, "active": "cases"}
    return no_store(render(request, "casework/case_list.html", context))


@case_page.load
def _load(request: HttpRequest, case_id: int) -> tuple[Case, dict]:
    """The case if the user may see it, with its enquiries, outcomes and timeline."""
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    enquiries = cases.case_enquiries_with_topics(case=case)
    return case, {
        "case": case,
        "enquiries": enquiries,
        "topics": cases.case_topics(enquiries=enquiries),
        "outcomes": cases.outcome_list(case=case),
        "timeline": cases.case_timeline(case=case, enquiries=enquiries),
        "active": "cases",
    }


@case_page.panel()
def _case_panel(request: HttpRequest, case: Case, context: dict, bound: dict) -> dict:
    """The forms to move the case on, add an enquiry, record an outcome; edit and history."""
    user = request.user
    enquiries = context["enquiries"]
    can_change = policies.can_change_case_status(user, case)
    can_add = case.is_open and policies.can_add_enquiry_to_case(user, case)
    return {
        "status_form": (bound.get("status_form") or CaseStatusForm()) if can_change else None,
        "add_form": (bound.get("add_form") or CaseAddEnquiryForm()) if can_add else None,
        "outcome_form": (
            (bound.get("outcome_form") or CaseOutcomeForm(prefix="outcome", enquiries=enquiries))
            if policies.is_staff_member(user) and enquiries
            else None
        ),
        "can_edit_case": policies.can_edit_case(user, case),
        "can_see_case_history": policies.can_see_case_history(user, case),
    }


@require_safe
@staff_required
def case_detail(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    return case_page.render(request, case_id)


@require_POST
@staff_required
def case_status(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    return form_post(
        request,
        case_page,
        case_id,
        CaseStatusForm(request.POST),
        lambda data: services.case_set_status(case=case, status=data["status"], actor=request.user),
        allowed=policies.can_change_case_status(request.user, case),
        bound="status_form",
        done="Case status changed.",
        then=case_url(case.pk),
    )


@require_POST
@staff_required
def case_add_enquiry(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    form = CaseAddEnquiryForm(request.POST)

    def add(data: dict) -> None:
        try:
            enquiry = desk_selectors.enquiry_get_for_user(
                user=request.user, reference=data["reference"]
            )
        except Http404:
            raise ValidationError(
                {"reference": "No enquiry you can see has this reference."}
            ) from None
        services.case_add_enquiry(case=case, enquiry=enquiry, actor=request.user)

    return form_post(
        request,
        case_page,
        case_id,
        form,
        add,
        allowed=policies.can_add_enquiry_to_case(request.user, case),
        bound="add_form",
        done=lambda _: f"{form.cleaned_data['reference']} added to the case.",
        then=case_url(case.pk, "enquiries-heading"),
    )


@require_POST
@staff_required
def case_outcome(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    enquiries = {e.reference: e for e in cases.case_enquiries(case=case)}
    return form_post(
        request,
        case_page,
        case_id,
        CaseOutcomeForm(request.POST, prefix="outcome", enquiries=enquiries.values()),
        lambda data: services.outcome_record(
            enquiry=enquiries[data["enquiry"]], actor=request.user, **_outcome(data)
        ),
        allowed=True,  # desk staff (above); the service checks the enquiry's policy
        bound="outcome_form",
        done="Outcome recorded.",
        then=case_url(case.pk, "outcomes-heading"),
    )


@require_http_methods(["GET", "POST"])
@staff_required
def case_edit(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    if not policies.can_edit_case(request.user, case):
        raise PermissionDenied
    return versioned_edit(
        request,
        case,
        CaseEditForm,
        lambda version, data: services.case_edit(
            case=case, expected_version=version, changes=data, actor=request.user
        ),
        template="casework/case_edit.html",
        context={"case": case, "active": "cases"},
        done="Case details saved.",
        then=case_url(case_id),
    )


@enquiry_page.reads
def _outcomes_reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    return {
        "outcomes": cases.outcome_list(enquiry=enquiry),
        "case_link": cases.case_link_rows(enquiry=enquiry),
    }


@enquiry_page.panel()
def _outcomes_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The enquiry's outcomes and case, and the forms to close it or open a case (their
    rows read with the page's others)."""
    user = request.user
    link = next(iter(context["rows"]["case_link"]), None)
    case = link.case if link else None
    can_close = enquiry.is_open and policies.can_close_with_outcome(user, enquiry)
    can_open = case is None and policies.can_open_case(user, enquiry)
    return {
        "outcomes": context["rows"]["outcomes"],
        "case": case,
        # A refused form is shown again with its errors, whatever changed meanwhile.
        "close_form": bound.get("close_form")
        or (OutcomeForm(prefix="close") if can_close else None),
        "open_case_form": bound.get("open_case_form")
        or (OpenCaseForm(prefix="case", initial={"title": enquiry.subject}) if can_open else None),
    }
