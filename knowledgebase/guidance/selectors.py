"""Reads of guidance articles: what the public may read, what staff may read, search
and suggestions. Visibility is decided here: an article someone may not read is a 404."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString

from knowledgebase import policies
from knowledgebase.guidance.render import RuleFacts
from knowledgebase.models import Article, DeadlineRule, Topic
from knowledgebase.search.selectors import Hit, article_hits

User = AbstractUser | AnonymousUser
POPULAR_DAYS = 90


def rule_facts() -> dict[str, RuleFacts]:
    """Every active deadline rule, as an article's periods need them."""
    return {
        rule.slug: RuleFacts(
            slug=rule.slug,
            length=rule.length,
            unit=rule.unit,
            counting=rule.counting,
            trigger_event=rule.trigger_event,
            disputed=rule.needs_source_check,
        )
        for rule in DeadlineRule.objects.filter(is_active=True)
    }


def public_articles() -> QuerySet[Article]:
    return Article.objects.filter(status=Article.Status.PUBLISHED, audience=Article.Audience.PUBLIC)


def readable_articles(user: User) -> QuerySet[Article]:
    """Published articles ``user`` may read: staff also read staff-only ones."""
    if policies.can_read_staff_guidance(user):
        return Article.objects.filter(status=Article.Status.PUBLISHED)
    return public_articles()


def editable_articles(user: User) -> QuerySet[Article]:
    """What the guidance desk lists to ``user``: every article for staff who draft."""
    if not policies.can_draft_articles(user):
        return Article.objects.none()
    return Article.objects.all()


def desk_article_list(*, user: User) -> list[Article]:
    """Every article ``user`` may edit, drafts first, then by review date (overdue first)."""
    order = {Article.Status.DRAFT: 0, Article.Status.PUBLISHED: 1, Article.Status.WITHDRAWN: 2}
    articles = list(
        editable_articles(user)
        .defer("body", "body_html", "body_text", "search_vector")
        .prefetch_related("topics")
        .order_by(F("review_due").asc(nulls_last=True), "title")
    )
    return sorted(articles, key=lambda article: order[Article.Status(article.status)])


def article_get_readable(*, user: User, slug: str) -> Article:
    article = readable_articles(user).filter(slug=slug).prefetch_related("topics").first()
    if article is None:
        raise Http404("No such article.")
    return article


def article_get_editable(*, user: User, pk: int) -> Article:
    article = editable_articles(user).filter(pk=pk).prefetch_related("topics").first()
    if article is None:
        raise Http404("No such article.")
    return article


@dataclass(frozen=True)
class TopicGuidance:
    topic: Topic
    articles: list[Article]


def topic_index(user: User) -> list[TopicGuidance]:
    """Top-level topics with the published articles filed under them or their sub-topics,
    in two queries."""
    readable = readable_articles(user).only("slug", "title", "summary").order_by("title")
    topics = (
        Topic.objects.filter(is_active=True)
        .select_related("parent")
        .prefetch_related(Prefetch("articles", queryset=readable, to_attr="readable"))
    )
    grouped: dict[int, TopicGuidance] = {}
    roots: list[Topic] = []
    for topic in topics:
        if topic.parent_id is None:
            roots.append(topic)
    by_root: dict[int, dict[int, Article]] = {root.pk: {} for root in roots}
    for topic in topics:
        for article in topic.readable:
            by_root.setdefault(topic.root_id, {})[article.pk] = article
    for root in roots:
        articles = sorted(by_root[root.pk].values(), key=lambda a: a.title)
        if articles:
            grouped[root.pk] = TopicGuidance(topic=root, articles=articles)
    return list(grouped.values())


@dataclass(frozen=True)
class Found:
    article: Article
    snippet: SafeString


def article_search(*, user: User, query: str, limit: int = 20) -> list[Found]:
    """Articles ``user`` may read that match every word of ``query``, best first."""
    return _found(article_hits(query, visible=readable_articles(user), limit=limit))


def _found(hits) -> list[Found]:
    articles = Article.objects.in_bulk([hit.pk for hit in hits])
    return [Found(articles[hit.pk], hit.snippet) for hit in hits if hit.pk in articles]


def _on_topic(articles: QuerySet[Article], topic_id: int) -> QuerySet[Article]:
    """Those of ``articles`` filed under the topic, its sub-topics or its parent (once
    each, whatever the number of topics an article has)."""
    related = Q(topics=topic_id) | Q(topics__parent=topic_id) | Q(topics__children=topic_id)
    return articles.filter(pk__in=articles.filter(related).values("pk"))


def article_suggestions(
    *, user: User, topic: Topic | None, text: str, limit: int = 3
) -> list[Found]:
    """Articles that may answer a question about ``topic`` worded as ``text``: those on
    the topic that share its words first, then others that do."""
    readable = readable_articles(user)
    hits: list[Hit] = []
    if topic is not None:
        on_topic = _on_topic(readable, topic.pk)
        hits = article_hits(text, visible=on_topic, match_any=True, limit=limit)
    if len(hits) < limit:
        others = readable.exclude(pk__in=[hit.pk for hit in hits])
        hits += article_hits(text, visible=others, match_any=True, limit=limit - len(hits))
    return _found(hits)  # the articles of both searches read at once


def topic_popular_articles(*, topic_id: int, limit: int = 3) -> list[Article]:
    """The most-read public articles over the last ``POPULAR_DAYS`` days filed under the
    topic, its sub-topics or its parent (one query)."""
    since = timezone.localdate() - timedelta(days=POPULAR_DAYS)
    return list(
        _on_topic(public_articles(), topic_id)
        .annotate(recent=Sum("reads__reads", filter=Q(reads__day__gte=since)))
        .order_by(F("recent").desc(nulls_last=True), "title")
        .only("slug", "title", "summary")[:limit]
    )


def articles_by_slug(slugs: list[str]) -> list[Article]:
    """Public articles among ``slugs``, in that order (links an adviser sent a group)."""
    found = public_articles().in_bulk(slugs, field_name="slug")
    return [found[slug] for slug in dict.fromkeys(slugs) if slug in found]
