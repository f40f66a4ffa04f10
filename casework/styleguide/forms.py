"""Example forms the style guide renders, so it shows the markup Django really produces
(labels, hints, errors and their aria-describedby). They are never saved."""

from django import forms


class ExampleFieldForm(forms.Form):
    group_name = forms.CharField(
        label="Group name", help_text="As it appears on the group's constitution."
    )


class ExampleComposerForm(forms.Form):
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 5}))
    audience = forms.ChoiceField(
        label="Who sees this",
        choices=[("internal", "Internal note"), ("public", "Update to the group")],
        initial="internal",
        widget=forms.RadioSelect,
    )
