"""Guidance through the API: public reading and search; staff drafting with revisions."""

import pytest
from django.urls import reverse

from knowledgebase.models import Article, SearchTermDay

pytestmark = pytest.mark.django_db


def test_the_public_list_search_and_one_article(api_client):
    listing = api_client.get(reverse("api:guidance-list"))
    assert listing.status_code == 200
    assert listing.json()["count"] >= 20
    found = api_client.get(reverse("api:guidance-list"), {"q": "moratorium"}).json()
    assert found["results"]
    assert "moratorium" in (found["results"][0]["title"] + found["results"][0]["summary"]).lower()
    slug = found["results"][0]["slug"]
    one = api_client.get(reverse("api:guidance-detail", args=[slug])).json()
    assert one["body_html"].startswith("<")
    assert one["legal_sources"]
    on_topic = api_client.get(reverse("api:guidance-list"), {"topic": "np-examination"}).json()
    assert on_topic["results"]
    assert all("np-examination" in r["topics"] for r in on_topic["results"])
    assert SearchTermDay.objects.filter(term="moratorium", scope="guidance").exists()


def test_drafts_are_not_public(api_client, topics):
    draft = Article.objects.create(slug="secret", title="Secret", summary="s", body="b")
    draft.topics.set([topics["gov-structure"]])
    assert api_client.get(reverse("api:guidance-detail", args=["secret"])).status_code == 404
    slugs = [r["slug"] for r in api_client.get(reverse("api:guidance-list")).json()["results"]]
    assert "secret" not in slugs


def test_a_bad_query_is_a_400_with_the_field(api_client):
    response = api_client.get(reverse("api:guidance-list"), {"q": "x" * 201})
    assert response.status_code == 400
    assert "q" in response.json()


def test_staff_draft_edit_with_revision_and_managers_publish(api_client, adviser, manager):
    api_client.force_authenticate(adviser.user)
    url = reverse("api:guidance-article-list")
    created = api_client.post(
        url,
        {
            "slug": "api-draft",
            "title": "From the API",
            "summary": "A draft.",
            "body": "Lasts {{period:acv-full-moratorium}}.",
            "topics": ["acv-full-moratorium"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft"
    assert "Lasts 6 months." in body["body_html"]
    detail = reverse("api:guidance-article-detail", args=[body["id"]])
    no_revision = api_client.patch(detail, {"title": "X"}, format="json")
    assert no_revision.status_code == 400
    assert "revision" in no_revision.json()
    changed = api_client.patch(
        detail, {"title": "Renamed", "revision": body["revision"]}, format="json"
    )
    assert changed.status_code == 200
    stale = api_client.patch(detail, {"title": "Lost", "revision": body["revision"]}, format="json")
    assert stale.status_code == 409
    assert Article.objects.get(pk=body["id"]).title == "Renamed"
    publish = reverse("api:guidance-article-publish", args=[body["id"]])
    assert api_client.post(publish).status_code == 403
    api_client.force_authenticate(manager.user)
    assert api_client.post(publish).json()["status"] == "published"


def test_a_bad_draft_is_refused_with_the_reason(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(
        reverse("api:guidance-article-list"),
        {"slug": "bad", "title": "Bad", "summary": "s", "body": "{{period:nope}}",
         "topics": ["gov-structure"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "nope" in str(response.json())
    assert not Article.objects.filter(slug="bad").exists()


def test_snippets_are_listed_for_staff(api_client, adviser):
    assert api_client.get(reverse("api:snippet-list")).status_code == 401
    api_client.force_authenticate(adviser.user)
    results = api_client.get(reverse("api:snippet-list")).json()["results"]
    assert any(r["title"] == "This is not legal advice" for r in results)


def test_suggestions_for_a_question_as_the_group_types(api_client):
    response = api_client.get(
        reverse("api:guidance-list"),
        {
            "suggest": "Our pub is up for sale, what is the moratorium?",
            "topic": "acv-notice-of-sale",
        },
    )
    results = response.json()["results"]
    assert 1 <= len(results) <= 3
    assert results[0]["url"] == reverse("guidance:article", args=[results[0]["slug"]])
    assert not SearchTermDay.objects.exists()  # a question as typed is never recorded


def test_search_through_the_api_is_a_fixed_number_of_queries(
    api_client, django_assert_max_num_queries
):
    # The search, the articles, their topics, and counting the term (an UPDATE, or an
    # INSERT in a savepoint the first time): not one query per result.
    with django_assert_max_num_queries(8):
        results = api_client.get(reverse("api:guidance-list"), {"q": "council"}).json()
    assert len(results["results"]) > 3
