"""Races on the desk, on PostgreSQL: row locks decide who wins (docs/routing.md).

Real threads, each with its own database connection, released together by a
barrier. SQLite serialises writers outright, so there is nothing to race there.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from casework.models import Assignment
from casework.queue import services as queue_services
from enquiries.intake.services import EnquiryInput, enquiry_submit
from enquiries.models import Channel, Enquiry
from tests.factories import AdviserFactory

RACE_MARKS = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL: set DATABASE_URL=postgres://... to run them",
    ),
    # Committed transactions in several connections; serialized_rollback restores the
    # reference data (topics, areas, groups) that flushing after the test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
pytestmark = RACE_MARKS


def race(test):
    """Mark one test as a race (``RACE_MARKS``) in a module of other tests."""
    for mark in RACE_MARKS:
        test = mark(test)
    return test


def run_together(*jobs):
    """Run each job in its own thread, all released at once; return results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - reported to the test below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


@pytest.fixture
def queued_enquiry(enquiry_data, topics, areas, adviser):
    """An enquiry waiting in the assets team's queue (nobody has asset-transfer expertise)."""
    data = EnquiryInput(
        **{
            **enquiry_data,
            "topic": topics["asset-transfer"],
            "local_authority": areas["west-lindsey"],
        }
    )
    enquiry = enquiry_submit(data=data, channel=Channel.WEB).enquiry
    assert enquiry.assigned_to is None
    return enquiry


@pytest.fixture
def two_advisers(adviser, teams):
    return adviser, AdviserFactory(first_name="Bea", teams=[teams["assets"]])


def test_two_simultaneous_claims_exactly_one_wins(queued_enquiry, two_advisers):
    def claim(person):
        return lambda: queue_services.enquiry_claim(
            enquiry=Enquiry.objects.get(pk=queued_enquiry.pk), actor=person.user
        )

    results = run_together(*(claim(person) for person in two_advisers))

    winners = [r for r in results if isinstance(r, Assignment)]
    losers = [r for r in results if isinstance(r, queue_services.AlreadyAssigned)]
    assert len(winners) == 1 and len(losers) == 1, results
    winner = winners[0].adviser
    assert f"{winner.user.get_full_name()} has already taken this enquiry" in str(losers[0])
    queued_enquiry.refresh_from_db()
    assert queued_enquiry.assigned_to == winner.user
    assert Assignment.objects.filter(enquiry=queued_enquiry, is_current=True).count() == 1
    assert (
        Assignment.objects.filter(enquiry=queued_enquiry, method=Assignment.Method.CLAIMED).count()
        == 1
    )


def test_two_simultaneous_claims_on_the_desk_one_is_told_someone_else_took_it(
    queued_enquiry, two_advisers
):
    url = reverse("casework:enquiry_claim", args=[queued_enquiry.reference])
    clients = []
    for person in two_advisers:
        client = Client()
        client.force_login(person.user)
        clients.append(client)

    responses = run_together(*(lambda c=c: c.post(url) for c in clients))

    assert sorted(r.status_code for r in responses) == [302, 409], responses
    (refused,) = [r for r in responses if r.status_code == 409]
    assert "has already taken this enquiry" in refused.content.decode()
    assert Enquiry.objects.get(pk=queued_enquiry.pk).assigned_to is not None


def test_claim_racing_a_reassignment_leaves_one_current_assignment(
    queued_enquiry, two_advisers, manager
):
    ada, bea = two_advisers

    def claim():
        return queue_services.enquiry_claim(
            enquiry=Enquiry.objects.get(pk=queued_enquiry.pk), actor=ada.user
        )

    def reassign():
        return queue_services.enquiry_assign(
            enquiry=Enquiry.objects.get(pk=queued_enquiry.pk), adviser=bea, actor=manager.user
        )

    results = run_together(claim, reassign)

    assert not [
        r
        for r in results
        if isinstance(r, Exception) and not isinstance(r, queue_services.AlreadyAssigned)
    ], results
    current = Assignment.objects.get(enquiry=queued_enquiry, is_current=True)
    queued_enquiry.refresh_from_db()
    assert queued_enquiry.assigned_to == current.adviser.user
