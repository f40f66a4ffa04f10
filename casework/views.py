"""Staff desk pages. Each view parses, calls one selector or service, and responds.

Status codes: a page that is not the user's is 404 (the selector decides); a
signed-in user without a desk role, or an action their role does not allow,
is 403; input that cannot be used is 400 with the form and its errors; an
action that lost a race (someone claimed first, the status moved on) is 409
with a message saying what happened. Success redirects (post/redirect/get).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework import policies, selectors, selectors_cases, selectors_publish, services
from casework import selectors_workspace as workspace
from casework.documents_context import documents_context
from casework.filters import EnquiryFilter
from casework.forms import (
    AssignForm,
    ClockForm,
    KeyDateForm,
    LogEnquiryForm,
    NoteForm,
    StatusForm,
    TaskForm,
    TimeEntryForm,
    queue_filters,
)
from casework.forms_cases import OpenCaseForm, OutcomeForm
from enquiries import services as enquiry_services
from enquiries.models import Enquiry
from enquiries.services import TransitionError

PAGE_SIZE = 50


def staff_required(view):
    """Signed-in desk staff only; anyone else signed in gets 403, anonymous users sign in."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policies.is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    queues = selectors.queues_for(user)
    current = request.GET.get("queue", selectors.Queue.MINE)
    if current not in dict(queues):
        current = selectors.Queue.MINE
    is_manager = policies.is_manager(user)
    filters = queue_filters(
        EnquiryFilter(request.GET, queryset=Enquiry.objects.none()).form, is_manager=is_manager
    )
    try:
        enquiries = selectors.enquiry_list(user=user, queue=current, filters=request.GET)
        invalid = not filters.form.is_valid()
    except selectors.FilterError:
        # Show the queue unfiltered under the errors, rather than an empty page.
        enquiries, invalid = selectors.enquiry_list(user=user, queue=current), True
    page = Paginator(enquiries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "queues": queues,
        "current_queue": current,
        "page": page,
        "filters": filters,
        "form": filters.form,  # for the error summary
        "invalid": invalid,
        "query": query.urlencode(),
        "is_manager": is_manager,
        "tasks_due": workspace.tasks_due_for_user(user=user),
        "today": timezone.localdate(),
    }
    status = 400 if invalid else 200
    return _no_store(render(request, "casework/queue.html", context, status=status))


def _detail(
    request: HttpRequest,
    reference: str,
    *,
    status: int = 200,
    status_form: StatusForm | None = None,
    assign_form: AssignForm | None = None,
    key_date_form: KeyDateForm | None = None,
    note_form: NoteForm | None = None,
    task_form: TaskForm | None = None,
    time_form: TimeEntryForm | None = None,
    close_form: OutcomeForm | None = None,
    open_case_form: OpenCaseForm | None = None,
    **documents,
) -> HttpResponse:
    """The enquiry page; re-rendered with a bound form and a 4xx when an action failed.

    ``documents``: a bound ``document_form`` or ``message_form`` (``documents_context``)."""
    user = request.user
    enquiry = selectors.enquiry_get_for_user(user=user, reference=reference, with_history=True)
    enquiry_services.personal_data_access_record(enquiry=enquiry, viewer=user, channel="page")
    can_assign = policies.can_assign_enquiry(user, enquiry)
    can_change_status = policies.can_change_enquiry_status(user, enquiry)
    rules = selectors.deadline_rules_active()
    can_record_key_date = policies.can_record_key_date(user, enquiry)
    context = {
        "key_dates": selectors.key_date_list(enquiry=enquiry, rules=rules),
        "can_record_key_date": can_record_key_date,
        "key_date_form": (
            (key_date_form or KeyDateForm(triggers=selectors.key_date_triggers(rules)))
            if can_record_key_date
            else None
        ),
        "enquiry": enquiry,
        "assignments": enquiry.assignments.all(),
        **_workspace(
            request, enquiry, note_form=note_form, task_form=task_form, time_form=time_form
        ),
        **_outcomes_and_case(
            request, enquiry, close_form=close_form, open_case_form=open_case_form
        ),
        "status_form": (
            (status_form or StatusForm(current=enquiry.status)) if can_change_status else None
        ),
        "can_claim": policies.can_claim_enquiry(user, enquiry),
        "can_see_history": policies.can_see_enquiry_history(user, enquiry),
        "assign_form": (assign_form or _assign_form(enquiry)) if can_assign else None,
        "routing": (
            services.routing_decision(enquiry=enquiry)
            if policies.can_see_routing_detail(user) and enquiry.is_open
            else None
        ),
    }
    context.update(_group_facing(user, enquiry, context["key_dates"]))
    context.update(documents_context(user, enquiry, **documents))
    return _no_store(render(request, "casework/enquiry_detail.html", context, status=status))


