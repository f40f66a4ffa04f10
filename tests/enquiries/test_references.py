"""Enquiry references: their format, and that they stay unique and gap-free under load."""

import threading
from datetime import date, datetime

import pytest
from django.db import connection
from django.utils import timezone

from enquiries.intake.services import EnquiryInput, enquiry_submit, next_reference
from enquiries.models import Channel, Enquiry, ReferenceCounter
from enquiries.references import format_reference, is_reference


def test_reference_format():
    assert format_reference(2026, 123) == "CR-2026-000123"
    assert format_reference(2026, 1_234_567) == "CR-2026-1234567"


@pytest.mark.parametrize("value", ["CR-2026-000123", "CR-2026-1234567"])
def test_well_formed_references_are_recognised(value):
    assert is_reference(value)


@pytest.mark.parametrize(
    "value", ["", "CR-26-000123", "cr-2026-000123", "CR-2026-123", "XX-2026-000123", "CR-2026-"]
)
def test_malformed_references_are_refused(value):
    assert not is_reference(value)


@pytest.fixture
def submission(enquiry_data, topics, areas):
    return EnquiryInput(
        **{
            **enquiry_data,
            "topic": topics[enquiry_data["topic"]],
            "local_authority": areas[enquiry_data["local_authority"]],
        }
    )


@pytest.mark.django_db
def test_references_are_sequential_within_a_year(submission, adviser):
    year = timezone.localdate().year
    references = [
        enquiry_submit(data=submission, channel=Channel.WEB).enquiry.reference for _ in range(5)
    ]
    assert references == [format_reference(year, n) for n in range(1, 6)]
    assert ReferenceCounter.objects.get(year=year).last_value == 5


@pytest.mark.django_db
@pytest.mark.parametrize("today", [None, date(2028, 2, 29)], ids=["today", "leap-day"])
def test_a_new_year_starts_its_own_sequence(submission, adviser, time_machine, today):
    if today is not None:  # run as if it were 29 February, which has no "same day last year"
        fixed = datetime(*today.timetuple()[:3], 12, tzinfo=timezone.get_current_timezone())
        time_machine.move_to(fixed, tick=False)
    this_year = timezone.localdate().year
    enquiry_submit(data=submission, channel=Channel.WEB)
    last_year = datetime(this_year - 1, 6, 15, 12, tzinfo=timezone.get_current_timezone())
    old = enquiry_submit(data=submission, channel=Channel.PHONE, received_at=last_year)
    assert old.enquiry.reference == format_reference(this_year - 1, 1)


@pytest.mark.django_db
def test_the_counter_row_is_created_on_first_use():
    assert next_reference(1999) == "CR-1999-000001"
    assert next_reference(1999) == "CR-1999-000002"


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL: set DATABASE_URL=postgres://... to run it",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_submissions_get_unique_consecutive_references(submission, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    references, errors = [], []
    lock = threading.Lock()

    def submit():
        try:
            barrier.wait(timeout=10)
            reference = enquiry_submit(data=submission, channel=Channel.WEB).enquiry.reference
            with lock:
                references.append(reference)
        except Exception as error:  # noqa: BLE001 - reported below
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    year = timezone.localdate().year
    assert sorted(references) == [format_reference(year, n) for n in range(1, threads_count + 1)]
    assert Enquiry.objects.count() == threads_count
    assert ReferenceCounter.objects.get(year=year).last_value == threads_count
