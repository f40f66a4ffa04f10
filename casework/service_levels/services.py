"""Writes for the desk's service-level targets (``knowledgebase.ServiceLevelTarget``).

Managers only (``policies.is_manager``). Each write records who made it (``updated_by``);
a target applies to enquiries received afterwards: each enquiry keeps the due dates it
was given at intake. The default (no topic) can be changed but never removed. Bad
numbers raise ``ValidationError`` with the field and the reason (the model's rule,
``ServiceLevelTarget.clean``); nothing is saved. The admin saves through these too.
"""

import logging

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from casework import policies
from knowledgebase.models import ServiceLevelTarget, Topic

logger = logging.getLogger(__name__)


def _require_manager(actor: User) -> None:
    if not policies.is_manager(actor):
        raise PermissionDenied("Only managers can change service levels.")


@transaction.atomic
def service_level_add(
    *, topic: Topic, first_response_days: int, resolution_days: int, actor: User
) -> ServiceLevelTarget:
    """A target for one topic (and its sub-topics without their own)."""
    _require_manager(actor)
    if topic is None:
        raise ValidationError({"topic": "Choose the topic the target is for."})
    target = ServiceLevelTarget(
        topic=topic,
        first_response_days=first_response_days,
        resolution_days=resolution_days,
        updated_by=actor,
    )
    target.clean()  # the numbers' rule, the model's (the admin's form runs it too)
    target.validate_unique()  # a topic with a target already
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as error:  # added by someone else meanwhile
        raise ValidationError(
            {"topic": target.unique_error_message(ServiceLevelTarget, ["topic"])}
        ) from error
    return target


@transaction.atomic
def service_level_change(
    *,
    target: ServiceLevelTarget,
    first_response_days: int,
    resolution_days: int,
    actor: User,
) -> ServiceLevelTarget:
    """New numbers for a target (the default included)."""
    _require_manager(actor)
    locked = ServiceLevelTarget.objects.select_for_update().get(pk=target.pk)
    locked.first_response_days = first_response_days
    locked.resolution_days = resolution_days
    locked.clean()
    locked.updated_by = actor
    locked.save(
        update_fields=["first_response_days", "resolution_days", "updated_by", "updated_at"]
    )
    return locked


@transaction.atomic
def service_level_remove(*, target: ServiceLevelTarget, actor: User) -> None:
    """Remove a topic's target: its enquiries fall back to the parent's, else the default."""
    _require_manager(actor)
    if target.topic_id is None:
        raise ValidationError("The default service level cannot be removed: change it instead.")
    ServiceLevelTarget.objects.filter(pk=target.pk).delete()
    # The row is gone, so the log keeps who removed it (ids only, nothing personal).
    logger.info("service level removed topic=%s actor=%s", target.topic_id, actor.pk)
