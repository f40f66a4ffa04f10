"""Forms of the group portal. They check shape; ``enquiries.portal.services`` does the work."""

import uuid

from django import forms
from django.conf import settings

from enquiries.models import FeedbackRequest, Message
from enquiries.portal.services import MAX_FILES_PER_REPLY
from enquiries.uploads import ACCEPTED, ACCEPTED_LABEL, MultipleFileField, MultipleFileInput


class NewLinkForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The address you gave when you sent your enquiry.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _files_help() -> str:
    limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    return f"Optional. Up to {MAX_FILES_PER_REPLY} files of {limit} MB each: {ACCEPTED_LABEL}."


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=Message.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a field, not BaseForm.files: the form metaclass moves it to base_fields
        label="Documents",
        required=False,
        max_files=MAX_FILES_PER_REPLY,
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ACCEPTED)}),
    )
    # Sent back with the form, so a double click or a retried request keeps one reply.
    submission_key = forms.RegexField(
        regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"submission_key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()


class FeedbackForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How much did we help?",
        choices=FeedbackRequest.SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how much we helped, from 1 to 5."},
    )
    next_step = forms.ChoiceField(
        label="What has happened since? (optional)",
        choices=FeedbackRequest.NextStep.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    comment = forms.CharField(
        label="Anything else you would like to tell us? (optional)",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=FeedbackRequest.COMMENT_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": (
                f"Keep your comment to {FeedbackRequest.COMMENT_MAX_LENGTH:,} characters."
            )
        },
    )
    opt_out = forms.BooleanField(label="Please do not ask me for feedback again", required=False)
