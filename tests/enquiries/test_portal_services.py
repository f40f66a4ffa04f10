"""The portal's reply service called directly (``reply_post``): the order that keeps a
double click harmless near the limits belongs to it, not to the page that calls it."""

import pytest

from enquiries.models import Message, RateLimitCounter
from enquiries.portal.selectors import portal_scope_get
from enquiries.portal.services import reply_post
from tests.enquiries.portal import track_url

pytestmark = pytest.mark.django_db

CLIENT = "192.0.2.7"


@pytest.fixture
def posting(submit, settings):
    """Post a reply to a fresh enquiry through its link; the address may send 1 an hour."""
    settings.PORTAL_REPLY_ADDRESS_RATE = "1/hour"
    enquiry = submit()
    scope = portal_scope_get(token=track_url(enquiry)[0])

    def _post(key: str, body: str | None = "A reply"):
        return reply_post(
            enquiry=enquiry, scope=scope, client=CLIENT, submission_key=key, body=body
        )

    return _post


def hits() -> list[int]:
    return sorted(RateLimitCounter.objects.values_list("hits", flat=True))


def test_a_post_of_a_reply_already_kept_is_answered_before_it_is_counted(posting):
    first = posting("a" * 32)
    again = posting("a" * 32)

    assert (first.kept, first.created) == (True, True)
    assert (again.kept, again.created, again.wait) == (True, False, 0)
    assert hits() == [1, 1]  # the client's and the address's: the replay was not counted
    assert Message.objects.count() == 1


def test_a_new_reply_over_the_limit_is_refused_with_the_wait_and_not_kept(posting):
    posting("a" * 32)
    refused = posting("b" * 32)

    assert not refused.kept and refused.wait > 0
    assert Message.objects.count() == 1


def test_a_post_the_form_refused_is_counted_but_keeps_nothing(posting):
    invalid = posting("a" * 32, body=None)

    assert (invalid.kept, invalid.wait) == (False, 0)
    assert hits() == [1, 1]
    assert not Message.objects.exists()
    assert posting("b" * 32).wait > 0  # the allowance it used is gone
