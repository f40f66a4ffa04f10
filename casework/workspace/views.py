"""Notes, tasks and time on the enquiry page: the panel, and the forms it posts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework import policies
from casework.desk import selectors as desk_selectors
from casework.desk.views import (
    back_to_enquiry,
    chosen,
    chosen_and_kept,
    enquiry_page,
    enquiry_url,
    form_post,
    staff_required,
)
from casework.workspace import selectors, services
from casework.workspace.forms import NoteForm, TaskForm, TimeEntryForm
from config.http import AuthenticatedHttpRequest
from enquiries.models import Enquiry


@require_POST
@staff_required
def note_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return form_post(
        request,
        enquiry_page,
        reference,
        NoteForm(request.POST, prefix="note"),
        lambda data: services.note_add(enquiry=enquiry, body=data["body"], actor=request.user),
        allowed=policies.can_add_note(request.user, enquiry),
        bound="note_form",
        done="Internal note added.",
        then=enquiry_url(reference, "timeline-heading"),
    )


@require_POST
@staff_required
def task_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return form_post(
        request,
        enquiry_page,
        reference,
        TaskForm(request.POST, prefix="task", staff=selectors.desk_staff_users()),
        lambda data: services.task_add(enquiry=enquiry, actor=request.user, **data),
        allowed=policies.can_add_task(request.user, enquiry),
        bound="task_form",
        done="Task added.",
        then=enquiry_url(reference, "tasks-heading"),
    )


@require_POST
@staff_required
def task_done(request: AuthenticatedHttpRequest, reference: str, task_id: int) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    task = selectors.task_get(enquiry=enquiry, task_id=task_id)
    if not policies.can_complete_task(request.user, task):
        raise PermissionDenied
    services.task_complete(task=task, actor=request.user)
    messages.success(request, f"Task done: {task.title}")
    return back_to_enquiry(reference, "tasks-heading")


@require_POST
@staff_required
def time_record(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return form_post(
        request,
        enquiry_page,
        reference,
        TimeEntryForm(request.POST, prefix="time"),
        lambda data: services.time_record(enquiry=enquiry, actor=request.user, **data),
        allowed=policies.can_record_time(request.user, enquiry),
        bound="time_form",
        done="Time recorded.",
        then=enquiry_url(reference, "time-heading"),
    )


@enquiry_page.reads
def _workspace_reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    """The timeline's rows (as filtered), the tasks, and the staff a task can be given to."""
    show = chosen(request, "show", selectors.SHOW_CHOICES, "all")
    return {
        **selectors.timeline_parts(enquiry=enquiry, show=show),
        "tasks": selectors.task_queryset(enquiry=enquiry)[: selectors.TIMELINE_LIMIT],
        "staff": selectors.desk_staff_users(),
    }


@enquiry_page.panel()
def _workspace_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The timeline, the tasks and time, and the forms to add to them (their rows read
    with the page's others)."""
    user = request.user
    rows = context["rows"]
    show = chosen(request, "show", selectors.SHOW_CHOICES, "all")
    timeline = selectors.enquiry_timeline(enquiry=enquiry, show=show, rows=rows)
    order = chosen_and_kept(request, "order", ORDER_CHOICES, "oldest")
    shown = timeline_shown(timeline, order=order, everything=request.GET.get("entries") == "all")
    tasks = rows["tasks"]
    return {
        "timeline": shown,
        "timeline_hidden": len(timeline) - len(shown),
        "timeline_truncated": len(timeline) == selectors.TIMELINE_LIMIT,
        "timeline_limit": selectors.TIMELINE_LIMIT,
        "order": order,
        "compose": _composing(request, context, bound),
        "tasks_open": sum(1 for task in tasks if task.done_at is None),
        "show": show,
        "show_choices": selectors.SHOW_CHOICES,
        "show_label": dict(selectors.SHOW_CHOICES)[show],
        "today": timezone.localdate(),
        "tasks": [(task, policies.can_complete_task(user, task)) for task in tasks],
        "time_total": selectors.minutes_in_words(
            # Read with the enquiry by the page's loader (``with_time``), else asked.
            (enquiry.time_minutes or 0)
            if hasattr(enquiry, "time_minutes")
            else selectors.time_total_minutes(enquiry=enquiry)
        ),
        "note_form": (
            (bound.get("note_form") or NoteForm(prefix="note"))
            if policies.can_add_note(user, enquiry)
            else None
        ),
        "task_form": (
            (
                bound.get("task_form")
                or TaskForm(
                    prefix="task",
                    staff=selectors.desk_staff_users(),
                    staff_rows=rows["staff"],
                    initial={"assignee": user.pk},
                )
            )
            if policies.can_add_task(user, enquiry)
            else None
        ),
        "time_form": (
            (bound.get("time_form") or TimeEntryForm(prefix="time"))
            if policies.can_record_time(user, enquiry)
            else None
        ),
    }


ORDER_CHOICES = [("oldest", "Newest at the bottom"), ("newest", "Newest first")]
COMPOSER_TABS = [("update", "Update to the group"), ("note", "Internal note")]
# In conversation order the page opens on the latest few entries, just above the composer.
CONVERSATION_SHOWN = 3


def timeline_shown(timeline: list, *, order: str, everything: bool) -> list:
    """The entries the page lists: newest first, all of them; or in conversation order
    (newest at the bottom), the latest few unless the reader asked for every one."""
    if order == "newest":
        return timeline
    latest = timeline if everything else timeline[:CONVERSATION_SHOWN]
    return list(reversed(latest))


def _composing(request: HttpRequest, context: dict, bound: dict) -> str:
    """Which the composer shows: the update to the group or the internal note, as the
    reader last chose (kept in their session). A refused form comes back in its own tab;
    a snippet or article being inserted goes in an update."""
    can_update = context.get("message_form") is not None
    if "note_form" in bound:
        return "note"
    if "message_form" in bound or request.GET.get("snippet") or request.GET.get("insert"):
        return "update" if can_update else "note"
    wanted = chosen_and_kept(request, "compose", COMPOSER_TABS, "update")
    return wanted if can_update else "note"
