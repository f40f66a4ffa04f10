"""Service levels in the API: targets (staff read, managers write) and the queue's
service-level fields and filters.

For the targets: success, anonymous, wrong role (403), unknown target (404) and bad
numbers (400 with the field, nothing changed). The queue's due dates are counted in
working days from today, so today is an ordinary working day (``working_day``).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from knowledgebase.models import ServiceLevelTarget
from knowledgebase.working_days import add_working_days
from tests.factories import EnquiryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]

TARGETS = "/api/v1/service-levels/"
ENQUIRIES = "/api/v1/enquiries/"


def target_url(target) -> str:
    return f"{TARGETS}{target.pk}/"


def default_target() -> ServiceLevelTarget:
    return ServiceLevelTarget.objects.get(topic__isnull=True)


# --- targets -----------------------------------------------------------------------------------


def test_staff_list_the_targets_default_first(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    response = api_client.get(TARGETS)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["topic"], r["first_response_days"], r["resolution_days"]) for r in results] == [
        (None, 2, 20),
        ("right-to-bid", 1, 10),
    ]


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get(TARGETS).status_code in (401, 403)
    assert api_client.patch(target_url(default_target()), {}).status_code in (401, 403)


def test_someone_without_a_desk_role_is_refused(api_client, outsider):
    api_client.force_authenticate(outsider)
    assert api_client.get(TARGETS).status_code == 403


def test_a_manager_changes_a_target_and_is_recorded(api_client, manager):
    api_client.force_authenticate(manager.user)
    target = default_target()
    response = api_client.patch(target_url(target), {"resolution_days": 15}, format="json")
    assert response.status_code == 200
    assert response.json()["resolution_days"] == 15
    assert response.json()["updated_by"] == manager.name
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days, target.updated_by) == (
        2,
        15,
        manager.user,
    )


def test_put_replaces_both_numbers(api_client, manager):
    api_client.force_authenticate(manager.user)
    target = default_target()
    response = api_client.put(
        target_url(target), {"first_response_days": 3, "resolution_days": 12}, format="json"
    )
    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days) == (3, 12)


def test_an_adviser_cannot_change_a_target(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    target = default_target()
    response = api_client.patch(target_url(target), {"resolution_days": 15}, format="json")
    assert response.status_code == 403
    assert "managers" in response.json()["detail"]
    target.refresh_from_db()
    assert target.resolution_days == 20


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_response_days": 0}, "first_response_days"),
        ({"first_response_days": -1}, "first_response_days"),
        ({"resolution_days": 1, "first_response_days": 2}, "resolution_days"),
        ({"resolution_days": 1}, "resolution_days"),  # below the current first response (2)
        ({"resolution_days": "many"}, "resolution_days"),
        ({"resolution_days": 10_000}, "resolution_days"),
    ],
)
def test_bad_numbers_are_a_400_with_the_field_and_nothing_changes(api_client, manager, body, field):
    api_client.force_authenticate(manager.user)
    target = default_target()
    response = api_client.patch(target_url(target), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days, target.updated_by) == (
        2,
        20,
        None,
    )


def test_an_unknown_target_is_a_404(api_client, manager):
    api_client.force_authenticate(manager.user)
    assert api_client.get(f"{TARGETS}9999/").status_code == 404
    assert api_client.patch(f"{TARGETS}9999/", {"resolution_days": 5}).status_code == 404


def test_a_manager_adds_and_removes_a_topic_target(api_client, manager, topics):
    api_client.force_authenticate(manager.user)
    response = api_client.post(
        TARGETS,
        {"topic": "governance", "first_response_days": 3, "resolution_days": 25},
        format="json",
    )
    assert response.status_code == 201
    added = ServiceLevelTarget.objects.get(topic=topics["governance"])
    assert added.updated_by == manager.user
    assert api_client.delete(target_url(added)).status_code == 204
    assert not ServiceLevelTarget.objects.filter(topic=topics["governance"]).exists()


def test_adding_a_second_target_for_a_topic_is_a_400(api_client, manager, topics):
    api_client.force_authenticate(manager.user)
    response = api_client.post(
        TARGETS,
        {"topic": "right-to-bid", "first_response_days": 3, "resolution_days": 25},
        format="json",
    )
    assert response.status_code == 400
    assert "topic" in response.json()
    assert ServiceLevelTarget.objects.filter(topic=topics["right-to-bid"]).count() == 1


def test_the_default_cannot_be_removed(api_client, manager):
    api_client.force_authenticate(manager.user)
    target = default_target()
    response = api_client.delete(target_url(target))
    assert response.status_code == 400
    assert ServiceLevelTarget.objects.filter(pk=target.pk).exists()


def test_an_adviser_cannot_add_or_remove(api_client, adviser, topics):
    api_client.force_authenticate(adviser.user)
    body = {"topic": "governance", "first_response_days": 3, "resolution_days": 25}
    assert api_client.post(TARGETS, body, format="json").status_code == 403
    rtb = ServiceLevelTarget.objects.get(topic=topics["right-to-bid"])
    assert api_client.delete(target_url(rtb)).status_code == 403
    assert ServiceLevelTarget.objects.count() == 2


# --- the queue ---------------------------------------------------------------------------------


def later(days: int):
    return add_working_days(timezone.localdate(), days)


def earlier(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def sla_enquiries(db):
    return {
        "on track": EnquiryFactory(
            subject="on track", first_response_due=later(5), resolution_due=later(20)
        ),
        "at risk": EnquiryFactory(
            subject="at risk", first_response_due=later(1), resolution_due=later(20)
        ),
        "breached": EnquiryFactory(
            subject="breached", first_response_due=earlier(4), resolution_due=later(20)
        ),
        "paused": EnquiryFactory(
            subject="paused",
            status="awaiting_group",
            first_response_due=earlier(4),
            resolution_due=later(20),
            sla_paused_since=timezone.now() - timedelta(days=2),
        ),
    }


def test_the_enquiry_list_carries_the_service_level(api_client, manager, sla_enquiries):
    api_client.force_authenticate(manager.user)
    results = {r["subject"]: r for r in api_client.get(ENQUIRIES).json()["results"]}
    assert results["on track"]["sla_state"] == "on_track"
    assert results["on track"]["sla_working_days_left"] == 5
    assert results["on track"]["sla_summary"] == "5 working days left to first response"
    assert results["at risk"]["sla_state"] == "at_risk"
    assert results["breached"]["sla_state"] == "breached"
    assert results["breached"]["first_response_due"] == earlier(4).isoformat()
    assert results["paused"]["sla_state"] == "paused"
    assert results["paused"]["paused"] is True and results["on track"]["paused"] is False


def test_the_enquiry_detail_carries_the_service_level(api_client, manager, sla_enquiries):
    api_client.force_authenticate(manager.user)
    enquiry = sla_enquiries["breached"]
    body = api_client.get(f"{ENQUIRIES}{enquiry.reference}/").json()
    assert body["sla_state"] == "breached"
    assert body["resolution_due"] == later(20).isoformat()


@pytest.mark.parametrize(
    ("value", "expected"), [("at_risk", {"at risk"}), ("breached", {"breached"})]
)
def test_the_api_filters_by_service_level_and_leaves_out_paused_ones(
    api_client, manager, sla_enquiries, value, expected
):
    api_client.force_authenticate(manager.user)
    response = api_client.get(ENQUIRIES, {"sla": value})
    assert response.status_code == 200
    assert {r["subject"] for r in response.json()["results"]} == expected


def test_an_unknown_service_level_filter_is_a_400(api_client, manager):
    api_client.force_authenticate(manager.user)
    response = api_client.get(ENQUIRIES, {"sla": "soon"})
    assert response.status_code == 400
    assert "sla" in response.json()


@pytest.mark.parametrize("rows", [3, 40])
def test_the_filtered_list_runs_a_constant_number_of_queries(
    api_client, manager, rows, django_assert_max_num_queries
):
    EnquiryFactory.create_batch(rows, first_response_due=earlier(4), resolution_due=later(5))
    api_client.force_authenticate(manager.user)
    with django_assert_max_num_queries(6):
        response = api_client.get(ENQUIRIES, {"sla": "breached", "ordering": "sla"})
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [3, 40])
def test_the_target_list_runs_a_constant_number_of_queries(
    api_client, manager, topics, rows, django_assert_max_num_queries
):
    for topic in list(topics.values())[:rows]:
        ServiceLevelTarget.objects.get_or_create(
            topic=topic,
            defaults={"first_response_days": 2, "resolution_days": 5, "updated_by": manager.user},
        )
    api_client.force_authenticate(manager.user)
    with django_assert_max_num_queries(4):
        response = api_client.get(TARGETS, {"page_size": 100})
    assert response.status_code == 200
