"""One rule for service-level targets, whoever writes them: the model states it
(``ServiceLevelTarget.clean``), the desk's service applies it, and the admin saves through
that service (managers only, who is recorded)."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework.service_levels import services
from knowledgebase.models import ServiceLevelTarget
from tests.casework.test_desk_views import messages_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FEWER = "The working days to resolution cannot be fewer than the working days to first response."


def default_target() -> ServiceLevelTarget:
    return ServiceLevelTarget.objects.get(topic__isnull=True)


def change_url(target: ServiceLevelTarget) -> str:
    return reverse("admin:knowledgebase_serviceleveltarget_change", args=[target.pk])


ADD_URL = reverse("admin:knowledgebase_serviceleveltarget_add")


@pytest.mark.parametrize(
    ("first", "resolution", "errors"),
    [
        (0, 5, {"first_response_days": ["The working days to first response must be at least 1."]}),
        (5, 3, {"resolution_days": [FEWER]}),
        (1, 251, {"resolution_days": ["The working days to resolution can be at most 250."]}),
        (
            "two",
            5,
            {
                "first_response_days": [
                    "Enter the working days to first response as a whole number."
                ]
            },
        ),
    ],
)
def test_the_model_states_the_rule_for_the_numbers(first, resolution, errors):
    target = ServiceLevelTarget(first_response_days=first, resolution_days=resolution)
    with pytest.raises(ValidationError) as refused:
        target.clean()
    assert refused.value.message_dict == errors


def test_the_service_refuses_bad_numbers_and_changes_nothing(manager):
    target = default_target()
    with pytest.raises(ValidationError) as refused:
        services.service_level_change(
            target=target, first_response_days=5, resolution_days=3, actor=manager.user
        )
    assert refused.value.message_dict == {"resolution_days": [FEWER]}
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days) == (2, 20)


def test_the_service_refuses_a_second_target_for_a_topic(manager, topics):
    with pytest.raises(ValidationError) as refused:
        services.service_level_add(
            topic=topics["right-to-bid"],
            first_response_days=3,
            resolution_days=30,
            actor=manager.user,
        )
    assert refused.value.message_dict == {
        "topic": [f"{topics['right-to-bid'].name} already has a target: change that one."]
    }


def test_the_admin_refuses_bad_numbers_with_the_same_messages(admin_client):
    target = default_target()
    response = admin_client.post(
        change_url(target), {"first_response_days": 5, "resolution_days": 3}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"resolution_days": [FEWER]}
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days) == (2, 20)


def test_the_admin_changes_numbers_through_the_service_recording_who(admin_client, admin_user):
    target = default_target()
    response = admin_client.post(
        change_url(target), {"first_response_days": 3, "resolution_days": 15}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days) == (3, 15)
    assert target.updated_by == admin_user


def test_the_admin_adds_a_topics_target_through_the_service(admin_client, admin_user, topics):
    topic = topics["neighbourhood-planning"]
    response = admin_client.post(
        ADD_URL, {"topic": topic.pk, "first_response_days": 3, "resolution_days": 30}
    )
    assert response.status_code == 302
    added = ServiceLevelTarget.objects.get(topic=topic)
    assert (added.first_response_days, added.resolution_days, added.updated_by) == (
        3,
        30,
        admin_user,
    )


def test_the_admin_refuses_a_second_target_for_a_topic_with_the_services_message(
    admin_client, topics
):
    topic = topics["right-to-bid"]
    response = admin_client.post(
        ADD_URL, {"topic": topic.pk, "first_response_days": 3, "resolution_days": 30}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "topic": [f"{topic.name} already has a target: change that one."]
    }
    assert ServiceLevelTarget.objects.filter(topic=topic).count() == 1


def test_the_admin_keeps_a_targets_topic(admin_client, topics):
    target = default_target()
    response = admin_client.post(
        change_url(target),
        {"topic": topics["governance"].pk, "first_response_days": 2, "resolution_days": 20},
    )
    assert response.status_code == 302
    assert default_target().pk == target.pk  # still the default


def test_admin_permissions_without_the_managers_role_cannot_save(client):
    """The service's policy holds in the admin too: model permissions are not enough."""
    user = UserFactory(username="editor", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_serviceleveltarget", "change_serviceleveltarget"]
        )
    )
    client.force_login(user)
    target = default_target()
    response = client.post(change_url(target), {"first_response_days": 3, "resolution_days": 15})
    assert response.status_code == 403
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days) == (2, 20)


def test_a_refusal_only_a_race_causes_is_shown_in_the_admin_and_nothing_saved(
    admin_client, topics, monkeypatch
):
    def added_meanwhile(**kwargs):
        ServiceLevelTarget.objects.create(
            topic=kwargs["topic"], first_response_days=1, resolution_days=2
        )
        raise ValidationError({"topic": "Governance already has a target: change that one."})

    monkeypatch.setattr(services, "service_level_add", added_meanwhile)
    response = admin_client.post(
        ADD_URL,
        {"topic": topics["governance"].pk, "first_response_days": 3, "resolution_days": 30},
        follow=True,
    )
    assert response.status_code == 200
    assert "already has a target" in " ".join(messages_of(response))
    assert not ServiceLevelTarget.objects.filter(topic=topics["governance"]).exists()


def delete_url(target) -> str:
    return reverse("admin:knowledgebase_serviceleveltarget_delete", args=[target.pk])


def test_the_admin_removes_a_topics_target_through_the_service(admin_client, topics, caplog):
    target = ServiceLevelTarget.objects.get(topic=topics["right-to-bid"])
    with caplog.at_level("INFO", logger="casework.service_levels.services"):
        response = admin_client.post(delete_url(target), {"post": "yes"})
    assert response.status_code == 302
    assert not ServiceLevelTarget.objects.filter(pk=target.pk).exists()
    assert "service level removed" in caplog.text


def test_admin_permissions_without_the_managers_role_cannot_remove(client, topics):
    user = UserFactory(username="remover", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_serviceleveltarget", "delete_serviceleveltarget"]
        )
    )
    client.force_login(user)
    target = ServiceLevelTarget.objects.get(topic=topics["right-to-bid"])
    response = client.post(delete_url(target), {"post": "yes"})
    assert response.status_code == 403
    assert ServiceLevelTarget.objects.filter(pk=target.pk).exists()
