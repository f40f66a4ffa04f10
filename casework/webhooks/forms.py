"""The form that registers a webhook endpoint."""

from django import forms

from casework.models import WebhookEndpoint


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Address (URL)",
        max_length=500,
        assume_scheme="https",
        help_text="Where to send each event, as a signed JSON POST.",
        error_messages={"required": "Enter the address to send events to."},
    )
    description = forms.CharField(
        label="What receives it (optional)", max_length=200, required=False
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