def _group_facing(user, enquiry: Enquiry, key_dates: list) -> dict:
    """Which deadlines the group sees, and who may publish dates or manage links (1 query)."""
    return {
        "publish_rows": selectors_publish.publish_rows(enquiry=enquiry, key_dates=key_dates),
        "can_publish_dates": policies.can_record_key_date(user, enquiry),
        "can_manage_links": policies.can_change_enquiry_status(user, enquiry),
    }


def _workspace(
    request: HttpRequest,
    enquiry: Enquiry,
    *,
    note_form: NoteForm | None,
    task_form: TaskForm | None,
    time_form: TimeEntryForm | None,
) -> dict:
    """The timeline, the tasks and time, and the forms to add to them (fixed queries)."""
    user = request.user
    show = request.GET.get("show", "all")
    if show not in dict(workspace.SHOW_CHOICES):
        show = "all"
    timeline = workspace.enquiry_timeline(enquiry=enquiry, show=show)
    tasks = workspace.task_list(enquiry=enquiry)
    staff = workspace.desk_staff_users()
    return {
        "timeline": timeline,
        "timeline_truncated": len(timeline) == workspace.TIMELINE_LIMIT,
        "show": show,
        "show_choices": workspace.SHOW_CHOICES,
        "show_label": dict(workspace.SHOW_CHOICES)[show],
        "today": timezone.localdate(),
        "tasks": [(task, policies.can_complete_task(user, task)) for task in tasks],
        "time_total": workspace.minutes_in_words(workspace.time_total_minutes(enquiry=enquiry)),
        "note_form": (
            (note_form or NoteForm(prefix="note")) if policies.can_add_note(user, enquiry) else None
        ),
        "task_form": (
            (task_form or TaskForm(prefix="task", staff=staff, initial={"assignee": user.pk}))
            if policies.can_add_task(user, enquiry)
            else None
        ),
        "time_form": (
            (time_form or TimeEntryForm(prefix="time"))
            if policies.can_record_time(user, enquiry)
            else None
        ),
    }


def _outcomes_and_case(
    request: HttpRequest,
    enquiry: Enquiry,
    *,
    close_form: OutcomeForm | None,
    open_case_form: OpenCaseForm | None,
) -> dict:
    """The enquiry's outcomes and case, and the forms to close it or open a case (2 queries)."""
    user = request.user
    case = selectors_cases.case_for_enquiry(enquiry=enquiry)
    can_close = enquiry.is_open and policies.can_close_with_outcome(user, enquiry)
    can_open = case is None and policies.can_open_case(user, enquiry)
    return {
        "outcomes": selectors_cases.outcome_list(enquiry=enquiry),
        "case": case,
        # A refused form is shown again with its errors, whatever changed meanwhile.
        "close_form": close_form or (OutcomeForm(prefix="close") if can_close else None),
        "open_case_form": open_case_form
        or (OpenCaseForm(prefix="case", initial={"title": enquiry.subject}) if can_open else None),
    }


def _assign_form(enquiry: Enquiry) -> AssignForm:
    """Starts at whoever holds the enquiry now (from the prefetched history: no query)."""
    held_by = next((a.adviser_id for a in enquiry.assignments.all() if a.is_current), None)
    return AssignForm(initial={"adviser": held_by})


@require_safe
@staff_required
def enquiry_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, reference)


