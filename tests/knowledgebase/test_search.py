"""One search, two databases: the same cases pass on SQLite (FTS5) and PostgreSQL
(tsvector, websearch_to_tsquery, pg_trgm). CI runs this file on both."""

import pytest
from django.contrib.auth.models import AnonymousUser

from knowledgebase.guidance import selectors, services
from knowledgebase.models import Article
from knowledgebase.search.selectors import article_hits

pytestmark = pytest.mark.django_db


def _article(topics, slug, title, body, *, summary="A summary.", audience="public", publish=True):
    article = services.article_save(
        article=Article(slug=slug, title=title, summary=summary, body=body, audience=audience),
        topics=[topics["acv-notice-of-sale"]],
        actor=None,
    )
    if publish:
        article = services.article_publish(article=article, actor=None)
    return article


@pytest.fixture
def library(topics):
    return {
        "title": _article(topics, "quokka-title", "Quokka moratorium rules", "Plain body text."),
        "body": _article(
            topics,
            "quokka-body",
            "Something else",
            "Deep in the body: the quokka moratorium is mentioned once, with <b>angle</b> text.",
        ),  # fmt: skip
        "draft": _article(topics, "quokka-draft", "Quokka draft", "Quokka", publish=False),
        "staff": _article(topics, "quokka-staff", "Quokka staff note", "Quokka", audience="staff"),
    }


def _slugs(query, *, user=None, **kwargs):
    user = user or AnonymousUser()
    found = selectors.article_search(user=user, query=query, **kwargs)
    return [item.article.slug for item in found]


def test_every_word_must_match_and_the_title_ranks_first(library):
    assert _slugs("quokka moratorium") == ["quokka-title", "quokka-body"]
    assert _slugs("quokka nonexistentword") == []


def test_stemming_finds_other_forms_of_a_word(library):
    assert "quokka-title" in _slugs("quokkas moratoriums")


def test_snippets_highlight_matches_and_escape_the_text(library):
    found = {
        item.article.slug: item.snippet
        for item in selectors.article_search(user=AnonymousUser(), query="angle")
    }
    snippet = str(found["quokka-body"])
    assert "<mark>angle</mark>" in snippet
    assert "&lt;b&gt;" not in snippet or "<b>" not in snippet
    assert "<b>" not in snippet


def test_a_misspelt_word_still_finds_the_article(library):
    assert "quokka-title" in _slugs("moritorium quokka")


def test_drafts_and_staff_articles_are_not_public(library, adviser):
    assert "quokka-draft" not in _slugs("quokka")
    assert "quokka-staff" not in _slugs("quokka")
    staff = _slugs("quokka", user=adviser.user)
    assert "quokka-staff" in staff
    assert "quokka-draft" not in staff


@pytest.mark.parametrize(
    "query", ['"unclosed', "title:quokka", "quokka*", "NEAR(quokka", "-", "quokka AND OR NOT", "'"]
)
def test_search_syntax_in_a_query_is_harmless(library, query):
    _slugs(query)  # no error: words are quoted, never parsed as the engine's own syntax


def test_any_word_matching_is_for_suggestions(library):
    visible = selectors.public_articles()
    hits = article_hits("our quokka is up for sale", visible=visible, match_any=True, limit=100)
    assert {hit.pk for hit in hits} >= {library["title"].pk, library["body"].pk}
    assert article_hits("our quokka is up for sale", visible=visible) == []


def test_withdrawing_and_editing_update_the_index(library, topics):
    services.article_withdraw(article=library["title"], actor=None)
    assert "quokka-title" not in _slugs("quokka")
    body = library["body"]
    body.body = "Now about wallabies only."
    services.article_save(article=body, topics=[topics["acv-notice-of-sale"]], actor=None)
    assert _slugs("angle") == []
    assert _slugs("wallabies") == ["quokka-body"]
