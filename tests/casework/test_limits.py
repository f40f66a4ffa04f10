"""Limits are declared once, on the model, and every form, serializer and service reads
them there: a change to one limit reaches every channel."""

import pytest
from django.core.exceptions import ValidationError

from casework.cases import services as cases_services
from casework.cases.api import CaseEditSerializer
from casework.cases.forms import CaseEditForm
from casework.enquiry.api import EnquiryEditSerializer
from casework.enquiry.forms import EnquiryEditForm
from casework.models import Case
from casework.publishing.api import MessageInputSerializer
from casework.publishing.forms import PublicMessageForm
from enquiries import services as enquiries_services
from enquiries.intake.api import EnquiryIntakeInputSerializer
from enquiries.intake.forms import EnquiryForm
from enquiries.models import Contact, Enquiry, Message
from enquiries.portal.forms import ReplyForm

pytestmark = pytest.mark.django_db


def form_limit(form_class, field: str) -> int:
    return form_class.base_fields[field].max_length


def serializer_limit(serializer_class, field: str) -> int:
    return serializer_class().fields[field].max_length


def test_the_asset_address_limit_is_the_models_everywhere_it_is_edited():
    assert Case.ASSET_ADDRESS_MAX_LENGTH == Enquiry.ASSET_ADDRESS_MAX_LENGTH
    assert form_limit(EnquiryEditForm, "asset_address") == Enquiry.ASSET_ADDRESS_MAX_LENGTH
    assert (
        serializer_limit(EnquiryEditSerializer, "asset_address") == Enquiry.ASSET_ADDRESS_MAX_LENGTH
    )
    assert form_limit(CaseEditForm, "asset_address") == Case.ASSET_ADDRESS_MAX_LENGTH
    assert serializer_limit(CaseEditSerializer, "asset_address") == Case.ASSET_ADDRESS_MAX_LENGTH


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("organisation_name", 200),
        ("contact_name", 200),
        ("email", 254),
        ("postcode", 10),
        ("subject", 200),
        ("message", Enquiry.MESSAGE_MAX_LENGTH),
        ("asset_name", 200),
        ("asset_address", Enquiry.ASSET_ADDRESS_INTAKE_MAX_LENGTH),
        ("accessibility_needs", Contact.ACCESSIBILITY_NEEDS_MAX_LENGTH),
    ],
)
def test_the_public_form_and_the_intake_api_share_the_models_limits(field, limit):
    assert form_limit(EnquiryForm, field) == serializer_limit(EnquiryIntakeInputSerializer, field)
    assert form_limit(EnquiryForm, field) == limit


def test_a_message_to_or_from_the_group_has_one_limit():
    limit = Message.BODY_MAX_LENGTH
    assert form_limit(ReplyForm, "body") == limit
    assert form_limit(PublicMessageForm, "body") == limit
    assert serializer_limit(MessageInputSerializer, "body") == limit


def test_the_edit_services_read_the_address_limit_from_the_model(mine, adviser):
    limit = Enquiry.ASSET_ADDRESS_MAX_LENGTH
    case = cases_services.case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Bid")
    mine.refresh_from_db()

    def edits(address: str) -> list:
        changes = {"asset_address": address}
        return [
            lambda: enquiries_services.enquiry_edit(
                enquiry=mine, expected_version=mine.version, changes=changes, actor=adviser.user
            ),
            lambda: cases_services.case_edit(
                case=case, expected_version=case.version, changes=changes, actor=adviser.user
            ),
        ]

    for edit in edits("x" * (limit + 1)):
        with pytest.raises(ValidationError) as refused:
            edit()
        assert refused.value.message_dict == {"asset_address": [f"Keep it to {limit} characters."]}
    for edit in edits("x" * limit):
        assert edit().asset_address == "x" * limit
