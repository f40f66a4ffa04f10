"""Key dates on an enquiry or a case, their panels on those pages, and the clock calculator."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from casework import policies
from casework.cases import selectors as cases_selectors
from casework.clocks import selectors, services
from casework.clocks.forms import (
    CaseKeyDateForm,
    ClockForm,
    DeadlineExtensionForm,
    KeyDateForm,
)
from casework.desk import selectors as desk_selectors
from casework.desk.views import (
    back_to_enquiry,
    case_page,
    case_url,
    enquiry_page,
    enquiry_url,
    form_post,
    staff_required,
)
from casework.publishing import selectors as publishing_selectors
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.models import Enquiry
from knowledgebase.models import ChallengeWindow


@require_POST
@staff_required
def key_date_record(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return form_post(
        request,
        enquiry_page,
        reference,
        KeyDateForm(request.POST, triggers=selectors.key_date_triggers()),
        lambda data: services.key_date_record(enquiry=enquiry, actor=request.user, **data),
        allowed=policies.can_record_key_date(request.user, enquiry),
        bound="key_date_form",
        done="Key date recorded: its deadlines are listed below.",
        then=enquiry_url(reference, "key-dates-heading"),
    )


def _extension_form(
    enquiry: Enquiry, key_dates: list, data=None, documents=None
) -> DeadlineExtensionForm:
    return DeadlineExtensionForm(
        data,
        prefix="extend",
        deadlines=[d for kd in key_dates for d in kd.deadlines],
        documents=(
            documents
            if documents is not None
            else publishing_selectors.attachment_list(enquiry=enquiry)
        ),
    )


@require_POST
@staff_required
def deadline_extend(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Extend a deadline by agreement (who, when, the new end, evidence)."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    form = _extension_form(enquiry, selectors.key_date_list(enquiry=enquiry), request.POST)

    def extend(data: dict):
        document = data.pop("document")
        return services.deadline_extend(
            deadline=selectors.deadline_get(enquiry=enquiry, deadline_id=int(data.pop("deadline"))),
            document=(
                publishing_selectors.attachment_get(enquiry=enquiry, attachment_id=int(document))
                if document
                else None
            ),
            actor=request.user,
            **data,
        )

    return form_post(
        request,
        enquiry_page,
        reference,
        form,
        extend,
        allowed=policies.can_record_key_date(request.user, enquiry),
        bound="extension_form",
        done=lambda ext: f"Deadline extended by agreement to {ext.extended_to:%-d %B %Y}.",
        then=enquiry_url(reference, "key-dates-heading"),
        conflicts=(services.DeadlineMovedOn,),
    )


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
        result = selectors.deadline_compute(
            rule=rule,
            start=form.cleaned_data["start"],
            conditions=form.conditions,
            other_starts=selectors.other_start_of(rule, form.cleaned_data["other_start"]),
        )
    status = 400 if bound and not form.is_valid() else 200
    context = {"form": form, "result": result}
    return no_store(render(request, "casework/clock.html", context, status=status))


@enquiry_page.reads
def _key_dates_reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    """The key dates with their deadlines, extensions and councils, and the council's
    expression-of-interest window when the user may record its end."""
    window = (
        selectors.challenge_window_offer_rows(
            enquiry=enquiry, triggers=selectors.key_date_triggers(selectors.deadline_rules_held())
        )
        if policies.can_record_key_date(request.user, enquiry)
        else ChallengeWindow.objects.none()
    )
    return {**selectors.key_date_parts(enquiry=enquiry), "challenge_window": window}


@enquiry_page.panel(order=10)
def _key_dates_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The enquiry's key dates with the deadlines they start, and the form to record one."""
    rules = selectors.deadline_rules_held()
    can_record = policies.can_record_key_date(request.user, enquiry)
    key_dates = selectors.key_date_list_from(context["rows"], rules=rules)
    extension_form = None
    if can_record and any(kd.deadlines for kd in key_dates):
        extension_form = bound.get("extension_form") or _extension_form(
            enquiry, key_dates, documents=context.get("documents")
        )
    triggers = selectors.key_date_triggers(rules)
    # A council's EOI window on file for the enquiry's area: offer its closing date.
    window = (
        selectors.challenge_window_offer(
            enquiry=enquiry, triggers=triggers, rows=context["rows"]["challenge_window"]
        )
        if can_record
        else None
    )
    return {
        "key_dates": key_dates,
        "extension_form": extension_form,
        "can_record_key_date": can_record,
        "key_date_form": (
            (bound.get("key_date_form") or KeyDateForm(triggers=triggers)) if can_record else None
        ),
        "challenge_window": window,
        "challenge_window_trigger": selectors.EOI_WINDOW_CLOSED,
        "challenge_window_note": selectors.challenge_window_note(window) if window else "",
    }


