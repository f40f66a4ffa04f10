"""A reply posted twice at the same moment (a double click reaching two server processes)
is one message, on PostgreSQL where the two really run at once. SQLite serialises
writers outright; the sequential double submit is in test_portal.py."""

import pytest
from django.db import connection

from enquiries.models import EnquiryEvent, Message
from enquiries.services_portal import reply_receive
from tests.casework.test_concurrency import run_together

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
