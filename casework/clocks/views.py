"""Key dates on an enquiry or a case, their panels on those pages, and the clock calculator."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from casework import policies
from casework.cases import selectors as cases_selectors
from casework.clocks import selectors, services
from casework.clocks.forms import CaseKeyDateForm, ClockForm, KeyDateForm
from casework.desk import selectors as desk_selectors
from casework.desk.views import (
    apply,
    back_to_case,
    back_to_enquiry,
    case_page,
    enquiry_page,
    staff_required,
)
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.models import Enquiry


@require_POST
@staff_required
def key_date_record(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_record_key_date(request.user, enquiry):
        raise PermissionDenied
    form = KeyDateForm(request.POST, triggers=selectors.key_date_triggers())
    if form.is_valid():
        try:
            services.key_date_record(
                enquiry=enquiry,
                trigger=form.cleaned_data["trigger"],
                date=form.cleaned_data["date"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    if not form.is_valid():
        return enquiry_page.render(request, reference, status=400, key_date_form=form)
    messages.success(request, "Key date recorded: its deadlines are listed below.")
    return redirect(reverse("casework:enquiry", args=[reference]) + "#key-dates-heading")


@require_POST
@staff_required
def key_date_remove(
    request: AuthenticatedHttpRequest, reference: str, key_date_id: int
) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    key_date = selectors.key_date_get(enquiry=enquiry, key_date_id=key_date_id)
    if not policies.can_record_key_date(request.user, enquiry):
        raise PermissionDenied
    services.key_date_remove(key_date=key_date, actor=request.user)
    messages.success(request, "Key date removed, with the deadlines it started.")
    return back_to_enquiry(reference)


@require_safe
@staff_required
def clock(request: HttpRequest) -> HttpResponse:
    """The adviser's calculator: a clock and a start date give the end, in words, with the
    source. A GET form, so it works without JavaScript and a result can be bookmarked."""
    rules = selectors.deadline_rules_active()
    bound = bool(request.GET)
    form = ClockForm(request.GET if bound else None, rules=rules)
    result = None
    if bound and form.is_valid():
        rule = next(r for r in rules if r.slug == form.cleaned_data["rule"])
        result = selectors.deadline_compute(rule=rule, start=form.cleaned_data["start"])
    status = 400 if bound and not form.is_valid() else 200
    context = {"form": form, "result": result}
    return no_store(render(request, "casework/clock.html", context, status=status))


@enquiry_page.panel(order=10)
def _key_dates_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The enquiry's key dates with the deadlines they start, and the form to record one."""
    rules = selectors.deadline_rules_active()
    can_record = policies.can_record_key_date(request.user, enquiry)
    return {
        "key_dates": selectors.key_date_list(enquiry=enquiry, rules=rules),
        "can_record_key_date": can_record,
        "key_date_form": (
            (bound.get("key_date_form") or KeyDateForm(triggers=selectors.key_date_triggers(rules)))
            if can_record
            else None
        ),
    }


@require_POST
@staff_required
def case_key_date(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    """Record a key date on one of the case's enquiries (one the user may record on)."""
    case = cases_selectors.case_get_for_user(user=request.user, case_id=case_id)
    allowed = key_date_enquiries(request.user, cases_selectors.case_enquiries(case=case))
    if not allowed:
        raise PermissionDenied
    by_reference = {e.reference: e for e in allowed}
    form = CaseKeyDateForm(
        request.POST,
        prefix="key_date",
        enquiries=allowed,
        triggers=selectors.key_date_triggers(),
    )
    done = apply(
        form,
        lambda data: services.key_date_record(
            enquiry=by_reference[data["enquiry"]],
            trigger=data["trigger"],
            date=data["date"],
            note=data["note"],
            actor=request.user,
        ),
    )
    if not done:
        return case_page.render(request, case_id, status=400, key_date_form=form)
    messages.success(request, "Key date recorded: its deadlines are listed below.")
    return back_to_case(case.pk, "key-dates-heading")


def key_date_enquiries(user, enquiries: list) -> list:
    """The case's enquiries on which ``user`` may record key dates (those they hold)."""
    return [e for e in enquiries if policies.can_record_key_date(user, e)]


@case_page.panel()
def _case_key_dates_panel(request: HttpRequest, case, context: dict, bound: dict) -> dict:
    """The key dates of every enquiry in the case, and the form to record one on an enquiry
    the user holds."""
    enquiries = context["enquiries"]
    rules = selectors.deadline_rules_active()
    allowed = key_date_enquiries(request.user, enquiries)
    return {
        "key_dates": selectors.key_date_list_for_case(enquiries=enquiries, rules=rules),
        "key_date_form": (
            (
                bound.get("key_date_form")
                or CaseKeyDateForm(
                    prefix="key_date",
                    enquiries=allowed,
                    triggers=selectors.key_date_triggers(rules),
                )
            )
            if allowed
            else None
        ),
    }
