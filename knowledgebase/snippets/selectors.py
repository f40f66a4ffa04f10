"""Reads of canned replies: the active ones (the enquiry's topic first), each with its
current text."""

import copy
import html
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.http import Http404

from knowledgebase import reference_data
from knowledgebase.letter_engine import render_letter_template, unfilled_placeholders
from knowledgebase.models import Snippet, SnippetVersion, Topic


def _with_current(snippets: QuerySet[Snippet]) -> QuerySet[Snippet]:
    latest = SnippetVersion.objects.filter(snippet=OuterRef("pk")).order_by("-number")
    return snippets.select_related("topic").annotate(
        current_body=Subquery(latest.values("body")[:1]),
        current_number=Max("versions__number"),
    )


def snippet_list(*, include_inactive: bool = False) -> QuerySet[Snippet]:
    snippets = Snippet.objects.all() if include_inactive else Snippet.objects.filter(is_active=True)
    return _with_current(snippets).order_by("title")


def snippets_for(*, topic: Topic | None) -> list[Snippet]:
    """Active snippets: the topic's (and its parent's) first, then the general ones. As
    this process holds them (``reference_data``; copies): no query while they hold."""
    snippets = [copy.copy(snippet) for snippet in reference_data.reference_data().snippets]
    if topic is None:
        return snippets
    related = {topic.pk, topic.parent_id}
    return sorted(snippets, key=lambda snippet: (snippet.topic_id not in related, snippet.title))


def snippet_get(*, pk: int, include_inactive: bool = False) -> Snippet:
    snippet = snippet_list(include_inactive=include_inactive).filter(pk=pk).first()
    if snippet is None:
        raise Http404("No such snippet.")
    return snippet


def snippet_versions(*, snippet: Snippet) -> QuerySet[SnippetVersion]:
    return snippet.versions.select_related("created_by").order_by("-number")


@dataclass(frozen=True)
class FilledSnippet:
    text: str
    unfilled: list[str]


def snippet_fill(*, body: str, values: dict[str, Any]) -> FilledSnippet:
    """The snippet's text with the enquiry's values (the letter composer's), and the
    placeholders left blank, to flag before anything is sent."""
    rendered = render_letter_template(body, values)
    text = html.unescape(rendered).replace("\r\n", "\n").strip()
    return FilledSnippet(text=text, unfilled=unfilled_placeholders(body, values))
