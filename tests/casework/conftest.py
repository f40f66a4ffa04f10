"""Enquiries shared by the casework tests: one Ada holds, one she may not see."""

import pytest

from tests.factories import AdviserFactory


@pytest.fixture
def mine(submit, adviser):
    """Routed to Ada (Right to Bid, West Lindsey)."""
    enquiry = submit(subject="The Red Lion")
    assert enquiry.assigned_to == adviser.user
    return enquiry


@pytest.fixture
def theirs(submit, other_adviser):
    """Routed to Omar, in another team: not Ada's to see."""
    enquiry = submit(topic="np-getting-started", subject="Our plan")
    assert enquiry.assigned_to == other_adviser.user
    return enquiry


@pytest.fixture
def teammate(teams):
    """Tess: in Ada's team, so she sees Ada's enquiries and cases, but holds or leads none."""
    return AdviserFactory(first_name="Tess", teams=[teams["assets"]])


@pytest.fixture
def receiver(settings):
    """A webhook receiver on 127.0.0.1 (allowed for the test)."""
    from tests.casework.webhook_receiver import Receiver

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    running = Receiver()
    yield running
    running.close()
