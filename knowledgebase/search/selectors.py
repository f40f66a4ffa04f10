"""Full-text search on both databases, behind one interface.

* PostgreSQL: a stored, weighted ``tsvector`` per row (A title, B summary, C body)
  with a GIN index, ``websearch_to_tsquery('english', ...)``, ``ts_rank`` and
  ``ts_headline``. A query that finds nothing has each word not in the published
  articles' vocabulary (``ArticleWord``, kept by ``knowledgebase.search.services``)
  replaced by the nearest word that is (candidates from a GIN trigram index, ``pg_trgm``:
  "moritorium" -> "moratorium"), and the full-text search is tried again.
* SQLite: an FTS5 table (porter stemmer) ranked with ``bm25`` and cut with
  ``snippet``; a misspelt word is corrected from the table's own vocabulary
  (``fts5vocab``) in the same way.

Both return ``Hit`` rows in rank order, each with a snippet that is safe HTML:
the text is escaped and only the ``<mark>`` around matched words is markup.
The tests run the same cases on both (``tests/knowledgebase/test_search.py``).
"""

import difflib
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from knowledgebase.models import Article

# Sentinels around matched words: characters no article or query contains, replaced
# by <mark> only after the snippet has been escaped.
START, STOP = "\x02", "\x03"
WORD = re.compile(r"\w+", re.UNICODE)
# Words too common to say what a question is about, dropped when any word may match.
STOP_WORDS = frozenset(
    """a about an and are as at be but by can could do does for from have how i if in is it
    its me my of on or our so that the their them there they this to us was we what when
    where which who will with would you your""".split()  # noqa: SIM905  # easier to read
)
FTS_TABLE = "knowledgebase_article_fts"
# How alike (difflib's ratio) a word of the index must be to replace a misspelt one.
CLOSE_ENOUGH = 0.75


@dataclass(frozen=True)
class Hit:
    pk: int
    rank: float
    snippet: SafeString


def query_words(query: str, *, drop_stop_words: bool) -> list[str]:
    words = [word.lower() for word in WORD.findall(query)]
    if drop_stop_words:
        words = [word for word in words if word not in STOP_WORDS and len(word) > 1]
    return list(dict.fromkeys(words))[:20]


