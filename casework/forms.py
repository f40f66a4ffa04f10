"""Desk forms. They check shape; the services decide."""

from django import forms
from django.utils import timezone

from casework.models import Adviser
from enquiries.forms import EnquiryForm
from enquiries.models import Channel, Status


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=Status.choices)


class AssignForm(forms.Form):
    adviser = forms.ModelChoiceField(
        label="Assign to",
        queryset=Adviser.objects.filter(is_active=True).select_related("user"),
        required=False,
        empty_label="Team queue (unassigned)",
    )
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)


class LogEnquiryForm(EnquiryForm):
    """An adviser records an enquiry that came by phone, email, letter or in person."""

    channel = forms.ChoiceField(
        label="How did it reach us?", choices=[(c.value, c.label) for c in Channel.staff_logged()]
    )
    received_at = forms.DateTimeField(
        label="When was it received?",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave blank for now.",
    )
    keep = forms.BooleanField(label="Keep this enquiry in my queue", required=False, initial=True)

    field_order = ["channel", "received_at", *EnquiryForm.field_order, "keep"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
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
