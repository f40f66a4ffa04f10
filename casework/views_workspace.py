"""The enquiry workspace in HTML: add an internal note, add a task, mark a task done, record
time. Each view parses, calls one service, and responds as ``casework.views`` does: the
enquiry page again with a 400 and the errors, or a redirect back to it."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework import policies, selectors
from casework import selectors_workspace as workspace
from casework import services_workspace as services
from casework.forms import NoteForm, TaskForm, TimeEntryForm
from casework.views import _detail, staff_required


def _apply(form: forms.Form, action: Callable[[dict], object]) -> bool:
    """Run ``action`` with the cleaned data if the form is valid; the service's reasons for
    refusing become the form's errors. True when it was done."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


def _back_to(reference: str, anchor: str) -> HttpResponse:
    return redirect(reverse("casework:enquiry", args=[reference]) + f"#{anchor}")


@require_POST
@staff_required
def note_add(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_add_note(request.user, enquiry):
        raise PermissionDenied
    form = NoteForm(request.POST, prefix="note")
    done = _apply(
        form,
        lambda data: services.note_add(enquiry=enquiry, body=data["body"], actor=request.user),
    )
    if not done:
        return _detail(request, reference, status=400, note_form=form)
    messages.success(request, "Internal note added.")
    return _back_to(reference, "timeline-heading")


@require_POST
@staff_required
def task_add(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_add_task(request.user, enquiry):
        raise PermissionDenied
    form = TaskForm(request.POST, prefix="task", staff=workspace.desk_staff_users())
    done = _apply(
        form,
        lambda data: services.task_add(enquiry=enquiry, actor=request.user, **data),
    )
    if not done:
        return _detail(request, reference, status=400, task_form=form)
    messages.success(request, "Task added.")
    return _back_to(reference, "tasks-heading")


@require_POST
@staff_required
def task_done(request: HttpRequest, reference: str, task_id: int) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    task = workspace.task_get(enquiry=enquiry, task_id=task_id)
    if not policies.can_complete_task(request.user, task):
        raise PermissionDenied
    services.task_complete(task=task, actor=request.user)
    messages.success(request, f"Task done: {task.title}")
    return _back_to(reference, "tasks-heading")


@require_POST
@staff_required
def time_record(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_record_time(request.user, enquiry):
        raise PermissionDenied
    form = TimeEntryForm(request.POST, prefix="time")
    done = _apply(
        form,
        lambda data: services.time_record(enquiry=enquiry, actor=request.user, **data),
    )
    if not done:
        return _detail(request, reference, status=400, time_form=form)
    messages.success(request, "Time recorded.")
    return _back_to(reference, "time-heading")
