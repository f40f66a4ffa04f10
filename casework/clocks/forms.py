"""Forms for key dates (on an enquiry or a case) and the clock calculator."""

from typing import cast

from django import forms
from django.utils import timezone

from casework.models import KeyDate
from config.limits import max_length
from knowledgebase.periods import calculator_start_check


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
        max_length=max_length(KeyDate, "note"),
        help_text="Where the date comes from, for example the council's letter of 3 March.",
    )

    def __init__(self, *args, triggers=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["trigger"]).choices = [("", "Choose one")] + [
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
        cast(forms.ChoiceField, self.fields["rule"]).choices = [("", "Choose a clock")] + [
            (r.slug, f"{r.name} ({r.trigger_event.lower()})") for r in rules
        ]

    def clean_start(self):
        start = self.cleaned_data["start"]
        try:
            calculator_start_check(start, today=timezone.localdate())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return start


class CaseKeyDateForm(KeyDateForm):
    """A key date on one of a case's enquiries: the clocks run on that enquiry (its queue
    order, reminders and tracking page) and show on the case."""

    enquiry = forms.ChoiceField(label="On enquiry")
    field_order = ["enquiry", "trigger", "date", "note"]

    def __init__(self, *args, enquiries=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["enquiry"]).choices = [
            (e.reference, str(e.reference)) for e in enquiries
        ]
        self.fields["enquiry"].error_messages["invalid_choice"] = (
            "Choose one of this case's enquiries that you hold."
        )
