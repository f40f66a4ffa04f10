"""A reply posted twice at the same moment (a double click reaching two server processes)
is one message, on PostgreSQL where the two really run at once. SQLite serialises
writers outright; the sequential double submit is in test_portal.py."""

import pytest
from django.db import connection
from django.test import Client

from enquiries.models import EnquiryEvent, Message
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


def test_a_double_click_on_the_last_reply_allowed_is_not_refused_while_the_first_saves(
    submit, settings, monkeypatch
):
    """The second click arrives while the first is still being saved (its documents
    checked, under the enquiry's row lock). The limit refuses the second, which then
    waits for its twin and answers as it did: a redirect, not "not sent"."""
    import threading
    import time

    from enquiries.portal import services as services_portal

    settings.PORTAL_REPLY_ADDRESS_RATE = "1/hour"
    enquiry = submit()
    token, _ = track_url(enquiry)
    data = {"body": "Double click", "submission_key": "d" * 32}
    saving = threading.Event()
    check_files = services_portal._check_files

    def slow_check(files):
        saving.set()
        time.sleep(1)  # long enough for the second click to reach the lock
        check_files(files)

    monkeypatch.setattr(services_portal, "_check_files", slow_check)
    codes = {}

    def post(name):
        try:
            codes[name] = Client().post(reply_url(token, enquiry), data).status_code
        finally:
            connection.close()

    first = threading.Thread(target=post, args=["first"])
    first.start()
    assert saving.wait(timeout=10)
    second = threading.Thread(target=post, args=["second"])
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    assert codes == {"first": 302, "second": 302}
    assert Message.objects.filter(enquiry=enquiry).count() == 1
