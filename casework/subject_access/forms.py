"""The form that records a subject access request."""

from django import forms

from casework.workspace.forms import DATE_WIDGET


class SubjectAccessForm(forms.Form):
    email = forms.EmailField(
        label="The person's email address",
        help_text="Their records are found by it, whatever contact record or case.",
        error_messages={"required": "Enter the person's email address."},
    )
    received_on = forms.DateField(
        label="Date the request was received",
        widget=DATE_WIDGET,
        help_text="The answer is due a calendar month later.",
        error_messages={"required": "Enter the date the request was received."},
    )