def _safe_snippet(raw: str) -> SafeString:
    text = escape(raw or "")
    return mark_safe(text.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308  # escaped above


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def article_hits(
    query: str, *, visible: QuerySet[Article], match_any: bool = False, limit: int = 10
) -> list[Hit]:
    """Articles among ``visible`` that match ``query``, best first.

    ``match_any`` finds articles with any of the query's words (for suggestions made
    from a question); otherwise every word must match, as in a search box.
    """
    words = query_words(query, drop_stop_words=match_any)
    if not words:
        return []
    search = _postgres_hits if _is_postgres() else _sqlite_hits
    hits = search(query, words, visible=visible, match_any=match_any, limit=limit)
    if hits:
        return hits
    corrected = (_postgres_corrected if _is_postgres() else _sqlite_corrected)(words)
    if corrected == words:
        return []
    return search(" ".join(corrected), corrected, visible=visible, match_any=match_any, limit=limit)


def _postgres_query(query: str, words: list[str], *, match_any: bool) -> SearchQuery:
    if not match_any:
        return SearchQuery(query, search_type="websearch", config="english")
    combined = SearchQuery(words[0], config="english")
    for word in words[1:]:
        combined |= SearchQuery(word, config="english")
    return combined


def _postgres_hits(
    query: str, words: list[str], *, visible: QuerySet[Article], match_any: bool, limit: int
) -> list[Hit]:
    ts_query = _postgres_query(query, words, match_any=match_any)
    rows = (
        visible.filter(search_vector=ts_query)
        .annotate(
            rank=SearchRank(F("search_vector"), ts_query),
            headline=SearchHeadline(
                Concat("summary", Value("\n"), "body_text", output_field=TextField()),
                ts_query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "pk")
        .values_list("pk", "rank", "headline")[:limit]
    )
    return [Hit(pk, float(rank), _safe_snippet(headline)) for pk, rank, headline in rows]


def _correctable(word: str) -> bool:
    """Words of letters long enough to have trigrams in common with another; numbers and
    codes ("14", "s95") are searched as typed (the vocabulary holds none)."""
    return word.isalpha() and 3 <= len(word) <= 40


# For each query word, the words of the vocabulary most like it, in one statement: ``%``
# finds them on the GIN trigram index (trigram similarity above pg_trgm's threshold, 0.3
# by default), the closest ``CANDIDATES`` by that similarity are kept.
_CANDIDATES_SQL = """
SELECT q.word, c.word
FROM unnest(%s::text[]) AS q(word)
CROSS JOIN LATERAL (
    SELECT v.word FROM knowledgebase_articleword v
    WHERE v.word %% q.word
    ORDER BY similarity(v.word, q.word) DESC, v.articles DESC, v.word
    LIMIT %s
) c
"""
CANDIDATES = 5


def _postgres_corrected(words: list[str]) -> list[str]:
    """Each word not in the published articles' vocabulary (``ArticleWord``) replaced by
    the nearest word that is, if one is close: the trigram index offers a few candidates,
    and the nearest is chosen by the same measure and cut-off as on SQLite (trigrams
    alone would take "change" for "challange", "list" for "listng")."""
    correctable = [word for word in words if _correctable(word)]
    if not correctable:
        return words
    candidates: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES_SQL, [correctable, CANDIDATES])
        for word, candidate in cursor.fetchall():
            candidates.setdefault(word, []).append(candidate)
    return [_nearest(word, candidates.get(word, [])) for word in words]


def _nearest(word: str, known: list[str]) -> str:
    if not known or word in known:
        return word
    close = difflib.get_close_matches(word, known, n=1, cutoff=CLOSE_ENOUGH)
    return close[0] if close else word


def _fts5_query(words: list[str], *, match_any: bool) -> str:
    # Each word quoted: FTS5's own syntax (NEAR, column filters, *) never reaches it.
    quoted = [f'"{word}"' for word in words]
    return (" OR " if match_any else " ").join(quoted)


def _sqlite_hits(
    query: str, words: list[str], *, visible: QuerySet[Article], match_any: bool, limit: int
) -> list[Hit]:
    visible_sql, visible_params = visible.values("pk").query.sql_with_params()
    sql = (
        f"SELECT rowid, bm25({FTS_TABLE}, 10.0, 4.0, 1.0) AS score, "  # noqa: S608
        f"snippet({FTS_TABLE}, -1, %s, %s, ' … ', 24) "
        f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({visible_sql}) "
        "ORDER BY score, rowid LIMIT %s"
    )
    params = [START, STOP, _fts5_query(words, match_any=match_any), *visible_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # bm25 is lower for better matches; the interface's rank is higher for better.
    return [Hit(pk, -float(score), _safe_snippet(snippet)) for pk, score, snippet in rows]


def _sqlite_corrected(words: list[str]) -> list[str]:
    """Each word not in the index replaced by the nearest word that is, if one is close."""
    with connection.cursor() as cursor:
        placeholders = ",".join(["%s"] * len(words))
        cursor.execute(
            f"SELECT term FROM {FTS_TABLE}_vocab WHERE term IN ({placeholders})",  # noqa: S608
            words,
        )
        known = {row[0] for row in cursor.fetchall()}
        unknown = [word for word in words if word not in known]
        if not unknown:
            return words
        cursor.execute(f"SELECT term FROM {FTS_TABLE}_vocab")  # noqa: S608
        vocabulary = [row[0] for row in cursor.fetchall()]
    corrected = []
    for word in words:
        if word in known:
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=CLOSE_ENOUGH)
        corrected.append(close[0] if close else word)
    return corrected
