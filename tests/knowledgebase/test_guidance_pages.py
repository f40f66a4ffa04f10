"""The public /guidance/ pages: readable without an account, cacheable, nothing leaked."""

import pytest
from django.urls import reverse

from knowledgebase.guidance import services
from knowledgebase.models import Article, ArticleReadDay, SearchTermDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(topics):
    article = services.article_save(
        article=Article(
            slug="platypus-guide",
            title="The platypus guide",
            summary="All about platypus rights.",
            body="## What it means\n\nThe interim moratorium lasts "
            "{{period:acv-interim-moratorium}}.\n\n{{example:acv-interim-moratorium}}",
            legal_sources=["Localism Act 2011, s.95"],
        ),
        topics=[topics["acv-notice-of-sale"]],
        actor=None,
    )
    return services.article_publish(article=article, actor=None)


@pytest.fixture
def draft(topics):
    return services.article_save(
        article=Article(slug="platypus-draft", title="Draft", summary="s", body="platypus"),
        topics=[topics["acv-notice-of-sale"]],
        actor=None,
    )


def test_the_index_lists_published_articles_by_topic(client, published, draft):
    page = client.get(reverse("guidance:index")).content.decode()
    assert "Right to Bid (assets of community value)" in page
    assert reverse("guidance:article", args=["platypus-guide"]) in page
    assert "platypus-draft" not in page


def test_the_index_is_two_queries_whatever_the_number_of_articles(
    client, published, topics, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        client.get(reverse("guidance:index"))
    for n in range(5):
        services.article_publish(
            article=services.article_save(
                article=Article(slug=f"more-{n}", title=f"More {n}", summary="s", body="b"),
                topics=[topics["np-examination"]],
                actor=None,
            ),
            actor=None,
        )
    with django_assert_max_num_queries(3):
        client.get(reverse("guidance:index"))


def test_an_article_page_shows_the_rule_the_clocks_use_and_its_sources(client, published):
    response = client.get(reverse("guidance:article", args=["platypus-guide"]))
    page = response.content.decode()
    assert "lasts 6 weeks." in page
    assert "Monday 2 March 2026, the period ends on Sunday 12 April 2026" in page
    assert "Localism Act 2011, s.95" in page
    assert "Last reviewed on" in page
    assert reverse("enquiries:enquire") in page


def test_reading_an_article_is_counted_per_day(client, published):
    url = reverse("guidance:article", args=["platypus-guide"])
    client.get(url)
    client.get(url)
    assert ArticleReadDay.objects.get(article=published).reads == 2


def test_public_pages_are_cacheable_and_answer_304_when_unchanged(client, published):
    url = reverse("guidance:article", args=["platypus-guide"])
    first = client.get(url)
    assert "public" in first["Cache-Control"]
    assert "max-age=300" in first["Cache-Control"]
    assert first["ETag"]
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304


def test_a_signed_in_page_is_private(client, published, adviser):
    client.force_login(adviser.user)
    response = client.get(reverse("guidance:article", args=["platypus-guide"]))
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_drafts_withdrawn_and_staff_articles_are_not_found_by_the_public(
    client, published, draft, topics, adviser
):
    assert client.get(reverse("guidance:article", args=["platypus-draft"])).status_code == 404
    staff = services.article_publish(
        article=services.article_save(
            article=Article(slug="staff-note", title="Staff", summary="s", body="b",
                            audience="staff"),
            topics=[topics["acv-notice-of-sale"]],
            actor=None,
        ),
        actor=None,
    )  # fmt: skip
    assert client.get(reverse("guidance:article", args=[staff.slug])).status_code == 404
    services.article_withdraw(article=published, actor=None)
    assert client.get(reverse("guidance:article", args=["platypus-guide"])).status_code == 404
    client.force_login(adviser.user)
    assert client.get(reverse("guidance:article", args=[staff.slug])).status_code == 200


def test_search_shows_results_with_highlights(client, published):
    response = client.get(reverse("guidance:search"), {"q": "platypus"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 result for" in page
    assert "<mark>platypus</mark>" in page.lower() or "<mark>Platypus</mark>" in page


def test_a_search_with_no_result_is_a_gap_and_keeps_nothing_personal(client, published):
    client.get(
        reverse("guidance:search"),
        {"q": "Jo Bloggs jo@example.org 07700 900123 LN1 2AB wombat"},
    )
    row = SearchTermDay.objects.get()
    assert row.term == "jo bloggs wombat"
    assert (row.searches, row.empty, row.scope) == (1, 1, "guidance")


def test_a_bad_search_says_what_is_wrong(client):
    response = client.get(reverse("guidance:search"), {"q": "x" * 201})
    assert response.status_code == 400
    assert "Enter at most 200 characters." in response.content.decode()
    empty = client.get(reverse("guidance:search"), {"q": "  "})
    assert empty.status_code == 400
    assert "Enter a word or a question" in empty.content.decode()
