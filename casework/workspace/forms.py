"""Forms for notes, tasks and time on an enquiry."""

from typing import cast

from django import forms
from django.utils import timezone

from casework.models import NOTE_MAX_LENGTH, Task, TimeEntry
from config.limits import max_length
from config.widgets import QuickSelect

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


DATE_INVALID = {"invalid": "Enter a real date, for example 2026-03-02."}


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Internal note",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX_LENGTH,
        help_text="Staff only: the group never sees notes.",
        error_messages={"required": "Write the note before saving it."},
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class TaskForm(forms.Form):
    title = forms.CharField(
        label="What needs doing?",
        max_length=max_length(Task, "title"),
        error_messages={"required": "Say what needs doing."},
    )
    due_on = forms.DateField(
        label="Due on",
        widget=DATE_WIDGET,
        help_text="For example 2026-03-02.",
        error_messages={**DATE_INVALID, "required": "Enter the date the task is due."},
    )
    assignee = StaffChoiceField(
        label="For",
        queryset=None,
        empty_label=None,
        widget=QuickSelect,
        error_messages={
            "invalid_choice": "Tasks can only be given to desk staff (advisers and managers)."
        },
    )

    def __init__(self, *args, staff=None, staff_rows=None, **kwargs):
        """``staff``: the queryset a choice is checked against; ``staff_rows``: its rows
        if already read (with a page's others), else they are read from ``staff``."""
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["assignee"])
        field.queryset = staff
        rows = staff_rows if staff_rows is not None else staff
        if rows is not None:  # the options read once, however often the widget lists them
            field.choices = [(user.pk, field.label_from_instance(user)) for user in rows]


class TimeEntryForm(forms.Form):
    minutes = forms.IntegerField(
        label="Minutes spent",
        help_text="For example 90 for an hour and a half; at most 1440 (24 hours).",
        error_messages={"required": "Enter the time spent in minutes."},
    )
    activity = forms.ChoiceField(
        label="Spent on",
        choices=[("", "Choose one"), *TimeEntry.Activity.choices],
        widget=QuickSelect,
        error_messages={"invalid_choice": "Choose what the time was spent on from the list."},
    )
    spent_on = forms.DateField(
        label="Date", widget=DATE_WIDGET, error_messages=DATE_INVALID, initial=timezone.localdate
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=max_length(TimeEntry, "note"),
    )
