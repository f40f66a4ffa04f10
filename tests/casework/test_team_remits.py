"""Which team's queue a topic goes to is held per process (casework.queue.remits, issue
12): read once, then no query, and read again after any change to the teams."""

import pytest
from django.core.cache import cache

from casework.models import Assignment
from casework.queue import selectors
from casework.queue.remits import VERSION_KEY
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_the_remits_are_read_once_then_held(teams, topics, django_assert_num_queries):
    topic = topics["acv-notice-of-sale"]  # a sub-topic: its parent is in the assets team
    with django_assert_num_queries(2):  # the teams and their topics
        assert selectors.team_for_topic(topic=topic) == teams["assets"]
    with django_assert_num_queries(0):
        assert selectors.team_for_topic(topic=topic) == teams["assets"]
        assert selectors.team_for_topic(topic=None) == teams["triage"]
        assert selectors.triage_team() == teams["triage"]


def test_a_topic_added_to_a_team_routes_there_at_once(submit, teams, topics):
    selectors.team_for_topic(topic=None)  # held
    teams["planning"].topics.add(topics["community-led-housing"])
    enquiry = submit(topic="community-led-housing")
    assert Assignment.objects.get(enquiry=enquiry, is_current=True).team == teams["planning"]


def test_a_topic_taken_from_a_team_goes_to_triage(submit, teams, topics):
    selectors.team_for_topic(topic=None)
    teams["planning"].topics.remove(topics["neighbourhood-planning"])
    enquiry = submit(topic="np-getting-started")
    assert Assignment.objects.get(enquiry=enquiry, is_current=True).team == teams["triage"]


def test_a_new_team_and_a_deleted_one_are_seen(teams, topics):
    selectors.team_for_topic(topic=None)
    teams["triage"].delete()
    assert selectors.triage_team() is None
    triage = TeamFactory(name="New triage", is_triage=True)
    assert selectors.triage_team() == triage


def test_a_change_in_another_process_is_seen(teams, topics, django_assert_num_queries):
    selectors.triage_team()
    cache.set(VERSION_KEY, "renewed-elsewhere")
    with django_assert_num_queries(2):
        selectors.triage_team()
