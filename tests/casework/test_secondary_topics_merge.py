"""Secondary topics carried over when two enquiries are merged (at most 3, never the
survivor's topic), and shown in the staff enquiry list API in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.duplicates import services as duplicates_services
from casework.workspace.selectors import event_describe
from enquiries.models import Enquiry, EnquiryEvent

pytestmark = pytest.mark.django_db


def _about(enquiry: Enquiry, topic, *secondary) -> Enquiry:
    Enquiry.objects.filter(pk=enquiry.pk).update(topic=topic)
    enquiry.refresh_from_db()
    enquiry.secondary_topics.set(secondary)
    return enquiry


def _merge(survivor, merged, actor):
    return duplicates_services.enquiries_merge(
        survivor=survivor,
        merged=merged,
        actor=actor.user,
        survivor_version=survivor.version,
        merged_version=merged.version,
    )


@pytest.fixture
def second(submit, adviser):
    enquiry = submit(subject="The Red Lion again")
    assert enquiry.assigned_to == adviser.user
    return enquiry


def test_a_merge_carries_the_merged_topics_up_to_three_never_the_survivors_topic(
    mine, second, adviser, topics
):
    survivor = _about(mine, topics["right-to-bid"], topics["funding"])
    merged = _about(
        second,
        topics["asset-transfer"],
        topics["governance"],
        topics["community-led-housing"],
        topics["right-to-bid"],  # the survivor's own topic: never a secondary one
    )
    record = _merge(survivor, merged, adviser)
    # The survivor's own first, then the merged topic, then its secondary topics in the
    # taxonomy's order (community-led housing before governance), up to 3.
    assert {t.slug for t in survivor.secondary_topics.all()} == {
        "funding",
        "asset-transfer",
        "community-led-housing",
    }
    assert record.moved["secondary_topics"] == 2
    event = EnquiryEvent.objects.get(enquiry=survivor, kind=EnquiryEvent.Kind.MERGED)
    added = f"{topics['asset-transfer']}, {topics['community-led-housing']}"
    assert event_describe(event) == (
        f"Records merged: {merged.reference} into {survivor.reference}; secondary topics "
        f"added: {added}; not added (at most 3 secondary topics): {topics['governance']}"
    )


def test_a_merge_adds_nothing_already_there_and_nothing_to_a_full_survivor(
    mine, second, adviser, topics
):
    full = [topics["funding"], topics["governance"], topics["social-value"]]
    survivor = _about(mine, topics["right-to-bid"], *full)
    merged = _about(second, topics["funding"], topics["asset-transfer"])
    record = _merge(survivor, merged, adviser)
    assert {t.slug for t in survivor.secondary_topics.all()} == {
        "funding",
        "governance",
        "social-value",
    }
    assert "secondary_topics" not in record.moved
    event = EnquiryEvent.objects.get(enquiry=survivor, kind=EnquiryEvent.Kind.MERGED)
    assert event.data["secondary_topics"] == {
        "added": [],
        "left": [str(topics["asset-transfer"])],
    }


def test_a_survivor_without_a_topic_takes_no_secondary_topics(mine, second, adviser, topics):
    survivor = _about(mine, None)
    merged = _about(second, topics["asset-transfer"], topics["funding"])
    _merge(survivor, merged, adviser)
    assert not survivor.secondary_topics.exists()
    merged.refresh_from_db()
    assert merged.merged_into_id == survivor.pk


def _list_queries(api_client, user) -> tuple[int, list[dict]]:
    api_client.force_authenticate(user)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/enquiries/", {"page_size": 100})
    assert response.status_code == 200
    return len(queries.captured_queries), response.json()["results"]


def test_the_enquiry_list_api_shows_secondary_topics_in_a_fixed_number_of_queries(
    api_client, submit, manager, topics
):
    made = []

    def more(count: int) -> None:
        for _ in range(count):
            n = len(made)
            enquiry = submit(subject=f"Pub {n}", email=f"g{n}@example.org")
            enquiry.secondary_topics.set([topics["funding"], topics["governance"]][: n % 3])
            made.append(enquiry)

    more(2)
    _list_queries(api_client, manager.user)  # warm: what is looked up once per process
    small, rows = _list_queries(api_client, manager.user)
    assert len(rows) == 2
    more(8)
    large, rows = _list_queries(api_client, manager.user)
    assert len(rows) == 10
    assert large == small  # one prefetch for every row's secondary topics
    by_reference = {row["reference"]: row for row in rows}
    assert sorted(by_reference[made[1].reference]["secondary_topics"]) == ["funding"]
    assert sorted(by_reference[made[2].reference]["secondary_topics"]) == [
        "funding",
        "governance",
    ]
    assert by_reference[made[0].reference]["secondary_topics"] == []
