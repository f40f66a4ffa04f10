"""Writing guidance on the desk: advisers draft, managers publish, review and withdraw;
edits that cross are refused, not lost; bad input says what is wrong."""

import html
import re

import pytest
from django.urls import reverse

from knowledgebase.guidance import services
from knowledgebase.models import Article

pytestmark = pytest.mark.django_db


def _form(all_topics, **overrides):
    data = {
        "title": "Running a community shop",
        "slug": "running-a-community-shop",
        "summary": "What a group needs to run a shop.",
        "topics": [all_topics["gov-structure"].pk],
        "audience": "public",
        "body": "## Start\n\nThe interim moratorium is {{period:acv-interim-moratorium}}.",
        "legal_sources": "Co-operative and Community Benefit Societies Act 2014\n\n",
        "change_note": "",
    }
    data.update(overrides)
    return data


def test_an_adviser_drafts_and_a_manager_publishes(client, adviser, manager, topics):
    client.force_login(adviser.user)
    response = client.post(reverse("casework:guidance_new"), _form(topics))
    article = Article.objects.get(slug="running-a-community-shop")
    assert response.status_code == 302
    assert article.status == "draft"
    assert article.created_by == adviser.user
    assert article.legal_sources == ["Co-operative and Community Benefit Societies Act 2014"]
    assert "is 6 weeks." in article.body_html
    # Not public until published; an adviser cannot publish.
    assert client.get(reverse("guidance:article", args=[article.slug])).status_code == 404
    assert client.post(reverse("casework:guidance_publish", args=[article.pk])).status_code == 403
    client.force_login(manager.user)
    client.post(reverse("casework:guidance_publish", args=[article.pk]))
    article.refresh_from_db()
    assert article.status == "published"
    assert article.last_reviewed is not None
    assert article.review_due > article.last_reviewed
    version = article.versions.get()
    assert (version.number, version.published_by) == (1, manager.user)
    client.logout()
    assert client.get(reverse("guidance:article", args=[article.slug])).status_code == 200


def test_a_published_article_is_changed_by_managers_only_and_each_change_is_a_version(
    client, adviser, manager, topics
):
    article = services.article_publish(
        article=services.article_save(
            article=Article(slug="a", title="A", summary="s", body="one"),
            topics=[topics["gov-structure"]],
            actor=None,
        ),
        actor=None,
    )
    url = reverse("casework:guidance_edit", args=[article.pk])
    client.force_login(adviser.user)
    assert "Only a manager can change" in client.get(url).content.decode()
    form = _form(topics, slug="a", body="two", revision=article.revision)
    assert client.post(url, form).status_code == 403
    client.force_login(manager.user)
    response = client.post(url, {**form, "change_note": "Clearer"})
    assert response.status_code == 302
    versions = list(article.versions.values_list("number", "body", "change_note"))
    assert versions == [(2, "two", "Clearer"), (1, "one", "Published")]


def test_two_editors_do_not_overwrite_each_other(client, manager, topics):
    article = services.article_save(
        article=Article(slug="b", title="B", summary="s", body="first"),
        topics=[topics["gov-structure"]],
        actor=None,
    )
    url = reverse("casework:guidance_edit", args=[article.pk])
    client.force_login(manager.user)
    opened = article.revision
    assert (
        client.post(url, _form(topics, slug="b", body="theirs", revision=opened)).status_code == 302
    )
    mine = client.post(url, _form(topics, slug="b", body="mine", revision=opened))
    assert mine.status_code == 409
    assert "Someone else saved this article" in mine.content.decode()
    assert "mine" in mine.content.decode()  # what they typed is still on the page
    article.refresh_from_db()
    assert article.body == "theirs"


def test_bad_input_is_explained_and_nothing_is_saved(client, adviser, topics):
    client.force_login(adviser.user)
    response = client.post(
        reverse("casework:guidance_new"),
        _form(topics, topics=[], body="Lasts {{period:no-such-rule}}."),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in page or "Choose at least one topic" in page
    response = client.post(
        reverse("casework:guidance_new"), _form(topics, body="Lasts {{period:no-such-rule}}.")
    )
    assert response.status_code == 400
    assert "No deadline rule called no-such-rule." in response.content.decode()
    assert not Article.objects.filter(slug="running-a-community-shop").exists()


def test_a_duplicate_slug_is_refused_with_a_message(client, adviser, topics):
    client.force_login(adviser.user)
    client.post(reverse("casework:guidance_new"), _form(topics))
    again = client.post(reverse("casework:guidance_new"), _form(topics))
    assert again.status_code == 400
    assert "already exists" in again.content.decode()


def test_withdraw_and_review(client, manager, topics):
    article = services.article_publish(
        article=services.article_save(
            article=Article(slug="c", title="C", summary="s", body="x"),
            topics=[topics["gov-structure"]],
            actor=None,
        ),
        actor=None,
    )
    client.force_login(manager.user)
    client.post(reverse("casework:guidance_withdraw", args=[article.pk]))
    article.refresh_from_db()
    assert article.status == "withdrawn"
    listing = client.get(reverse("casework:guidance")).content.decode()
    assert "Withdrawn" in listing


def test_the_list_is_a_fixed_number_of_queries(
    client, manager, topics, django_assert_max_num_queries
):
    client.force_login(manager.user)
    for n in range(3):
        services.article_save(
            article=Article(slug=f"q{n}", title=f"Q{n}", summary="s", body="x"),
            topics=[topics["gov-structure"], topics["funding-capital"]],
            actor=None,
        )
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("casework:guidance"))
    for n in range(3, 9):
        services.article_save(
            article=Article(slug=f"q{n}", title=f"Q{n}", summary="s", body="x"),
            topics=[topics["gov-structure"]],
            actor=None,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("casework:guidance"))


# --- on the enquiry page and the tracking page ------------------------------------------------


def test_the_enquiry_page_suggests_guidance_and_inserts_a_link_into_an_update(
    client, adviser, submit, settings
):
    enquiry = submit(subject="Owner has given notice to sell our listed pub")
    client.force_login(adviser.user)
    url = reverse("casework:enquiry", args=[enquiry.reference])
    page = client.get(url).content.decode()
    assert "Guidance that may answer this" in page
    suggested = re.findall(r'<li><a href="/guidance/([a-z0-9-]+)/">', page)
    assert 1 <= len(suggested) <= 5
    slug = suggested[0]
    article = Article.objects.get(slug=slug)
    filled = client.get(url, {"insert": slug}).content.decode()
    assert f"{settings.SITE_URL}/guidance/{slug}/" in filled
    excerpt = client.get(url, {"insert": slug, "as": "excerpt"}).content.decode()
    assert html.escape(article.summary) in excerpt
    # An article that was not suggested is not inserted.
    assert "/guidance/nonsense/" not in client.get(url, {"insert": "nonsense"}).content.decode()


def test_the_tracking_page_lists_linked_and_popular_guidance(client, adviser, submit):
    from enquiries.conversation.services import message_publish
    from enquiries.services import tracking_link_create

    enquiry = submit()
    linked = Article.objects.filter(status="published", audience="public").first()
    message_publish(
        enquiry=enquiry,
        body=f"Please read https://desk.example/guidance/{linked.slug}/ first.",
        actor=adviser.user,
    )
    token = tracking_link_create(enquiry=enquiry)
    page = client.get(reverse("enquiries:track", args=[token]), follow=True).content.decode()
    assert "Guidance for you" in page
    section = page[page.index("Guidance for you") : page.index('id="conversation"')]
    assert f'href="/guidance/{linked.slug}/"' in section
    assert "Read most often on" in section or "Also read on" in section
