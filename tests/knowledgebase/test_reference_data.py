"""The taxonomy and areas are loaded as data, and published for integrators."""

import pytest
from django.urls import reverse

from knowledgebase.models import LocalAuthority, Region, Topic

pytestmark = pytest.mark.django_db


def test_taxonomy_has_two_levels_from_domain():
    roots = Topic.objects.filter(parent=None)
    assert {
        "right-to-bid",
        "right-to-challenge",
        "neighbourhood-planning",
        "asset-transfer",
        "community-led-housing",
        "funding",
        "governance",
        "social-value",
        "other-powers",
        "out-of-scope",
    } == set(roots.values_list("slug", flat=True))
    assert not Topic.objects.filter(parent__parent__isnull=False).exists()
    assert Topic.objects.get(slug="acv-notice-of-sale").parent.slug == "right-to-bid"
    assert Topic.objects.get(slug="np-regulation-14").parent.slug == "neighbourhood-planning"


def test_every_english_region_has_areas():
    assert Region.objects.filter(nation="england").count() == 9
    assert Region.objects.exclude(nation="england").count() == 3  # Wales, Scotland, NI
    assert LocalAuthority.objects.count() > 300
    assert LocalAuthority.objects.get(slug="west-lindsey").region.name == "East Midlands"


def test_topic_cannot_nest_three_levels(topics):
    child = topics["acv-nomination"]
    grandchild = Topic(parent=child, name="Too deep", slug="too-deep")
    with pytest.raises(Exception, match="two levels"):
        grandchild.full_clean()


def test_anyone_can_list_topics_and_areas(api_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        topics = api_client.get(reverse("api:topic-list"))
    assert topics.status_code == 200
    slugs = {row["slug"]: row for row in topics.json()}
    assert slugs["acv-notice-of-sale"]["parent"] == "right-to-bid"
    with django_assert_max_num_queries(2):
        areas = api_client.get(reverse("api:area-list"))
    assert {
        "slug": "west-lindsey",
        "name": "West Lindsey",
        "region": "East Midlands",
    } in areas.json()


def test_inactive_topics_are_not_published(api_client, topics):
    Topic.objects.filter(slug="np-ndo").update(is_active=False)
    slugs = [row["slug"] for row in api_client.get(reverse("api:topic-list")).json()]
    assert "np-ndo" not in slugs
