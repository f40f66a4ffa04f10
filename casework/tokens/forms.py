"""The form that makes an API token."""

from django import forms

from casework.models import ApiToken
from casework.tokens.services import MAX_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=ApiToken.NAME_MAX_LENGTH,
        help_text="What will use it, for example \u201cmonthly export script\u201d.",
        error_messages={"required": "Name the token after what will use it."},
    )
    days = forms.IntegerField(
        label="Valid for (days)",
        min_value=1,
        max_value=MAX_DAYS,
        initial=90,
        error_messages={"required": "Enter how many days it should work."},
    )
