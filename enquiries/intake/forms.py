"""HTML forms for intake. They check shape; ``enquiry_submit`` does the work."""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model

from config.limits import max_length
from config.widgets import QuickSelect
from enquiries import validation
from enquiries.intake.services import CONSENT_REQUIRED, EnquiryInput, access_needs_refusal
from enquiries.models import Contact, EnquirerType, Enquiry, Organisation
from knowledgebase.models import LocalAuthority, Topic
from knowledgebase.reference_data import ReferenceData, reference_data
from knowledgebase.selectors import local_authority_choices, topic_choices

NOT_SURE = ""


def grouped_topic_choices(reference: ReferenceData | None = None) -> list:
    """Topics grouped under their parent for a <select>, with "Not sure" first."""
    groups: dict[int, list[tuple[str, str]]] = {}
    parents: list[Topic] = []
    for topic in (reference or reference_data()).topics:
        if topic.parent_id is None:
            parents.append(topic)
            groups.setdefault(topic.pk, []).insert(0, (topic.slug, f"{topic.name}: general"))
        else:
            groups.setdefault(topic.parent_id, []).append((topic.slug, topic.name))
    return [(NOT_SURE, "Not sure")] + [(p.name, groups[p.pk]) for p in parents]


class ReferenceChoiceField(forms.ModelChoiceField):
    """A choice of reference data by slug, looked up in the snapshot the form was given
    (``knowledgebase.reference_data``): neither its options nor its check read the
    database. Its ``queryset`` says what the snapshot holds; it is never run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lookup: Callable[[str], Model | None] = lambda slug: None

    def to_python(self, value: Any) -> Model | None:
        if value in self.empty_values:
            return None
        found = self.lookup(str(value))
        if found is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found


class EnquiryForm(forms.Form):
    organisation_name = forms.CharField(
        label="Name of your group or organisation",
        max_length=max_length(Organisation, "name"),
        help_text="If you are asking as an individual, write your own name.",
    )
    organisation_type = forms.ChoiceField(
        label="What kind of group is it?",
        choices=[("", "Choose one")] + EnquirerType.choices,
        widget=QuickSelect,
    )
    contact_name = forms.CharField(label="Your name", max_length=max_length(Contact, "name"))
    email = forms.EmailField(
        label="Email address",
        max_length=max_length(Contact, "email"),
        help_text="We send your reference and a private link here.",
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        required=False,
        max_length=20,
        validators=[validation.validate_phone],
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        required=False,
        max_length=max_length(Organisation, "postcode"),
    )
    local_authority = ReferenceChoiceField(
        label="Local authority area",
        queryset=local_authority_choices(),
        to_field_name="slug",
        required=False,
        empty_label="Not sure",
        help_text="The council area where your group or the building or land is.",
        widget=QuickSelect,
    )
    topic = ReferenceChoiceField(
        label="What is your enquiry about?",
        queryset=topic_choices(),
        to_field_name="slug",
        required=False,
        widget=QuickSelect,
    )
    subject = forms.CharField(
        label="Subject",
        max_length=max_length(Enquiry, "subject"),
        help_text="A few words, for example: Saving the Red Lion pub.",
    )
    message = forms.CharField(
        label="Your enquiry",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=Enquiry.MESSAGE_MAX_LENGTH,
        help_text="Tell us what you need help with, and any dates you have been given.",
    )
    asset_name = forms.CharField(
        label="Name of the building or land (if any)",
        required=False,
        max_length=max_length(Enquiry, "asset_name"),
    )
    asset_address = forms.CharField(
        label="Address of the building or land (if any)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=Enquiry.ASSET_ADDRESS_INTAKE_MAX_LENGTH,
    )
    accessibility_needs = forms.CharField(
        label="Anything we should know to make contact easier for you? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=Contact.ACCESSIBILITY_NEEDS_MAX_LENGTH,
        help_text="For example: large print, phone rather than email, an interpreter.",
    )
    accessibility_consent = forms.BooleanField(
        label="I agree that the desk may keep what I have written about access needs.",
        required=False,
        help_text="It may be about your health. Needed only if you wrote something above.",
    )
    consent_to_refer = forms.BooleanField(
        label="You may pass my details to a partner organisation if that would help (optional).",
        required=False,
        help_text="For example a specialist adviser or a funder. We tell you who.",
    )
    consent_to_store = forms.BooleanField(
        label="I agree that the desk may store these details to answer my enquiry.",
        error_messages={"required": CONSENT_REQUIRED},
    )
    # Spam trap: hidden from sight and from assistive technology, so only bots fill it.
    website = forms.CharField(required=False, label="Leave this field empty")

    field_order = [
        "organisation_name",
        "organisation_type",
        "contact_name",
        "email",
        "phone",
        "postcode",
        "local_authority",
        "topic",
        "subject",
        "message",
        "asset_name",
        "asset_address",
        "accessibility_needs",
        "accessibility_consent",
        "consent_to_refer",
        "consent_to_store",
        "website",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One version for the options, the checks and the kept markup (fragments).
        self.reference = reference = reference_data()
        topic = cast(ReferenceChoiceField, self.fields["topic"])
        topic.choices = grouped_topic_choices(reference)
        topic.lookup = reference.topic
        area = cast(ReferenceChoiceField, self.fields["local_authority"])
        area.choices = [("", area.empty_label)] + [(a.slug, str(a)) for a in reference.areas]
        area.lookup = reference.area

    def clean(self) -> dict:
        data = super().clean() or {}
        refusal = access_needs_refusal(
            data.get("accessibility_needs", ""), data.get("accessibility_consent", False)
        )
        if refusal:
            self.add_error("accessibility_consent", refusal)
        return data

    def clean_postcode(self) -> str:
        return validation.normalise_postcode(self.cleaned_data["postcode"])

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def to_input(self) -> EnquiryInput:
        data = self.cleaned_data
        local_authority: LocalAuthority | None = data["local_authority"]
        return EnquiryInput(
            organisation_name=data["organisation_name"].strip(),
            organisation_type=data["organisation_type"],
            contact_name=data["contact_name"].strip(),
            email=data["email"],
            phone=data["phone"].strip(),
            postcode=data["postcode"],
            local_authority=local_authority,
            topic=data["topic"],
            subject=data["subject"].strip(),
            message=data["message"].strip(),
            asset_name=data["asset_name"].strip(),
            asset_address=data["asset_address"].strip(),
            accessibility_needs=data["accessibility_needs"].strip(),
            accessibility_consent=data["accessibility_consent"],
            consent_to_refer=data["consent_to_refer"],
            consent_to_store=data["consent_to_store"],
        )
