from django import forms

from knowledgebase.models import Snippet
from knowledgebase.selectors import topic_choices


class SnippetForm(forms.Form):
    title = forms.CharField(max_length=Snippet._meta.get_field("title").max_length)
    topic = forms.ModelChoiceField(
        queryset=topic_choices(),
        required=False,
        empty_label="Any topic",
        help_text="Offered first on enquiries about this topic.",
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="The reply, with the letter placeholders if you need them, e.g. "
        "{{ contact.name }}, {{ enquiry.reference }}, {{ deadlines.acv_interim_moratorium }}.",
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label="Offer this snippet to advisers"
    )
