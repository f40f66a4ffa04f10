"""Writes for search: an article's stored search text and, on PostgreSQL, its words in
the vocabulary misspelt queries are corrected against (``ArticleWord``); and the count of
each search (``terms.loggable_term`` says what of a query is kept)."""

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.utils import timezone

from knowledgebase.counters import count_up
from knowledgebase.models import Article, SearchScope, SearchTermDay
from knowledgebase.search.selectors import FTS_TABLE
from knowledgebase.search.terms import loggable_term

# Words of letters only, as long as ``ArticleWord.word`` holds: numbers and codes are not
# corrected (``selectors._postgres_corrected``), so they need no place in the vocabulary.
VOCABULARY_WORD = r"^[[:alpha:]]{3,40}$"
# Serialises changes to the vocabulary: two publications sharing words would otherwise
# lock the same counts in different orders (any number; the desk takes no other).
VOCABULARY_LOCK = 151_024
ARTICLE_WORDS = "strip(to_tsvector('simple', title || ' ' || summary || ' ' || body_text))"

# One statement: the words the article has counted (``ArticleSearchWords``) against
# those it holds now (published: its words; otherwise none). A word it lost is counted
# down, and deleted when no other article holds it; a word it gained is counted up, or
# added; words in both are not touched. Its counted words are then stored, or cleared.
_WORDS_REFRESH = f"""
WITH old AS (
    SELECT unnest(tsvector_to_array(words)) AS word
    FROM knowledgebase_articlesearchwords WHERE article_id = %(pk)s
), current AS (
    SELECT {ARTICLE_WORDS} AS words
    FROM knowledgebase_article WHERE id = %(pk)s AND status = 'published'
), new AS (
    SELECT unnest(tsvector_to_array(words)) AS word FROM current
), lost AS (
    SELECT word FROM old EXCEPT SELECT word FROM new
), gained AS (
    SELECT word FROM new WHERE word ~ %(pattern)s EXCEPT SELECT word FROM old
), deleted AS (
    DELETE FROM knowledgebase_articleword w USING lost
    WHERE w.word = lost.word AND w.articles <= 1
), counted_down AS (
    UPDATE knowledgebase_articleword w SET articles = w.articles - 1
    FROM lost WHERE w.word = lost.word AND w.articles > 1
), counted_up AS (
    INSERT INTO knowledgebase_articleword (word, articles)
    SELECT word, 1 FROM gained ORDER BY word
    ON CONFLICT (word) DO UPDATE SET articles = knowledgebase_articleword.articles + 1
), cleared AS (
    DELETE FROM knowledgebase_articlesearchwords
    WHERE article_id = %(pk)s AND NOT EXISTS (SELECT FROM current)
)
INSERT INTO knowledgebase_articlesearchwords (article_id, words)
SELECT %(pk)s, words FROM current
ON CONFLICT (article_id) DO UPDATE SET words = EXCLUDED.words
"""  # noqa: S608  # constants only; the values are parameters

_WORDS_REBUILD = [
    "DELETE FROM knowledgebase_articleword",
    "DELETE FROM knowledgebase_articlesearchwords",
    "INSERT INTO knowledgebase_articlesearchwords (article_id, words) "  # noqa: S608
    f"SELECT id, {ARTICLE_WORDS} FROM knowledgebase_article WHERE status = 'published'",
    "INSERT INTO knowledgebase_articleword (word, articles) SELECT word, ndoc FROM ts_stat("
    "'SELECT words FROM knowledgebase_articlesearchwords') WHERE word ~ %(pattern)s",
]


def article_vector_refresh(pk: int) -> None:
    """Store the article's search text for the database in use (call after a save, a
    publication or a withdrawal)."""
    if connection.vendor == "postgresql":
        Article.objects.filter(pk=pk).update(
            search_vector=SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("body_text", weight="C", config="english")
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [VOCABULARY_LOCK])
            cursor.execute(_WORDS_REFRESH, {"pk": pk, "pattern": VOCABULARY_WORD})
        return
    row = Article.objects.filter(pk=pk).values_list("title", "summary", "body_text").first()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [pk])  # noqa: S608
        if row is not None:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
                [pk, *row],
            )


def article_words_rebuild() -> None:
    """PostgreSQL: the vocabulary made again from every published article (after articles
    were written without the services, as the benchmark does). Nothing on SQLite."""
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [VOCABULARY_LOCK])
        for statement in _WORDS_REBUILD:
            cursor.execute(statement, {"pattern": VOCABULARY_WORD})


def search_term_record(*, scope: SearchScope | str, query: str, found: int) -> None:
    """Count one search; an empty result is a gap. Terms with nothing left after
    scrubbing are not kept."""
    term = loggable_term(query)
    if not term:
        return
    empty = 1 if found == 0 else 0
    lookup = {"day": timezone.localdate(), "scope": scope, "term": term}
    count_up(SearchTermDay, lookup, searches=1, empty=empty)
