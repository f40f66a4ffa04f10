"""Which emails a member of staff wants besides the in-app notices."""

from django import forms

from enquiries.models import EmailPreference


class EmailPreferenceForm(forms.ModelForm):
    class Meta:
        model = EmailPreference
        fields = ["assigned", "replies", "deadlines"]
