"""The intake service's own rules, called directly: what any channel (an import, email in,
a new form) gets without the public form's or the API's checks in front of it."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enquiries.intake import services
from enquiries.intake.services import EnquiryInput, enquiry_submit, enquiry_submit_idempotent
from enquiries.models import Channel, Contact, Enquiry, IdempotencyKey, Organisation
from tests.casework.test_concurrency import race, run_together


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


# --- at most once per idempotency key -------------------------------------------------------


def submit_once(data, key="order-42", body=None, prepare=None):
    return enquiry_submit_idempotent(
        key=key,
        fingerprint=services.request_fingerprint(body or {"subject": data.subject}),
        prepare=prepare or (lambda: data),
        channel=Channel.API,
    )


@pytest.mark.django_db
def test_a_second_submission_with_a_key_replays_the_first_without_preparing_again(data):
    first = submit_once(data)

    def prepare_again():
        raise AssertionError("a replay is not validated or counted again")

    again = submit_once(data, prepare=prepare_again)

    assert (first.replayed, again.replayed) == (False, True)
    assert first.tracking_token and again.tracking_token is None
    assert again.enquiry == first.enquiry
    assert Enquiry.objects.count() == 1


@pytest.mark.django_db
def test_a_key_used_with_another_body_is_a_conflict(data):
    submit_once(data, body={"subject": "first"})
    with pytest.raises(services.IdempotencyConflict):
        submit_once(data, body={"subject": "second"})
    assert Enquiry.objects.count() == 1


@pytest.mark.django_db
def test_input_refused_by_prepare_saves_nothing_and_leaves_the_key_unused(data):
    def refuse():
        raise ValidationError("not valid")

    with pytest.raises(ValidationError):
        submit_once(data, prepare=refuse)
    assert_nothing_saved()
    assert not IdempotencyKey.objects.exists()
    assert not submit_once(data).replayed


@pytest.mark.django_db
def test_without_a_key_each_submission_is_new(data):
    assert not submit_once(data, key="").replayed
    assert not submit_once(data, key="").replayed
    assert Enquiry.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


@race
def test_simultaneous_submissions_with_one_key_make_one_enquiry(data):
    results = run_together(*[lambda: submit_once(data, key="same")] * 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.replayed for r in results) == [False, True, True, True]
    assert len({r.enquiry.pk for r in results}) == 1
    assert Enquiry.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
