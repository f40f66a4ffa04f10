"""Forms for one enquiry: its status, logging one by hand (phone, email, letter...), editing it."""

from dataclasses import replace
from typing import cast

from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce

from casework.desk.forms import DetailsEditForm
from config.limits import max_length
from config.widgets import QuickSelect
from enquiries.intake.forms import EnquiryForm
from enquiries.intake.services import EnquiryInput
from enquiries.models import STATUS_TRANSITIONS, Channel, Enquiry, Priority, Status
from knowledgebase.models import LocalAuthority, Topic


class StatusForm(forms.Form):
    """Offers only the statuses the workflow allows after ``current``."""

    status = forms.ChoiceField(label="New status", choices=Status.choices, widget=QuickSelect)

    def __init__(self, *args, current: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current is None:
            return
        allowed = STATUS_TRANSITIONS.get(current, frozenset())
        choices = [(value, label) for value, label in Status.choices if value in allowed]
        field = cast(forms.ChoiceField, self.fields["status"])
        field.choices = [("", "Choose a status"), *choices]
        field.error_messages["invalid_choice"] = (
            f"An enquiry that is {Status(current).label.lower()} can become: "
            + ", ".join(label.lower() for _, label in choices)
            + "."
        )


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
        self.fields[
            "accessibility_consent"
        ].label = "The enquirer explicitly agreed that the desk may keep their access needs."
        self.fields[
            "accessibility_consent"
        ].help_text = "Needed only if you wrote access needs: they may be about their health."
        self.fields[
            "consent_to_refer"
        ].label = (
            "The enquirer agreed that the desk may pass their details to a partner (optional)."
        )
        consent = self.fields["consent_to_store"]
        consent.label = "The enquirer agreed that the desk may store these details."
        consent.error_messages["required"] = (
            "Ask the enquirer for consent to store their details before logging the enquiry."
        )

    def is_spam(self) -> bool:
        return False

    def to_input(self) -> EnquiryInput:
        return replace(super().to_input(), priority=self.cleaned_data["priority"])


class EnquiryEditForm(DetailsEditForm):
    @classmethod
    def initial_from(cls, record) -> dict:
        """The record's values, its secondary topics by their keys."""
        plain = [name for name in cls.base_fields if name != "secondary_topics"]
        initial = {name: getattr(record, record._meta.get_field(name).attname) for name in plain}
        initial["secondary_topics"] = [topic.pk for topic in record.secondary_topics.all()]
        return initial

    field_order = [
        "subject",
        "topic",
        "secondary_topics",
        "priority",
        "asset_name",
        "asset_address",
        "local_authority",
    ]

    subject = forms.CharField(
        label="Subject",
        max_length=max_length(Enquiry, "subject"),
        error_messages={"required": "Give the enquiry a subject."},
    )
    topic = forms.ModelChoiceField(
        label="Topic",
        queryset=Topic.objects.none(),
        required=False,
        empty_label="Not sure",
        widget=QuickSelect,
        error_messages={"invalid_choice": "Choose a topic from the list."},
    )
    # Checkboxes: Django renders them in a fieldset whose legend is the label.
    secondary_topics = forms.ModelMultipleChoiceField(
        label="Also about (secondary topics)",
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Up to {Enquiry.SECONDARY_TOPICS_MAX}, not the topic above. Routing and "
        "the demand report use them.",
        error_messages={"invalid_choice": "Choose secondary topics from the list."},
    )
    priority = forms.TypedChoiceField(
        label="Priority",
        choices=Priority.choices,
        coerce=int,
        error_messages={
            "required": "Choose a priority.",
            "invalid_choice": "Choose a priority from the list.",
        },
    )
    local_authority = forms.ModelChoiceField(
        label="Area (local authority)",
        queryset=LocalAuthority.objects.none(),
        required=False,
        empty_label="Not given",
        widget=QuickSelect,
        error_messages={"invalid_choice": "Choose a local authority from the list."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = Topic.objects.filter(is_active=True).select_related("parent")
        cast(forms.ModelChoiceField, self.fields["topic"]).queryset = active
        # Each top-level topic, then its sub-topics ("Funding", "Funding: revenue grants").
        cast(
            forms.ModelMultipleChoiceField, self.fields["secondary_topics"]
        ).queryset = active.order_by(
            Coalesce("parent__position", "position"),
            Coalesce("parent__name", "name"),
            F("parent_id").asc(nulls_first=True),
            "position",
            "name",
        )
        cast(
            forms.ModelChoiceField, self.fields["local_authority"]
        ).queryset = LocalAuthority.objects.filter(is_active=True)
