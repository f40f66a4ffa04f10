"""The races the dirty-day marks guard, with real transactions on PostgreSQL: a change
committed by another connection while a refresh recomputes the day must leave the day dirty
(the refresh deletes only the marks it read), and one held uncommitted while the refresh
finishes neither waits nor is waited for, and leaves the day dirty too. Either way the
report's figures stay equal to the source rows' (casework.rollups.services)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from casework.models import ReceivedDay, RollupDirtyDay
from casework.rollups import services
from casework.rollups.days import local_day
from enquiries.models import Channel, Enquiry
from tests.casework.test_rollups import assert_clean_days_exact
from tests.factories import EnquiryFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: two real concurrent transactions (SQLite serialises "
        "writers); run with DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def refreshed_day(topics):
    received = timezone.now() - timedelta(days=3)
    enquiries = [EnquiryFactory(received_at=received, channel=Channel.WEB) for _ in range(3)]
    services.dirty_refresh()
    assert not RollupDirtyDay.objects.exists()
    return enquiries[0], local_day(received)


def refresh_in_thread(
    day, pause: threading.Event, go: threading.Event, result: list
) -> threading.Thread:
    """``day_refresh`` on its own connection, pausing after it has recomputed the day."""
    compute = services.received_day_rows

    def paused(d):
        rows = compute(d)
        pause.set()
        assert go.wait(10)
        return rows

    def run():
        try:
            services.received_day_rows = paused  # this thread's refresh only runs meanwhile
            result.append(services.day_refresh(day=day))
        finally:
            services.received_day_rows = compute
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_change_committed_during_a_refresh_leaves_the_day_dirty(refreshed_day):
    enquiry, day = refreshed_day
    enquiry.channel = Channel.PHONE
    enquiry.save(update_fields=["channel"])  # dirty, a mark
    pause, go, result = threading.Event(), threading.Event(), []
    thread = refresh_in_thread(day, pause, go, result)
    assert pause.wait(10)
    # Committed now, by this connection, after the refresh read a mark and recomputed.
    Enquiry.objects.filter(pk=enquiry.pk).update(channel=Channel.EMAIL)
    go.set()
    thread.join(10)
    assert result == [False]
    assert RollupDirtyDay.objects.filter(day=day).exists()
    assert services.day_refresh(day=day) is True
    assert_clean_days_exact([day])
    assert ReceivedDay.objects.get(day=day, grain="channel", channel=Channel.EMAIL).count == 1


def test_a_change_held_open_during_a_refresh_does_not_wait_for_it_and_leaves_the_day_dirty(
    refreshed_day,
):
    """A mark is a row of its own: neither the writer nor the refresh waits for the other
    (a row per day, upserted, was a lock every writer of the day held until its commit).
    The refresh cannot see the open transaction's mark, so it cannot delete it: once that
    commits, the day is dirty again."""
    enquiry, day = refreshed_day
    enquiry.channel = Channel.PHONE
    enquiry.save(update_fields=["channel"])
    pause, go, result = threading.Event(), threading.Event(), []
    thread = refresh_in_thread(day, pause, go, result)
    assert pause.wait(10)
    with transaction.atomic():
        Enquiry.objects.filter(pk=enquiry.pk).update(channel=Channel.EMAIL)  # marks its day
        go.set()
        thread.join(10)
        assert not thread.is_alive()  # the refresh finished while this was still open
    assert RollupDirtyDay.objects.filter(day=day).exists()  # this transaction's mark
    assert services.day_refresh(day=day) is True
    assert_clean_days_exact([day])
    assert ReceivedDay.objects.get(day=day, grain="channel", channel=Channel.EMAIL).count == 1
