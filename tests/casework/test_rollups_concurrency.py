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

from casework.models import ReceivedDay, RollupDirtyDay, RollupDirtyMonth, Span
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
    assert (
        ReceivedDay.objects.get(
            day=day, span=Span.DAY, grain="channel", channel=Channel.EMAIL
        ).count
        == 1
    )


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
    assert (
        ReceivedDay.objects.get(
            day=day, span=Span.DAY, grain="channel", channel=Channel.EMAIL
        ).count
        == 1
    )


def test_a_day_refreshed_while_its_month_is_summed_leaves_the_month_marked(topics):
    """A month refresh has summed the month's day rows and not yet deleted the mark it
    read when a day of the month is refreshed: the day's refresh waits for the month's
    commit (the month's lock, shared) and then marks the month again, rather than seeing
    the mark about to go and adding none, which would leave month rows without the day's
    new rows and no mark."""
    received = timezone.now() - timedelta(days=40)  # a month that is over
    enquiry = EnquiryFactory(received_at=received, channel=Channel.WEB)
    day, month = local_day(received), local_day(received).replace(day=1)
    services.dirty_refresh()
    enquiry.channel = Channel.PHONE
    enquiry.save(update_fields=["channel"])
    services.day_refresh(day=day)  # the day clean, its month marked
    assert RollupDirtyMonth.objects.filter(month=month).exists()
    enquiry.channel = Channel.EMAIL
    enquiry.save(update_fields=["channel"])  # the day dirty again
    # A month refresh skips a month with a dirty day: the day's mark is held back until
    # the month has summed its day rows (which still say PHONE).
    RollupDirtyDay.objects.filter(day=day).delete()
    summed, go, results = threading.Event(), threading.Event(), []
    insert = services._month_rows_insert

    def paused(model, m):
        insert(model, m)
        if model is services.ROLLUPS[-1]:
            summed.set()
            assert go.wait(10)

    def month_run():
        try:
            services._month_rows_insert = paused
            results.append(("month", services.month_refresh(month=month)))
        finally:
            services._month_rows_insert = insert
            connections.close_all()

    def day_run():
        try:
            results.append(("day", services.day_refresh(day=day)))
        finally:
            connections.close_all()

    month_thread = threading.Thread(target=month_run)
    month_thread.start()
    assert summed.wait(10)
    RollupDirtyDay.objects.create(day=day)
    day_thread = threading.Thread(target=day_run)
    day_thread.start()
    day_thread.join(1)
    assert day_thread.is_alive()  # waiting for the month's lock
    go.set()
    month_thread.join(10)
    day_thread.join(10)
    assert sorted(results) == [("day", True), ("month", True)]
    assert RollupDirtyMonth.objects.filter(month=month).exists()
    services.months_refresh()
    assert not RollupDirtyMonth.objects.filter(month=month).exists()
    channels = ReceivedDay.objects.filter(day=month, span=Span.MONTH, grain="channel")
    assert dict(channels.values_list("channel", "count")) == {Channel.EMAIL: 1}
