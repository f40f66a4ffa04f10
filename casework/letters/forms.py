"""Forms for guidance letters. They check shape only; the services decide the rules."""

from typing import cast

from django import forms

from casework.letters.services import BODY_MAX_LENGTH, TITLE_MAX_LENGTH


class LetterForm(forms.Form):
    """The composer: the letter's text for this enquiry, print size and what to do with it."""

    template = forms.SlugField(widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    case = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label="Letter text",
        max_length=BODY_MAX_LENGTH,
        strip=False,
        help_text=(
            "Edit the text for this letter only. A blank line starts a new paragraph; "
            "a short line on its own above a paragraph becomes a heading; lines starting "
            "“1.” or “-” make a list."
        ),
        widget=forms.Textarea(attrs={"rows": 24, "cols": 80, "spellcheck": "true"}),
    )
    large_print = forms.BooleanField(
        label="Large print (16pt text, wider spacing)",
        required=False,
    )
    publish = forms.BooleanField(
        label="Publish to the group's enquiry (they are emailed a link to download it)",
        required=False,
    )
    email = forms.BooleanField(
        label="Email it to the contact as a PDF attachment",
        required=False,
    )


class BulkSelectForm(forms.Form):
    """Bulk issue, step one: which template, to the enquiries with which clock ending soon."""

    template = forms.ChoiceField(label="Letter")
    rule = forms.ChoiceField(
        label="Enquiries with this deadline",
        help_text="Open enquiries you can see with this clock running.",
    )
    within_days = forms.IntegerField(
        label="Ending within (days from today)", min_value=0, max_value=366, initial=14
    )

    def __init__(self, *args, templates, rules, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["template"]).choices = [
            (t.slug, t.name) for t in templates
        ]
        cast(forms.ChoiceField, self.fields["rule"]).choices = [(r.slug, r.name) for r in rules]


class BulkIssueForm(BulkSelectForm):
    """Step two: the enquiries chosen (all ticked to begin with) and whether to publish."""

    enquiries = forms.MultipleChoiceField(
        label="Enquiries to write to", widget=forms.CheckboxSelectMultiple
    )
    publish = forms.BooleanField(
        label="Publish each letter to its group's enquiry (they are emailed a link)",
        required=False,
        initial=True,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["enquiries"]).choices = [
            (
                e.reference,
                f"{e.reference}: {e.organisation.name if e.organisation else ''} ({e.subject})",
            )
            for e in candidates
        ]
        for name in ("template", "rule", "within_days"):
            self.fields[name].widget = forms.HiddenInput()
