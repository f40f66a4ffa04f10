"""The reference lists intake reads are held per process under a version (issue 12):
read once, then no query, and read again after any change to them."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from enquiries.models import Enquiry
from knowledgebase.models import ServiceLevelTarget
from knowledgebase.reference_data import VERSION_KEY, reference_changed, reference_data

pytestmark = pytest.mark.django_db

ENQUIRE = reverse("enquiries:enquire")


def read_all():
    held = reference_data()
    return held.topics, held.areas, held.service_level_for(None)


def test_the_lists_are_read_once_then_held(topics, django_assert_num_queries):
    with django_assert_num_queries(3):  # topics, areas, service level targets
        read_all()
    with django_assert_num_queries(0):
        read_all()
        assert reference_data().topic("acv-notice-of-sale").parent.slug == "right-to-bid"
        assert reference_data().area("west-lindsey").region.name == "East Midlands"


def test_a_saved_topic_is_seen_at_once(client, enquiry_data, topics, adviser):
    read_all()
    topic = topics["acv-notice-of-sale"]
    topic.is_active = False
    topic.save(update_fields=["is_active"])
    assert reference_data().topic("acv-notice-of-sale") is None
    response = client.post(ENQUIRE, {**enquiry_data, "consent_to_store": "on"})
    assert response.status_code == 400 and "topic" in response.context["form"].errors
    assert Enquiry.objects.count() == 0


def test_a_saved_area_is_seen_at_once(client, enquiry_data, areas, adviser):
    read_all()
    areas["west-lindsey"].is_active = False
    areas["west-lindsey"].save(update_fields=["is_active"])
    response = client.post(ENQUIRE, {**enquiry_data, "consent_to_store": "on"})
    assert response.status_code == 400 and "local_authority" in response.context["form"].errors
    assert 'value="west-lindsey"' not in client.get(ENQUIRE).content.decode()


def test_a_changed_service_level_applies_to_the_next_submission(submit, topics):
    read_all()
    default = ServiceLevelTarget.objects.get(topic__isnull=True)
    default.first_response_days = 7
    default.save(update_fields=["first_response_days"])
    assert reference_data().service_level_for(None).first_response_days == 7
    ServiceLevelTarget.objects.filter(topic__isnull=False).delete()
    assert reference_data().service_level_for(topics["acv-notice-of-sale"]).pk == default.pk


def test_a_change_in_another_process_is_seen(topics, django_assert_num_queries):
    """Another process's save renews the shared version: this one reads the lists again."""
    read_all()
    cache.set(VERSION_KEY, "renewed-elsewhere")
    with django_assert_num_queries(3):
        read_all()


def test_the_version_is_renewed_again_after_the_commit(django_capture_on_commit_callbacks):
    """So that a process reading between the save and its commit (the old rows under the
    new version) reads again once the change is committed."""
    read_all()
    before = cache.get(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        reference_changed()
        during = cache.get(VERSION_KEY)
    assert len({before, during, cache.get(VERSION_KEY)}) == 3


def test_the_lookups_hand_out_copies_of_the_held_rows(topics):
    found = reference_data().topic("acv-notice-of-sale")
    found.name = "Changed by one request"
    assert reference_data().topic("acv-notice-of-sale").name != "Changed by one request"


def test_a_lost_version_reads_the_lists_again(topics, django_assert_num_queries):
    """A cache cleared (or the key evicted) is a new version, never the old lists."""
    read_all()
    cache.clear()
    with django_assert_num_queries(3):
        read_all()


def test_a_request_reads_each_version_once(client, adviser, submit):
    """However many held lists a page asks for, and however often (the enquiry page: the
    rules, the areas, the snippets), each version is one cache read per request; with the
    database cache each read is a ``SELECT``. The next request reads it again."""
    from unittest import mock

    from django.core.cache import caches

    enquiry = submit(subject="The Red Lion")
    client.force_login(adviser.user)
    url = reverse("casework:enquiry", args=[enquiry.reference])
    client.get(url)
    cache = caches["default"]
    with mock.patch.object(cache, "get", wraps=cache.get) as reads:
        client.get(url)
    keys = [call.args[0] for call in reads.call_args_list]
    assert keys.count(VERSION_KEY) == 1
    with mock.patch.object(cache, "get", wraps=cache.get) as reads:
        client.get(url)
    assert [call.args[0] for call in reads.call_args_list].count(VERSION_KEY) == 1
