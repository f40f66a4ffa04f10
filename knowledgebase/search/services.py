"""Writes for search: an article's stored search text, and the count of each search
(``terms.loggable_term`` says what of a query is kept)."""

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.utils import timezone

from knowledgebase.counters import count_up
from knowledgebase.models import Article, SearchScope, SearchTermDay
from knowledgebase.search.selectors import FTS_TABLE
from knowledgebase.search.terms import loggable_term


def article_vector_refresh(pk: int) -> None:
    """Store the article's search text for the database in use (call after a save)."""
    if connection.vendor == "postgresql":
        Article.objects.filter(pk=pk).update(
            search_vector=SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("body_text", weight="C", config="english")
        )
        return
    row = Article.objects.filter(pk=pk).values_list("title", "summary", "body_text").first()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [pk])  # noqa: S608
        if row is not None:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
                [pk, *row],
            )


def search_term_record(*, scope: SearchScope | str, query: str, found: int) -> None:
    """Count one search; an empty result is a gap. Terms with nothing left after
    scrubbing are not kept."""
    term = loggable_term(query)
    if not term:
        return
    empty = 1 if found == 0 else 0
    lookup = {"day": timezone.localdate(), "scope": scope, "term": term}
    count_up(SearchTermDay, lookup, searches=1, empty=empty)