@require_POST
@staff_required
def case_key_date(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    """Record a key date on one of the case's enquiries (one the user may record on)."""
    case = cases_selectors.case_get_for_user(user=request.user, case_id=case_id)
    allowed = key_date_enquiries(request.user, cases_selectors.case_enquiries(case=case))
    by_reference = {e.reference: e for e in allowed}
    return form_post(
        request,
        case_page,
        case_id,
        CaseKeyDateForm(
            request.POST,
            prefix="key_date",
            enquiries=allowed,
            triggers=selectors.key_date_triggers(),
        ),
        lambda data: services.key_date_record(
            enquiry=by_reference[data["enquiry"]],
            trigger=data["trigger"],
            date=data["date"],
            note=data["note"],
            councils=data["councils"],
            actor=request.user,
        ),
        allowed=bool(allowed),
        bound="key_date_form",
        done="Key date recorded: its deadlines are listed below.",
        then=case_url(case.pk, "key-dates-heading"),
    )


def _case_extension_form(user, key_dates: list, data=None) -> DeadlineExtensionForm | None:
    """Extend a deadline of any of the case's enquiries the user holds (the document on
    file is chosen on the enquiry's own page); None if there is none to extend."""
    mine = [kd for kd in key_dates if policies.can_record_key_date(user, kd.key_date.enquiry)]
    enquiry_of = {
        d.deadline_id: kd.key_date.enquiry.reference
        for kd in mine
        for d in kd.deadlines
        if d.deadline_id
    }
    if not enquiry_of:
        return None
    return DeadlineExtensionForm(
        data,
        prefix="extend",
        deadlines=[d for kd in mine for d in kd.deadlines],
        documents=None,
        enquiry_of=enquiry_of,
    )


@require_POST
@staff_required
def case_deadline_extend(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    """Extend by agreement a deadline of one of the case's enquiries (one the user holds)."""
    case = cases_selectors.case_get_for_user(user=request.user, case_id=case_id)
    enquiries = cases_selectors.case_enquiries(case=case)
    key_dates = selectors.key_date_list_for_case(enquiries=enquiries)
    form = _case_extension_form(request.user, key_dates, request.POST)
    enquiry_by_deadline = {
        d.deadline_id: kd.key_date.enquiry for kd in key_dates for d in kd.deadlines
    }

    def extend(data: dict):
        deadline_id = int(data.pop("deadline"))
        enquiry = enquiry_by_deadline[deadline_id]
        return services.deadline_extend(
            deadline=selectors.deadline_get(enquiry=enquiry, deadline_id=deadline_id),
            actor=request.user,
            **data,
        )

    return form_post(
        request,
        case_page,
        case_id,
        form or DeadlineExtensionForm(request.POST),
        extend,
        allowed=form is not None,
        bound="extension_form",
        done=lambda ext: f"Deadline extended by agreement to {ext.extended_to:%-d %B %Y}.",
        then=case_url(case.pk, "key-dates-heading"),
        conflicts=(services.DeadlineMovedOn,),
    )


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
    key_dates = selectors.key_date_list_for_case(enquiries=enquiries, rules=rules)
    return {
        "key_dates": key_dates,
        "extension_form": bound.get("extension_form")
        or _case_extension_form(request.user, key_dates),
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
