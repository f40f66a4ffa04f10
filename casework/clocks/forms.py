"""Forms for key dates (on an enquiry or a case) and the clock calculator."""

from datetime import date
from typing import cast

from django import forms
from django.utils import timezone

from casework.models import DeadlineExtension, KeyDate
from config.limits import max_length
from config.widgets import QuickSelect, QuickSelectMultiple
from knowledgebase import selectors as knowledgebase_selectors
from knowledgebase.models import LocalAuthority
from knowledgebase.periods import calculator_start_check
from knowledgebase.reference_data import reference_data


def _starts(trigger) -> str:
    """What a key date starts, in words: its clocks, and the other reading of a rule whose
    start is disputed."""
    said = []
    if trigger.rules:
        said.append(f"starts: {', '.join(r.name for r in trigger.rules)}")
    if trigger.also:
        said.append(f"the other reading of: {', '.join(r.name for r in trigger.also)}")
    return "; ".join(said)


class KeyDateForm(forms.Form):
    """Record a date that starts clocks. The service checks the trigger and the date's range."""

    trigger = forms.ChoiceField(
        label="What happened?",
        widget=QuickSelect,
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
    councils = forms.ModelMultipleChoiceField(
        label="Which councils' areas does the area fall within? (optional)",
        required=False,
        queryset=LocalAuthority.objects.none(),
        widget=QuickSelectMultiple(attrs={"size": 6}),
        help_text=(
            "For a neighbourhood area or forum application: if the area falls within more "
            "than one council's area, the council has 20 weeks to decide, not 13. Choose "
            "each council (hold Ctrl or Cmd to choose more than one)."
        ),
        error_messages={"invalid_choice": "Choose councils from the list."},
    )

    def __init__(self, *args, triggers=(), **kwargs):
        super().__init__(*args, **kwargs)
        councils = cast(forms.ModelMultipleChoiceField, self.fields["councils"])
        councils.queryset = knowledgebase_selectors.local_authority_choices()
        # Drawn from the areas this process holds (``reference_data``: the same active
        # areas by name) instead of a query per page; the queryset still checks a choice.
        councils.widget.choices = [
            (area.pk, councils.label_from_instance(area)) for area in reference_data().areas
        ]
        cast(forms.ChoiceField, self.fields["trigger"]).choices = [("", "Choose one")] + [
            (t.slug, f"{t.label} ({_starts(t)})") for t in triggers
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

    several_councils = forms.BooleanField(
        label="The area falls within more than one council's area",
        required=False,
        help_text="Changes some neighbourhood planning clocks (20 weeks, not 13).",
    )
    other_start = forms.DateField(
        label="Other start date (optional, for a clock whose start is disputed)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=(
            "The owner's compensation claim: the day the moratorium ended, for the advice "
            "note's reading. Both readings are shown and the earlier end is the one to work to."
        ),
        error_messages={"invalid": "Enter a real date, for example 2026-09-01."},
    )

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rule"]).choices = [("", "Choose a clock")] + [
            (r.slug, f"{r.name} ({r.trigger_event.lower()})") for r in rules
        ]

    @property
    def conditions(self) -> frozenset[str]:
        """The facts ticked, as rule variant conditions (``knowledgebase.periods``)."""
        return frozenset({"several_councils"} if self.cleaned_data.get("several_councils") else ())

    def clean_start(self):
        start = self.cleaned_data["start"]
        try:
            calculator_start_check(start, today=timezone.localdate())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return start

    def clean_other_start(self):
        other = self.cleaned_data.get("other_start")
        if other is not None:
            try:
                calculator_start_check(other, today=timezone.localdate())
            except ValueError as error:
                raise forms.ValidationError(str(error)) from None
        return other


class CaseKeyDateForm(KeyDateForm):
    """A key date on one of a case's enquiries: the clocks run on that enquiry (its queue
    order, reminders and tracking page) and show on the case."""

    enquiry = forms.ChoiceField(label="On enquiry", widget=QuickSelect)
    field_order = ["enquiry", "trigger", "date", "councils", "note"]

    def __init__(self, *args, enquiries=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["enquiry"]).choices = [
            (e.reference, str(e.reference)) for e in enquiries
        ]
        self.fields["enquiry"].error_messages["invalid_choice"] = (
            "Choose one of this case's enquiries that you hold."
        )


class DeadlineExtensionForm(forms.Form):
    """Extend a deadline by agreement. The service checks the new end is after the current
    due date and that the agreement is not dated in the future."""

    deadline = forms.ChoiceField(
        label="Which deadline?",
        widget=QuickSelect,
        error_messages={"invalid_choice": "Choose a deadline from the list."},
    )
    agreed_by = forms.CharField(
        label="Who agreed?",
        max_length=max_length(DeadlineExtension, "agreed_by"),
        help_text="For example: the owner and the council.",
    )
    agreed_on = forms.DateField(
        label="When was it agreed?",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 2026-03-02."},
    )
    extended_to = forms.DateField(
        label="New end date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Must be after the current due date.",
        error_messages={"invalid": "Enter a real date, for example 2026-06-30."},
    )
    evidence = forms.CharField(
        label="Evidence (optional)",
        required=False,
        max_length=max_length(DeadlineExtension, "evidence"),
        help_text="Where the agreement is recorded, for example the council's email of 3 May.",
    )
    document = forms.ChoiceField(
        label="Document on file (optional)", required=False, widget=QuickSelect
    )
    # The due dates the page showed ("<deadline id>:<YYYY-MM-DD>,..."): the service refuses
    # an extension of a deadline someone else extended after the page was read.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, deadlines=(), documents=(), enquiry_of=None, **kwargs):
        """``deadlines``: ``DeadlineView``s; ``documents`` None leaves the document out (a
        case's form); ``enquiry_of`` names each deadline's enquiry (deadline id -> its
        reference) where the form covers several."""
        super().__init__(*args, **kwargs)
        deadlines = [d for d in deadlines if d.deadline_id]

        def label(d) -> str:
            where = f"{enquiry_of[d.deadline_id]}: " if enquiry_of else ""
            return f"{where}{d.rule.name} (due {d.due:%-d %B %Y})"

        cast(forms.ChoiceField, self.fields["deadline"]).choices = [("", "Choose one")] + [
            (str(d.deadline_id), label(d)) for d in deadlines
        ]
        self.fields["seen"].initial = ",".join(
            f"{d.deadline_id}:{d.due.isoformat()}" for d in deadlines
        )
        if documents is None:
            del self.fields["document"]
            return
        cast(forms.ChoiceField, self.fields["document"]).choices = [("", "None")] + [
            (str(a.pk), a.original_name) for a in documents
        ]
        self.fields["document"].error_messages["invalid_choice"] = (
            "Choose a document on this enquiry."
        )

    def clean(self):
        """``expected_end``: the due date the page showed for the chosen deadline (None if
        the page did not say, as from an older page)."""
        data = super().clean() or {}
        seen = dict(
            part.split(":", 1) for part in (data.get("seen") or "").split(",") if ":" in part
        )
        try:
            data["expected_end"] = date.fromisoformat(seen[data.get("deadline", "")])
        except (KeyError, ValueError):
            data["expected_end"] = None
        data.pop("seen", None)
        return data
