"""The enquiry workspace in HTML: add an internal note, add a task, mark a task done, record
time, keep a staff document, send an update to the group. Each view parses, calls one
service, and responds as ``casework.views`` does: the enquiry page again with a 400 and
the errors, or a redirect back to it."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from casework import policies, selectors
from casework import selectors_workspace as workspace
from casework import services_messages as messages_services
from casework import services_workspace as services
from casework.forms import NoteForm, TaskForm, TimeEntryForm
from casework.forms_edit import PublicMessageForm, StaffDocumentForm
from casework.views import _detail, staff_required
from enquiries.services_public import attachment_response
from enquiries.uploads import UploadRefused


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


# --- documents and updates to the group ---------------------------------------------------------


@require_POST
@staff_required
def document_add(request: HttpRequest, reference: str) -> HttpResponse:
    """Keep a staff-only document on the enquiry (checked by its content, not its name)."""
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_add_staff_document(request.user, enquiry):
        raise PermissionDenied
    form = StaffDocumentForm(request.POST, request.FILES, prefix="doc")
    if form.is_valid():
        try:
            messages_services.staff_document_add(
                enquiry=enquiry, upload=form.cleaned_data["file"], actor=request.user
            )
        except UploadRefused as refused:
            form.add_error("file", str(refused))
    if not form.is_valid():
        return _detail(request, reference, status=400, document_form=form)
    messages.success(request, "Document kept (staff only).")
    return _back_to(reference, "documents-heading")


@require_safe
@staff_required
def document_download(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponse:
    """A document as a download, to desk staff who can see the enquiry (else 404)."""
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    attachment = workspace.attachment_get(enquiry=enquiry, attachment_id=attachment_id)
    return attachment_response(attachment)


@require_POST
@staff_required
def message_publish(request: HttpRequest, reference: str) -> HttpResponse:
    """Send an update to the group, with any documents; optionally wait for their reply."""
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_publish_message(request.user, enquiry):
        raise PermissionDenied
    form = PublicMessageForm(request.POST, request.FILES, prefix="msg")
    key = request.POST.get("submission_key", "")[:64]
    if form.is_valid():
        data = form.cleaned_data
        try:
            messages_services.group_update_send(
                enquiry=enquiry,
                body=data["body"],
                files=data["files"],
                awaiting_group=data["awaiting_group"],
                submission_key=key,
                actor=request.user,
            )
        except UploadRefused as refused:
            form.add_error("files", str(refused))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    if not form.is_valid():
        return _detail(request, reference, status=400, message_form=form, submission_key=key)
    messages.success(request, "Update sent to the group.")
    return _back_to(reference, "timeline-heading")
