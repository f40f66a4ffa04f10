"""Display names and link slugs for the ids a GROUP BY returns (one query per kind)."""

from collections.abc import Iterable

from knowledgebase.models import LocalAuthority, Topic

# id -> (display name, link slug); None (no topic, no area) has no slug.
Names = dict[int | None, tuple[str, str | None]]


def topic_names(ids: Iterable[int | None]) -> Names:
    known = {i for i in ids if i is not None}
    names: Names = {
        pk: (name, slug)
        for pk, name, slug in Topic.objects.filter(pk__in=known).values_list("pk", "name", "slug")
    }
    names[None] = ("No topic (not sure)", None)
    return names


def topic_roots() -> dict[int | None, int]:
    """{topic id: its top-level topic's id} (a sub-topic counts under its parent)."""
    return {pk: parent or pk for pk, parent in Topic.objects.values_list("pk", "parent_id")}


def area_names(ids: Iterable[int | None]) -> Names:
    known = {i for i in ids if i is not None}
    names: Names = {
        pk: (name, slug)
        for pk, name, slug in LocalAuthority.objects.filter(pk__in=known).values_list(
            "pk", "name", "slug"
        )
    }
    names[None] = ("No area given", None)
    return names
