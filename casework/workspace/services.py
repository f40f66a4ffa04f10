"""Writes for the enquiry workspace: internal notes, tasks and time recorded.

Each takes ``actor``, checks it through ``policies`` and records an EnquiryEvent
in the same transaction. The caller has already fetched the enquiry through a
selector, so an enquiry the actor may not see never gets here (it is a 404).
Input the desk cannot use raises ``ValidationError`` with the field and the
reason; nothing is saved.
"""

from datetime import date, datetime, time

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from casework import policies
from casework.models import NOTE_MAX_LENGTH, TIME_ENTRY_MAX_MINUTES, Note, Task, TimeEntry
from config.limits import max_length
from enquiries import services as enquiries_services
from enquiries.models import Enquiry, EnquiryEvent
from knowledgebase.working_days import add_months

TASK_MAX_YEARS_AWAY = 5


@transaction.atomic
def note_add(*, enquiry: Enquiry, body: str, actor: User) -> Note:
    """An internal note: staff only, never shown to the group."""
    if not policies.can_add_note(actor, enquiry):
        raise PermissionDenied("Only desk staff can add notes.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the note before saving it."})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"body": f"A note can be at most {NOTE_MAX_LENGTH:,} characters: split it in two."}
        )
    note = Note.objects.create(enquiry=enquiry, author=actor, body=body)
    enquiries_services.enquiry_record_event(
        enquiry=enquiry, kind=EnquiryEvent.Kind.NOTE_ADDED, actor=actor, data={"note": note.pk}
    )
    return note


@transaction.atomic
def task_add(
    *,
    enquiry: Enquiry,
    title: str,
    due_on: date,
    assignee: User,
    actor: User,
) -> Task:
    """A task for a member of desk staff, due on a date no more than 5 years away (further
    is a typing slip in the year) and not before the enquiry arrived."""
    if not policies.can_add_task(actor, enquiry):
        raise PermissionDenied("Only desk staff can add tasks.")
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = "Say what needs doing."
    elif len(title) > (limit := max_length(Task, "title")):
        errors["title"] = f"Keep the task to {limit} characters; put the detail in a note."
    today = timezone.localdate()
    if due_on < (arrived := _arrival_day(enquiry)):
        errors["due_on"] = (
            f"The enquiry arrived on {arrived:%-d %B %Y}: a task on it cannot be due before then."
        )
    elif not (
        add_months(today, -12 * TASK_MAX_YEARS_AWAY)
        <= due_on
        <= add_months(today, 12 * TASK_MAX_YEARS_AWAY)
    ):
        errors["due_on"] = (
            f"The due date is more than {TASK_MAX_YEARS_AWAY} years away: check the year."
        )
    if not policies.can_be_given_tasks(assignee):
        errors["assignee"] = "Tasks can only be given to desk staff (advisers and managers)."
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        enquiry=enquiry, title=title, due_on=due_on, assignee=assignee, created_by=actor
    )
    enquiries_services.enquiry_record_event(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.TASK_ADDED,
        actor=actor,
        data={"task": task.pk, "title": title, "due_on": due_on.isoformat()},
    )
    return task


@transaction.atomic
def task_complete(*, task: Task, actor: User) -> Task:
    """Mark a task done: its assignee, its creator or a manager. The row is locked, so two
    clicks record it once; a task already done is left as it is."""
    task = Task.objects.select_for_update().select_related("enquiry").get(pk=task.pk)
    if not policies.can_complete_task(actor, task):
        raise PermissionDenied(
            "Only the person the task is for, whoever set it, or a manager can mark it done."
        )
    if task.done_at is not None:
        return task
    task.done_at = timezone.now()
    task.done_by = actor
    task.save(update_fields=["done_at", "done_by"])
    enquiries_services.enquiry_record_event(
        enquiry=task.enquiry,
        kind=EnquiryEvent.Kind.TASK_DONE,
        actor=actor,
        data={"task": task.pk, "title": task.title},
    )
    return task


@transaction.atomic
def time_record(
    *,
    enquiry: Enquiry,
    minutes: int,
    activity: str,
    spent_on: date,
    actor: User,
    note: str = "",
) -> TimeEntry:
    """Time the actor spent on the enquiry: 1 minute to 24 hours, on a day from the
    enquiry's arrival to today."""
    if not policies.can_record_time(actor, enquiry):
        raise PermissionDenied("Only desk staff can record time.")
    errors = {}
    if minutes is None or minutes < 1:
        errors["minutes"] = "Enter the time spent in minutes: at least 1."
    elif minutes > TIME_ENTRY_MAX_MINUTES:
        errors["minutes"] = (
            f"At most {TIME_ENTRY_MAX_MINUTES} minutes (24 hours) in one entry: "
            "record each day separately."
        )
    if activity not in TimeEntry.Activity.values:
        errors["activity"] = "Choose what the time was spent on from the list."
    if spent_on > timezone.localdate():
        errors["spent_on"] = "The date cannot be in the future."
    elif spent_on < (arrived := _arrival_day(enquiry)):
        errors["spent_on"] = (
            f"The enquiry arrived on {arrived:%-d %B %Y}: time spent before then cannot be on it."
        )
    note = (note or "").strip()
    if len(note) > (limit := max_length(TimeEntry, "note")):
        errors["note"] = f"Keep the note to {limit} characters."
    if errors:
        raise ValidationError(errors)
    entry = TimeEntry.objects.create(
        enquiry=enquiry,
        adviser=actor,
        minutes=minutes,
        activity=activity,
        spent_on=spent_on,
        note=note,
    )
    enquiries_services.enquiry_record_event(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.TIME_RECORDED,
        actor=actor,
        data={"time_entry": entry.pk, "minutes": minutes, "activity": activity},
    )
    if activity == TimeEntry.Activity.CALL:
        # A call with the group is a response (docs/service-levels.md): the first one
        # stops the first-response clock, dated by ``_call_time``.
        enquiries_services.enquiry_record_event(
            enquiry=enquiry,
            kind=EnquiryEvent.Kind.CALL_LOGGED,
            actor=actor,
            data={"time_entry": entry.pk, "spent_on": spent_on.isoformat()},
        )
        enquiries_services.enquiry_mark_first_response(
            enquiry=enquiry, at=_call_time(spent_on), actor=actor
        )
    return entry


def _arrival_day(enquiry: Enquiry) -> date:
    """The local day the enquiry reached the desk: nothing worked on it is dated before."""
    return timezone.localdate(enquiry.received_at)


def _call_time(spent_on: date) -> datetime:
    """When a call on ``spent_on`` happened, as near as the desk knows: now if it was
    today, else the end of that working day (17:00 local)."""
    if spent_on == timezone.localdate():
        return timezone.now()
    return datetime.combine(spent_on, time(17), tzinfo=timezone.get_current_timezone())
