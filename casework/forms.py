"""Desk forms. They check shape; the services decide."""

from dataclasses import dataclass, replace

from django import forms
from django.utils import timezone

from casework.deadlines import calculator_start_check
from casework.models import NOTE_MAX_LENGTH, Adviser, TimeEntry
from enquiries.forms import EnquiryForm, grouped_topic_choices
from enquiries.models import STATUS_TRANSITIONS, Channel, Priority, Status
from enquiries.services import EnquiryInput


class StatusForm(forms.Form):
    """Offers only the statuses the workflow allows after ``current``."""

    status = forms.ChoiceField(label="New status", choices=Status.choices)

    def __init__(self, *args, current: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current is None:
            return
        allowed = STATUS_TRANSITIONS.get(current, frozenset())
        choices = [(value, label) for value, label in Status.choices if value in allowed]
        field = self.fields["status"]
        field.choices = [("", "Choose a status"), *choices]
        field.error_messages["invalid_choice"] = (
            f"An enquiry that is {Status(current).label.lower()} can become: "
            + ", ".join(label.lower() for _, label in choices)
            + "."
        )


class AssignForm(forms.Form):
    adviser = forms.ModelChoiceField(
        label="Assign to",
        queryset=Adviser.objects.filter(is_active=True).select_related("user"),
        required=False,
        empty_label="Team queue (unassigned)",
    )
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)


