"""Reads of reference data, shared by forms, the API and routing."""

from django.db.models import F, Q, QuerySet

from knowledgebase.letter_engine import published_placeholders
from knowledgebase.models import (
    DeadlineRule,
    LetterTemplate,
    LetterTemplateVersion,
    LocalAuthority,
    Topic,
)


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


def letter_template_placeholders() -> list[str]:
    """Every placeholder a letter template may use today (fixed ones, one per active clock)."""
    rules = DeadlineRule.objects.filter(is_active=True).values_list("slug", "name")
    return [placeholder.name for placeholder in published_placeholders(rules)]


def letter_template_current(template: LetterTemplate) -> LetterTemplateVersion | None:
    return template.versions.order_by("-number").first()


def letter_templates_for(topic: Topic | None) -> QuerySet[LetterTemplate]:
    """Active templates, those for the enquiry's topic (or its parent) first."""
    related = [t for t in (topic.pk, topic.parent_id) if t] if topic else []
    return (
        LetterTemplate.objects.filter(is_active=True)
        .annotate(for_topic=Q(topic_id__in=related))
        # NULL (no topic) compares as unknown on PostgreSQL: sort it with the rest.
        .order_by(F("for_topic").desc(nulls_last=True), "name")
    )
