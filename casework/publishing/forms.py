"""Forms for what goes to the group: a staff document, an update written to the group."""

from django import forms

from enquiries.models import Message
from enquiries.uploads import MultipleFileField


class StaffDocumentForm(forms.Form):
    file = forms.FileField(
        label="Document (staff only)",
        help_text="PDF, Word, OpenDocument, Excel, PNG, JPEG or plain text. "
        "The group does not see it.",
        error_messages={"required": "Choose a file to upload.", "empty": "The file is empty."},
    )


class PublicMessageForm(forms.Form):
    body = forms.CharField(
        label="Update to the group",
        max_length=Message.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The group sees this on their tracking page and is emailed that there is "
        "an update.",
        error_messages={"required": "Write the update to the group."},
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a field, not BaseForm.files: the form metaclass moves it to base_fields
        label="Documents for the group (optional)",
        required=False,
        help_text="The group can download these. PDF, Word, OpenDocument, Excel, PNG, JPEG "
        "or plain text.",
    )
    by_email = forms.BooleanField(
        label="Send the update itself by email",
        required=False,
        help_text="The group receives the text of the update in the email and can answer "
        "it from their mail client. Otherwise the email says there is an update and links "
        "to their tracking page.",
    )
    awaiting_group = forms.BooleanField(
        label="We are waiting for the group's reply",
        required=False,
        help_text="Also moves the enquiry to \u201cwaiting for the group\u201d, which pauses "
        "the service-level clock.",
    )
