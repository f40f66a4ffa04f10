"""The intake service's own rules, called directly: what any channel (an import, email in,
a new form) gets without the public form's or the API's checks in front of it."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enquiries.intake.services import EnquiryInput, enquiry_submit
from enquiries.models import Channel, Contact, Enquiry, Organisation


@pytest.fixture
def data(enquiry_data, topics, areas) -> EnquiryInput:
    return EnquiryInput(
        **{
            **enquiry_data,
            "topic": topics[enquiry_data["topic"]],
            "local_authority": areas[enquiry_data["local_authority"]],
        }
    )


def assert_nothing_saved():
    assert not Enquiry.objects.exists()
    assert not Contact.objects.exists()
    assert not Organisation.objects.exists()


# --- consent and the time received ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.API, Channel.WEB])
def test_an_enquiry_without_consent_to_store_is_refused_whatever_the_channel(data, channel):
    with pytest.raises(ValidationError) as refused:
        enquiry_submit(data=replace(data, consent_to_store=False), channel=channel)
    assert refused.value.message_dict == {
        "consent_to_store": ["We can only answer your enquiry if you agree to this."]
    }
    assert_nothing_saved()


@pytest.mark.django_db
def test_a_time_received_in_the_future_is_refused(data):
    with pytest.raises(ValidationError) as refused:
        enquiry_submit(
            data=data, channel=Channel.LETTER, received_at=timezone.now() + timedelta(minutes=5)
        )
    assert refused.value.message_dict == {
        "received_at": ["The date received cannot be in the future."]
    }
    assert_nothing_saved()


@pytest.mark.django_db
def test_a_time_received_in_the_past_is_kept_with_the_consent_time(data):
    received = timezone.now() - timedelta(days=3)
    enquiry = enquiry_submit(data=data, channel=Channel.LETTER, received_at=received).enquiry
    assert enquiry.received_at == received
    assert enquiry.contact.consent_to_store
    assert enquiry.contact.consent_recorded_at is not None


@pytest.mark.django_db
def test_logging_by_hand_refuses_a_time_received_in_the_future(data, adviser):
    from casework.enquiry.services import enquiry_log

    with pytest.raises(ValidationError) as refused:
        enquiry_log(
            data=data,
            channel=Channel.PHONE,
            actor=adviser.user,
            keep=True,
            received_at=timezone.now() + timedelta(days=1),
        )
    assert "received_at" in refused.value.message_dict
    assert_nothing_saved()
