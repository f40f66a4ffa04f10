"""Reads of reference data, shared by forms, the API and routing."""

import logging
from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from knowledgebase.letter_engine import published_placeholders
from knowledgebase.models import (
    ChallengeWindow,
    DeadlineRule,
    LetterTemplate,
    LetterTemplateVersion,
    LocalAuthority,
    ServiceLevelTarget,
    Topic,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

logger = logging.getLogger(__name__)


def topic_choices() -> QuerySet[Topic]:
    """Active topics, parents before their children, for pickers."""
    return (
        Topic.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("parent__position", "position")
    )


def topic_get_by_slug(slug: str) -> Topic | None:
    return Topic.objects.filter(slug=slug, is_active=True).select_related("parent").first()


def local_authority_choices() -> QuerySet[LocalAuthority]:
    return LocalAuthority.objects.filter(is_active=True).order_by("name")


def local_authority_get_by_slug(slug: str) -> LocalAuthority | None:
    return LocalAuthority.objects.filter(slug=slug, is_active=True).select_related("region").first()


def challenge_window_for_area(
    *, local_authority_id: int | None, today: date
) -> ChallengeWindow | None:
    """The Right to Challenge expression-of-interest window on file for a council area that
    an adviser would record the end of: the one that opened most recently (still open, or
    closed), by its closing date. A window not yet open is not offered. One query.

    Localism Act 2011 s.82: a council may specify periods during which expressions of
    interest may be submitted; the end of one can start the council's 30-day notice
    (rule ``crtc-timescale-notice-window``)."""
    if local_authority_id is None:
        return None
    return next(
        iter(challenge_window_rows(local_authority_id=local_authority_id, today=today)), None
    )


def challenge_window_rows(*, local_authority_id: int, today: date) -> QuerySet[ChallengeWindow]:
    """``challenge_window_for_area`` as a queryset of at most one row, to read with a
    page's others."""
    return (
        ChallengeWindow.objects.filter(local_authority_id=local_authority_id, opens_on__lte=today)
        .select_related("local_authority")
        .order_by("-closes_on", "-pk")[:1]
    )


def letter_template_placeholders() -> list[str]:
    """Every placeholder a letter template may use today (fixed ones, one per active clock)."""
    rules = DeadlineRule.objects.filter(is_active=True).values_list("slug", "name")
    return [placeholder.name for placeholder in published_placeholders(rules)]


def letter_template_current(template: LetterTemplate) -> LetterTemplateVersion | None:
    return template.versions.order_by("-number").first()


class ForTopic(TypedDict):
    for_topic: bool


def letter_templates_for(
    topic: Topic | None,
) -> "QuerySet[WithAnnotations[LetterTemplate, ForTopic]]":
    """Active templates, those for the enquiry's topic (or its parent) first."""
    related = [t for t in (topic.pk, topic.parent_id) if t] if topic else []
    return (
        LetterTemplate.objects.filter(is_active=True)
        .annotate(for_topic=Q(topic_id__in=related))
        # NULL (no topic) compares as unknown on PostgreSQL: sort it with the rest.
        .order_by(F("for_topic").desc(nulls_last=True), "name")
    )


def service_level_for(*, topic: Topic | None) -> ServiceLevelTarget:
    """The target an enquiry about ``topic`` runs against: the topic's own, else its
    parent's, else the default (no topic). One query.

    The default cannot be removed (admin and desk refuse); should it be missing all the
    same, intake carries on with an unsaved copy of the starting default (2 and 20)."""
    rows = ServiceLevelTarget.objects.filter(topic__isnull=True)
    if topic is not None:
        rows = ServiceLevelTarget.objects.filter(
            Q(topic__isnull=True) | Q(topic_id__in=[t for t in (topic.pk, topic.parent_id) if t])
        ).annotate(
            rank=Case(
                When(topic_id=topic.pk, then=Value(0)),
                When(topic__isnull=False, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        rows = rows.order_by("rank")
    target = rows.first()
    if target is None:
        logger.warning("no default service level target: using 2 and 20 working days")
        target = ServiceLevelTarget(first_response_days=2, resolution_days=20)
    return target


def service_level_list() -> QuerySet[ServiceLevelTarget]:
    """Every target: the default first, then by topic, parents before their sub-topics."""
    return ServiceLevelTarget.objects.select_related("topic__parent", "updated_by").order_by(
        F("topic").asc(nulls_first=True),
        Coalesce("topic__parent__position", "topic__position"),
        F("topic__parent").asc(nulls_first=True),
        "topic__position",
        "pk",
    )


def topics_without_service_level() -> QuerySet[Topic]:
    """Active topics that have no target of their own yet, for the "add a target" picker."""
    return topic_choices().filter(service_level__isnull=True)
