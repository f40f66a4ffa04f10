"""The guidance the desk ships with: at least twenty published articles, each in plain
English, with its legal sources, a plain "not legal advice" section, and every statutory
period filled from the deadline rules."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser

from knowledgebase.guidance import selectors
from knowledgebase.guidance.render import TOKEN, unknown_rules
from knowledgebase.guidance.shipped import shipped_articles
from knowledgebase.models import Article, Topic

SHIPPED = shipped_articles()
SENTENCE = re.compile(r"[^.!?\n]+[.!?]")


def test_at_least_twenty_articles_ship():
    assert len(SHIPPED) >= 20
    assert len({article.slug for article in SHIPPED}) == len(SHIPPED)


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda article: article.slug)
def test_each_shipped_article_is_well_formed(shipped):
    assert shipped.legal_sources, "every article cites its legal sources"
    assert len(shipped.summary) <= Article._meta.get_field("summary").max_length
    assert len(shipped.title) <= Article._meta.get_field("title").max_length
    assert "## This is not legal advice" in shipped.body
    assert "<" not in re.sub(r"<https?://[^>]+>", "", shipped.body), "no raw HTML"
    sentences = [s.split() for s in SENTENCE.findall(re.sub(r"[#*_>`-]", " ", shipped.body))]
    words = sum(len(s) for s in sentences)
    assert words / len(sentences) < 20, "plain English: short sentences on average"


@pytest.mark.django_db
@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda article: article.slug)
def test_each_shipped_article_is_published_with_its_periods_filled(shipped):
    article = Article.objects.get(slug=shipped.slug)
    assert article.status == "published"
    assert article.audience == "public"
    assert article.versions.count() == 1
    assert article.last_reviewed is not None
    assert unknown_rules(shipped.body, selectors.rule_facts()) == []
    assert not TOKEN.search(article.body_text)
    assert "{{" not in article.body_html
    topic_slugs = set(article.topics.values_list("slug", flat=True))
    assert topic_slugs == set(shipped.topics)
    assert Topic.objects.filter(slug__in=shipped.topics).count() == len(shipped.topics)


@pytest.mark.django_db
def test_the_moratorium_article_has_worked_dates_from_the_rules():
    article = Article.objects.get(slug=next(a.slug for a in SHIPPED if "moratorium" in a.slug))
    assert "For example, if the start" in article.body_text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected_word",
    [("moratorium", "moratorium"), ("moritorium", "moratorium"), ("neighbourhood forum", "forum")],
)
def test_shipped_guidance_is_found_by_the_words_groups_use(query, expected_word):
    found = selectors.article_search(user=AnonymousUser(), query=query)
    assert found
    assert expected_word in (found[0].article.title + found[0].article.body_text).lower()
