from django import forms

from casework.models import SavedView, Team


class SaveViewForm(forms.Form):
    name = forms.CharField(
        label="Save these filters as a view",
        max_length=SavedView._meta.get_field("name").max_length,
        error_messages={"required": "Give the view a name."},
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        empty_label="Just me",
        label="Share with",
        error_messages={"invalid_choice": "Choose one of the teams."},
    )