def _back(reference: str) -> HttpResponse:
    return redirect("casework:enquiry", reference=reference)


@require_POST
@staff_required
def enquiry_claim(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    try:
        services.enquiry_claim(enquiry=enquiry, actor=request.user)
    except services.AlreadyAssigned as error:
        messages.error(request, str(error))
        return _detail(request, reference, status=409)
    messages.success(request, f"{reference} is now in your queue.")
    return _back(reference)


@require_POST
@staff_required
def enquiry_assign(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_assign_enquiry(request.user, enquiry):
        raise PermissionDenied
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _detail(request, reference, status=400, assign_form=form)
    assignment = services.enquiry_assign(
        enquiry=enquiry,
        adviser=form.cleaned_data["adviser"],
        reason=form.cleaned_data["reason"],
        actor=request.user,
    )
    where = assignment.adviser.name if assignment.adviser else "the team queue"
    messages.success(request, f"{reference} is now with {where}.")
    if not selectors.enquiry_visible_queryset(user=request.user).filter(pk=enquiry.pk).exists():
        return redirect("casework:queue")
    return _back(reference)


@require_POST
@staff_required
def enquiry_status(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_change_enquiry_status(request.user, enquiry):
        raise PermissionDenied
    form = StatusForm(request.POST, current=enquiry.status)
    if not form.is_valid():
        return _detail(request, reference, status=400, status_form=form)
    try:
        updated = services.enquiry_set_status(
            enquiry=enquiry, status=form.cleaned_data["status"], actor=request.user
        )
    except TransitionError as error:  # someone else moved it on since the page was read
        messages.error(request, str(error))
        return _detail(request, reference, status=409)
    except ValidationError as error:  # closing without a closing outcome
        form.add_error("status", error.message_dict.get("status", error.messages))
        return _detail(request, reference, status=400, status_form=form)
    messages.success(request, f"Status is now {updated.get_status_display().lower()}.")
    return _back(reference)


@require_http_methods(["GET", "POST"])
@staff_required
def enquiry_log(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = LogEnquiryForm(
        request.POST if request.method == "POST" else None,
        can_keep=policies.can_keep_logged_enquiry(user),
    )
    if request.method == "POST" and form.is_valid():
        submitted = services.enquiry_log(
            data=form.to_input(),
            channel=form.cleaned_data["channel"],
            actor=user,
            keep=form.cleaned_data.get("keep", False),
            received_at=form.cleaned_data["received_at"],
        )
        enquiry = submitted.enquiry
        if enquiry.assigned_to_id == user.pk:
            where = "It is in your queue."
        elif enquiry.assigned_to_id:
            holder = enquiry.assigned_to
            where = f"It was routed to {holder.get_full_name() or holder.get_username()}."
        else:
            where = "It is waiting in the team queue."
        messages.success(request, f"Enquiry {enquiry.reference} logged. {where}")
        visible = selectors.enquiry_visible_queryset(user=user).filter(pk=enquiry.pk).exists()
        if not visible:  # routed to another team: the logger may not open it
            return redirect("casework:queue")
        return redirect("casework:enquiry", reference=enquiry.reference)
    status = 400 if form.is_bound else 200
    return _no_store(render(request, "casework/enquiry_log.html", {"form": form}, status=status))


# --- statutory clocks ------------------------------------------------------------------------


@require_POST
@staff_required
def key_date_record(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
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
        return _detail(request, reference, status=400, key_date_form=form)
    messages.success(request, "Key date recorded: its deadlines are listed below.")
    return redirect(reverse("casework:enquiry", args=[reference]) + "#key-dates-heading")


@require_POST
@staff_required
def key_date_remove(request: HttpRequest, reference: str, key_date_id: int) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    key_date = selectors.key_date_get(enquiry=enquiry, key_date_id=key_date_id)
    if not policies.can_record_key_date(request.user, enquiry):
        raise PermissionDenied
    services.key_date_remove(key_date=key_date, actor=request.user)
    messages.success(request, "Key date removed, with the deadlines it started.")
    return _back(reference)


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
    return _no_store(render(request, "casework/clock.html", context, status=status))
