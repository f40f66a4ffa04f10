"""The one field of the second step of signing in and of setting up an authenticator."""

from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows now, or a recovery code.",
        error_messages={"required": "Enter the code from your authenticator app."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )


class AuthenticatorCodeForm(CodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code the app shows for this desk."
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
