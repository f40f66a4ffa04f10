"""Display names and link slugs for the ids a GROUP BY returns (one query per kind)."""

from knowledgebase.models import LocalAuthority, Topic


def topic_names(ids) -> dict:
    ids = {i for i in ids if i is not None}
    names = {
        pk: (name, slug)
        for pk, name, slug in Topic.objects.filter(pk__in=ids).values_list("pk", "name", "slug")
    }
    names[None] = ("No topic (not sure)", None)
    return names


def topic_roots() -> dict:
    """{topic id: its top-level topic's id} (a sub-topic counts under its parent)."""
    return {pk: parent or pk for pk, parent in Topic.objects.values_list("pk", "parent_id")}


def area_names(ids) -> dict:
    ids = {i for i in ids if i is not None}
    names = {
        pk: (name, slug)
        for pk, name, slug in LocalAuthority.objects.filter(pk__in=ids).values_list(
            "pk", "name", "slug"
        )
    }
    names[None] = ("No area given", None)
    return names
