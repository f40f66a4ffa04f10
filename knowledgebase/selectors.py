"""Reads of reference data, shared by forms, the API and routing."""

from django.db.models import QuerySet

from knowledgebase.models import LocalAuthority, Topic


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
