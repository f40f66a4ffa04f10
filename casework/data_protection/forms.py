"""Forms on the managers' data-protection page."""

from django import forms

from config.widgets import DATE_INPUT
from enquiries.models import RetentionPolicy


class RetentionPolicyForm(forms.Form):
    years = forms.IntegerField(
        label="Keep personal data for (years after closure)",
        min_value=RetentionPolicy.MIN_YEARS,
        max_value=RetentionPolicy.MAX_YEARS,
        help_text="Then the enquiry is anonymised: its figures stay in every report.",
        error_messages={"required": "Enter a number of years."},
    )


class LegalHoldForm(forms.Form):
    reference = forms.CharField(
        label="Enquiry reference or case number",
        max_length=20,
        help_text="For example CR-2026-000123, or 42 for case 42 (its enquiries are held too).",
        error_messages={"required": "Enter an enquiry reference or a case number."},
    )
    reason = forms.CharField(
        label="Why the records must be kept",
        max_length=300,
        error_messages={"required": "Say why the records must be kept."},
    )
    until = forms.DateField(
        label="Until (optional)",
        required=False,
        widget=DATE_INPUT,
        help_text="Leave empty to hold until someone releases it.",
    )


class PersonRequestForm(forms.Form):
    """A person's request about their data (erasure, subject access): who, and when."""

    email = forms.EmailField(
        label="The person's email address",
        help_text="Every contact record with this address is covered, whatever the case.",
        error_messages={"required": "Enter the person's email address."},
    )
    received_on = forms.DateField(
        label="Date the request was received",
        widget=DATE_INPUT,
        error_messages={"required": "Enter the date the request was received."},
    )


class ErasureForm(PersonRequestForm):
    note = forms.CharField(
        label="How the request came (optional, no personal data)",
        max_length=300,
        required=False,
    )


class SubjectAccessForm(PersonRequestForm):
    """Who asked and when: the answer is due a calendar month later."""
