"""One search, two databases: the same cases pass on SQLite (FTS5) and PostgreSQL
(tsvector, websearch_to_tsquery, pg_trgm). CI runs this file on both."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from knowledgebase.guidance import selectors, services
from knowledgebase.models import Article, ArticleWord
from knowledgebase.search import services as search_services
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


def test_a_misspelt_word_in_the_body_is_corrected_and_highlighted(library):
    found = {
        item.article.slug: str(item.snippet)
        for item in selectors.article_search(user=AnonymousUser(), query="quokke")
    }
    assert set(found) == {"quokka-title", "quokka-body"}
    assert "<mark>quokka</mark>" in found["quokka-body"]


def test_a_word_like_no_published_word_finds_nothing(library):
    assert _slugs("xylophone") == []
    assert _slugs("moritorium xylophone") == []


def test_words_of_a_withdrawn_article_no_longer_correct_a_query(library, topics):
    _article(topics, "wombat", "Wombat burrows", "Wombats dig burrows.")
    assert _slugs("wombatt") == ["wombat"]
    services.article_withdraw(article=Article.objects.get(slug="wombat"), actor=None)
    assert _slugs("wombatt") == []


def test_a_misspelt_search_runs_a_fixed_number_of_queries(library, django_assert_max_num_queries):
    # The search, the correction (two reads of the vocabulary on SQLite), the search
    # again, the articles found.
    with django_assert_max_num_queries(5):
        assert "quokka-title" in _slugs("moritorium quokka")


def postgres_only(test):
    """The word table is PostgreSQL's: SQLite corrects from FTS5's own vocabulary."""
    skip = pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the search vocabulary table is PostgreSQL's (SQLite corrects words from "
        "FTS5's own); run with DATABASE_URL=postgres://…",
    )
    return pytest.mark.postgres(skip(test))


def _vocabulary(*words):
    return dict(ArticleWord.objects.filter(word__in=words).values_list("word", "articles"))


@postgres_only
def test_publishing_adds_an_articles_words_to_the_vocabulary(library, topics):
    assert _vocabulary("quokka", "angle", "deep") == {
        "quokka": 3,  # the title, body and staff articles; not the draft
        "angle": 1,
        "deep": 1,
    }
    draft = _article(topics, "numbat", "Numbat", "Numbats eat termites.", publish=False)
    assert _vocabulary("numbat", "termites") == {}
    services.article_publish(article=draft, actor=None)
    assert _vocabulary("numbat", "numbats", "termites") == {
        "numbat": 1,
        "numbats": 1,
        "termites": 1,
    }
    # Numbers, codes and one- or two-letter words are not words to correct to.
    assert not ArticleWord.objects.filter(word__regex=r"\d").exists()
    assert not ArticleWord.objects.filter(word__regex=r"^.{1,2}$").exists()


@postgres_only
def test_editing_a_published_article_moves_only_the_words_it_changed(library, topics):
    shipped = _vocabulary("moratorium")["moratorium"] - 2  # the title and body hold it
    body = library["body"]
    body.body = "Deep in the body: now about wallabies."
    services.article_save(article=body, topics=[topics["acv-notice-of-sale"]], actor=None)
    assert _vocabulary("angle", "wallabies", "deep", "moratorium", "quokka") == {
        "wallabies": 1,
        "deep": 1,
        "moratorium": shipped + 1,  # still in the title article
        "quokka": 2,
    }


@postgres_only
def test_withdrawing_takes_an_articles_words_out_of_the_vocabulary(library):
    before = _vocabulary("angle", "deep", "moratorium", "quokka")
    services.article_withdraw(article=library["body"], actor=None)
    assert _vocabulary("angle", "deep", "moratorium", "quokka") == {
        "moratorium": before["moratorium"] - 1,
        "quokka": 2,
    }
    services.article_publish(article=library["body"], actor=None)
    assert _vocabulary("angle", "deep", "moratorium", "quokka") == before


@postgres_only
def test_the_vocabulary_rebuilt_is_the_vocabulary_kept(library, topics):
    services.article_withdraw(article=library["title"], actor=None)
    kept = dict(ArticleWord.objects.values_list("word", "articles"))
    search_services.article_words_rebuild()
    assert dict(ArticleWord.objects.values_list("word", "articles")) == kept
