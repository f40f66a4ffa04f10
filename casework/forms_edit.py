"""Forms to edit an enquiry's or a case's details, to keep a staff document and to write
to the group. They check shape; the services decide (and refuse a stale save)."""

from django import forms

from casework.models import Adviser
from enquiries.models import Priority
from knowledgebase.models import LocalAuthority, Topic


class EnquiryEditForm(forms.Form):
    subject = forms.CharField(
        label="Subject", max_length=200, error_messages={"required": "Give the enquiry a subject."}
    )
    topic = forms.ModelChoiceField(
        label="Topic",
        queryset=Topic.objects.none(),
        required=False,
        empty_label="Not sure",
        error_messages={"invalid_choice": "Choose a topic from the list."},
    )
    priority = forms.TypedChoiceField(
        label="Priority",
        choices=Priority.choices,
        coerce=int,
        error_messages={
            "required": "Choose a priority.",
            "invalid_choice": "Choose a priority from the list.",
        },
    )
    asset_name = forms.CharField(label="Building or land (name)", max_length=200, required=False)
    asset_address = forms.CharField(
        label="Building or land (address)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    local_authority = forms.ModelChoiceField(
        label="Area (local authority)",
        queryset=LocalAuthority.objects.none(),
        required=False,
        empty_label="Not given",
        error_messages={"invalid_choice": "Choose a local authority from the list."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(is_active=True).select_related(
            "parent"
        )
        self.fields["local_authority"].queryset = LocalAuthority.objects.filter(is_active=True)


class CaseEditForm(forms.Form):
    title = forms.CharField(
        label="Case title", max_length=200, error_messages={"required": "Give the case a title."}
    )
    lead_adviser = forms.ModelChoiceField(
        label="Lead adviser",
        queryset=Adviser.objects.none(),
        error_messages={
            "required": "Choose the adviser who leads the case.",
            "invalid_choice": "Choose an active adviser from the list.",
        },
    )
    asset_name = forms.CharField(label="Building or land (name)", max_length=200, required=False)
    asset_address = forms.CharField(
        label="Building or land (address)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    plan_name = forms.CharField(label="Plan name", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_adviser"].queryset = Adviser.objects.filter(
            is_active=True
        ).select_related("user")


def parse_version(value) -> int | None:
    """The version an edit form was loaded at (a hidden field), or None if missing or bad."""
    try:
        version = int(value)
    except (TypeError, ValueError):
        return None
    return version if version > 0 else None


class StaffDocumentForm(forms.Form):
    file = forms.FileField(
        label="Document (staff only)",
        help_text="PDF, Word, OpenDocument, Excel, PNG, JPEG or plain text. "
        "The group does not see it.",
        error_messages={"required": "Choose a file to upload.", "empty": "The file is empty."},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


MESSAGE_MAX_LENGTH = 10_000


class PublicMessageForm(forms.Form):
    body = forms.CharField(
        label="Update to the group",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The group sees this on their tracking page and is emailed that there is "
        "an update.",
        error_messages={"required": "Write the update to the group."},
    )
    files = MultipleFileField(
        label="Documents for the group (optional)",
        required=False,
        help_text="The group can download these. PDF, Word, OpenDocument, Excel, PNG, JPEG "
        "or plain text.",
    )
    awaiting_group = forms.BooleanField(
        label="We are waiting for the group's reply",
        required=False,
        help_text="Also moves the enquiry to \u201cwaiting for the group\u201d, which pauses "
        "the service-level clock.",
    )
