"""Enquiry references: their format, that they stay unique under load, and that on
PostgreSQL no submission waits for another's (a sequence per year, not a locked counter)."""

import threading
from datetime import date, datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from enquiries.intake.services import (
    EnquiryInput,
    enquiry_submit,
    next_reference,
    reference_last_issued,
    reference_numbers_used,
)
from enquiries.models import Channel, Enquiry, ReferenceCounter
from enquiries.references import format_reference, is_reference
from tests.casework.test_concurrency import run_together

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL: set DATABASE_URL=postgres://... to run it",
)


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
    assert reference_last_issued(year) == 5


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


@pytest.mark.django_db
def test_numbering_carries_on_from_the_counter_and_from_numbers_issued_in_bulk():
    """The counter a desk had before the sequences (or the demo seeder's bulk numbers)
    decides where the year's numbering goes on, on both databases."""
    ReferenceCounter.objects.create(year=1999, last_value=41)
    assert next_reference(1999) == "CR-1999-000042"
    reference_numbers_used(year=1999, last_number=100)
    assert reference_last_issued(1999) == 100
    assert next_reference(1999) == "CR-1999-000101"
    reference_numbers_used(year=1999, last_number=50)  # never backwards
    assert next_reference(1999) == "CR-1999-000102"


@pytest.mark.django_db
def test_a_submission_that_rolls_back_leaves_a_gap_on_postgresql_only(submission):
    """The documented trade: on PostgreSQL a number is not handed back by a rollback (no
    lock is held to make that possible); SQLite, one writer at a time, stays gap-free."""
    year = timezone.localdate().year
    enquiry_submit(data=submission, channel=Channel.WEB)  # number 1 (and the year's sequence)
    with pytest.raises(RuntimeError), transaction.atomic():
        enquiry_submit(data=submission, channel=Channel.WEB)
        raise RuntimeError("something after the submission failed")
    kept = enquiry_submit(data=submission, channel=Channel.WEB).enquiry.reference
    expected = 3 if connection.vendor == "postgresql" else 2
    assert kept == format_reference(year, expected)


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submissions_are_in_flight_at_once(submission, settings):
    """The first submission's transaction stays open while a second is submitted and
    committed: with a lock held across the submission, the second would wait."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    enquiry_submit(data=submission, channel=Channel.WEB)  # the year's sequence exists
    first_open, second_done = threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                submitted = enquiry_submit(data=submission, channel=Channel.WEB)
                first_open.set()
                # Hold the transaction open until the second has committed (or give up).
                return submitted, second_done.wait(timeout=20)
        finally:
            first_open.set()

    def second():
        first_open.wait(timeout=20)
        submitted = enquiry_submit(data=submission, channel=Channel.WEB)
        second_done.set()
        return submitted

    results = run_together(first, second)

    assert [r for r in results if isinstance(r, Exception)] == []
    (first_submitted, second_finished_meanwhile), second_submitted = results
    assert second_finished_meanwhile is True
    first_ref = first_submitted.enquiry.reference
    second_ref = second_submitted.enquiry.reference
    assert first_ref != second_ref
    assert Enquiry.objects.filter(reference__in=[first_ref, second_ref]).count() == 2


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_submissions_get_unique_consecutive_references(submission, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    threads_count = 24

    def submit():
        return enquiry_submit(data=submission, channel=Channel.WEB).enquiry.reference

    references = run_together(*[submit] * threads_count)

    assert [r for r in references if isinstance(r, Exception)] == []
    year = timezone.localdate().year
    assert sorted(references) == [format_reference(year, n) for n in range(1, threads_count + 1)]
    assert Enquiry.objects.count() == threads_count
    assert reference_last_issued(year) == threads_count
