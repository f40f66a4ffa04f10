"""A reply posted twice at the same moment (a double click reaching two server processes)
is one message, on PostgreSQL where the two really run at once. SQLite serialises
writers outright; the sequential double submit is in test_portal.py."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from enquiries.models import EnquiryEvent, Message
from enquiries.portal import services as services_portal
from enquiries.portal.services import reply_receive
from tests.casework.test_concurrency import run_together
from tests.enquiries.portal import reply_url, track_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need PostgreSQL: set DATABASE_URL=postgres://... to run them",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_simultaneous_posts_of_one_reply_make_one_message(submit):
    enquiry = submit()

    def post():
        return reply_receive(enquiry=enquiry, body="Twice at once", submission_key="c" * 32)

    results = run_together(post, post, post)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.created for r in results) == [False, False, True]
    assert len({r.message.pk for r in results}) == 1
    assert Message.objects.filter(enquiry=enquiry).count() == 1
    assert EnquiryEvent.objects.filter(enquiry=enquiry, kind="reply_received").count() == 1


def _backend_pid() -> int:
    """This thread's PostgreSQL backend."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _seen_waiting(waiter: int, holder: int, timeout: float = 10) -> bool:
    """PostgreSQL shows backend ``waiter`` blocked on a lock that ``holder`` holds.

    Asked of the server (``pg_blocking_pids``), a few times if need be: the wait starts
    inside the database, where no event in the test can mark it."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [holder, waiter])
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


def test_a_double_click_on_the_last_reply_allowed_is_not_refused_while_the_first_saves(
    submit, settings, monkeypatch
):
    """The second click arrives while the first is still being saved (its documents
    checked, under the enquiry's row lock). The limit refuses the second, which then
    waits for its twin and answers as it did: a redirect, not "not sent".

    The order is forced, not timed: the first click holds the lock until the second has
    been refused and PostgreSQL shows it waiting for that lock; only then does the first
    finish saving."""
    settings.PORTAL_REPLY_ADDRESS_RATE = "1/hour"
    enquiry = submit()
    token, _ = track_url(enquiry)
    data = {"body": "Double click", "submission_key": "d" * 32}
    saving, refused, finish = threading.Event(), threading.Event(), threading.Event()
    backends = {}
    check_files = services_portal._check_files
    twin_settled = services_portal.reply_twin_settled

    def held_check(files):  # the first click, inside reply_receive, the row locked
        backends["first"] = _backend_pid()
        saving.set()
        finish.wait(timeout=10)
        return check_files(files)

    def watched_twin_settled(**kwargs):  # the second click, refused by the limit
        backends["second"] = _backend_pid()
        refused.set()
        return twin_settled(**kwargs)

    monkeypatch.setattr(services_portal, "_check_files", held_check)
    monkeypatch.setattr(services_portal, "reply_twin_settled", watched_twin_settled)
    codes = {}

    def post(name):
        try:
            codes[name] = Client().post(reply_url(token, enquiry), data).status_code
        finally:
            connection.close()

    first = threading.Thread(target=post, args=["first"])
    second = threading.Thread(target=post, args=["second"])
    first.start()
    try:
        assert saving.wait(timeout=10)
        second.start()
        assert refused.wait(timeout=10), "the limit did not refuse the second click"
        assert _seen_waiting(backends["second"], backends["first"]), (
            "the second click did not wait for the first's lock"
        )
    finally:
        finish.set()
        first.join(timeout=30)
        if second.ident is not None:
            second.join(timeout=30)

    assert codes == {"first": 302, "second": 302}
    assert Message.objects.filter(enquiry=enquiry).count() == 1