class LogEnquiryForm(EnquiryForm):
    """An adviser records an enquiry that came by phone, email, letter or in person.

    The same fields as the public form, worded for the adviser; ``can_keep``
    False (staff who are not advisers) leaves out the "keep it" choice.
    """

    channel = forms.ChoiceField(
        label="How did it reach us?",
        choices=[("", "Choose one")] + [(c.value, c.label) for c in Channel.staff_logged()],
    )
    received_at = forms.DateTimeField(
        label="When was it received? (optional)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave blank if it arrived just now.",
    )
    priority = forms.TypedChoiceField(
        label="Priority", choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    keep = forms.BooleanField(
        label="Keep this enquiry in my queue",
        required=False,
        initial=True,
        help_text="Untick to route it to an adviser like a web enquiry.",
    )

    field_order = ["channel", "received_at", *EnquiryForm.field_order, "priority", "keep"]

    LABELS = {
        "organisation_name": (
            "Name of the group or organisation",
            "If they are asking as an individual, write their own name.",
        ),
        "contact_name": ("Contact's name", None),
        "email": ("Contact's email address", "We send the reference and a private link here."),
        "phone": ("Contact's phone number (optional)", None),
        "local_authority": (
            "Local authority area",
            "The council area where the group, or the building or land, is.",
        ),
        "topic": ("What is the enquiry about?", None),
        "message": (
            "The enquiry",
            "What they need help with, and any dates they have been given.",
        ),
        "accessibility_needs": (
            "Anything that makes contact easier for them? (optional)",
            "For example: large print, phone rather than email, an interpreter.",
        ),
    }

    def __init__(self, *args, can_keep: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        if not can_keep:
            del self.fields["keep"]
        for name, (label, help_text) in self.LABELS.items():
            self.fields[name].label = label
            if help_text is not None:
                self.fields[name].help_text = help_text
        consent = self.fields["consent_to_store"]
        consent.label = "The enquirer agreed that the desk may store these details."
        consent.error_messages["required"] = (
            "Ask the enquirer for consent to store their details before logging the enquiry."
        )

    def is_spam(self) -> bool:
        return False

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now():
            raise forms.ValidationError("The date received cannot be in the future.")
        return value

    def to_input(self) -> EnquiryInput:
        return replace(super().to_input(), priority=self.cleaned_data["priority"])


# --- the queue's filter form: display only; the selector applies the FilterSet ----------------

MAIN_FILTERS = ["q", "status", "topic", "area", "channel", "age", "sla", "ordering"]
MORE_FILTERS = ["priority", "region", "received_after", "received_before", "unassigned"]
MANAGER_FILTERS = ["adviser"]


@dataclass(frozen=True)
class QueueFilters:
    form: forms.Form
    main: list[forms.BoundField]
    more: list[forms.BoundField]

    @property
    def more_in_use(self) -> bool:
        """Open the "more filters" section when one of its fields is set or wrong."""
        return any(field.value() not in (None, "", []) or field.errors for field in self.more)


def queue_filters(form: forms.Form, *, is_manager: bool) -> QueueFilters:
    """Lay out the queue's FilterSet form for people: plain choices and clear labels.

    Changes labels, widgets and displayed choices only; what a value means is
    still decided by ``casework.filters.EnquiryFilter``.
    """
    fields = form.fields
    fields["q"].widget = forms.TextInput(attrs={"type": "search"})
    fields["status"].widget = forms.CheckboxSelectMultiple(choices=Status.choices)
    fields["status"].help_text = "Open enquiries only, unless you tick statuses."
    # Only what is shown changes (widget choices); the filter's own choices still validate.
    fields["topic"].widget.choices = [("", "Any topic")] + grouped_topic_choices()[1:]
    for name, anything in [
        ("area", "Any area"),
        ("region", "Any region"),
        ("adviser", "Any adviser"),
        ("channel", "Any channel"),
        ("priority", "Any priority"),
        ("age", "Any age"),
        ("sla", "Any"),
    ]:
        fields[name].empty_label = anything
        fields[name].widget.choices = fields[name].choices
    fields["age"].label = "Age (days since received)"
    for name in ("received_after", "received_before"):
        fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    fields["unassigned"].label = "Assigned or not"
    fields["unassigned"].widget = forms.Select(
        choices=[("", "Either"), ("true", "Unassigned only"), ("false", "Assigned only")]
    )
    fields["ordering"].widget.choices = [
        ("", "Priority, then oldest first"),
        ("deadline", "Nearest statutory deadline first"),
        ("sla", "Nearest service-level breach first"),
        ("received", "Oldest first"),
        ("-received", "Newest first"),
        ("-priority", "Highest priority first"),
        ("priority", "Lowest priority first"),
        ("reference", "Reference"),
        ("-reference", "Reference, reversed"),
        ("status", "Status"),
        ("-status", "Status, reversed"),
    ]
    more = MORE_FILTERS + (MANAGER_FILTERS if is_manager else [])
    return QueueFilters(
        form=form, main=[form[name] for name in MAIN_FILTERS], more=[form[name] for name in more]
    )


# --- statutory clocks ---------------------------------------------------------------------------


class KeyDateForm(forms.Form):
    """Record a date that starts clocks. The service checks the trigger and the date's range."""

    trigger = forms.ChoiceField(
        label="What happened?",
        error_messages={"invalid_choice": "Choose a key date from the list."},
    )
    date = forms.DateField(
        label="On what date?",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The date in the notice or letter, for example 2026-03-02.",
        error_messages={"invalid": "Enter a real date, for example 2026-03-02."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=500,
        help_text="Where the date comes from, for example the council's letter of 3 March.",
    )

    def __init__(self, *args, triggers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = [("", "Choose one")] + [
            (t.slug, f"{t.label} (starts: {', '.join(r.name for r in t.rules)})") for t in triggers
        ]


class ClockForm(forms.Form):
    """The adviser's calculator: a rule and a start date (GET, so results can be linked)."""

    rule = forms.ChoiceField(
        label="Clock", error_messages={"invalid_choice": "Choose a clock from the list."}
    )
    start = forms.DateField(
        label="Start date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The day the clock starts, for example 2026-03-02.",
        error_messages={"invalid": "Enter a real date, for example 2026-03-02."},
    )

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "Choose a clock")] + [
            (r.slug, f"{r.name} ({r.trigger_event.lower()})") for r in rules
        ]

    def clean_start(self):
        start = self.cleaned_data["start"]
        try:
            calculator_start_check(start, today=timezone.localdate())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return start


# --- the workspace: notes, tasks, time (the services check the rules) ---------------------------

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
        max_length=200,
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
        error_messages={
            "invalid_choice": "Tasks can only be given to desk staff (advisers and managers)."
        },
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class TimeEntryForm(forms.Form):
    minutes = forms.IntegerField(
        label="Minutes spent",
        help_text="For example 90 for an hour and a half; at most 1440 (24 hours).",
        error_messages={"required": "Enter the time spent in minutes."},
    )
    activity = forms.ChoiceField(
        label="Spent on",
        choices=[("", "Choose one"), *TimeEntry.Activity.choices],
        error_messages={"invalid_choice": "Choose what the time was spent on from the list."},
    )
    spent_on = forms.DateField(
        label="Date", widget=DATE_WIDGET, error_messages=DATE_INVALID, initial=timezone.localdate
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)
