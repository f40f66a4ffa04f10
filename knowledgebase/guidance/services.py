"""Writes for guidance: drafting, publishing (each publication a new version, with who
and when), withdrawing, review dates, and the read and
deflection counts."""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from config.errors import DomainError
from knowledgebase import policies
from knowledgebase.counters import count_up
from knowledgebase.guidance.render import render_article
from knowledgebase.guidance.selectors import rule_facts
from knowledgebase.models import Article, ArticleReadDay, ArticleVersion, DeflectionDay, Topic
from knowledgebase.search.services import article_vector_refresh
from knowledgebase.working_days import add_months

# An article is due for review this many months after it was last reviewed.
REVIEW_MONTHS = 12
STALE_MESSAGE = (
    "Someone else saved this article after you opened it, so your change was not saved. "
    "Reload it and make your change again."
)


class StaleEdit(DomainError):
    """The article changed since the editor opened it: nothing was saved."""

    status_code = 409

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)


def _render_into(article: Article) -> None:
    try:
        rendered = render_article(article.body, rule_facts())
    except ValueError as error:
        raise ValidationError({"body": str(error)}) from error
    article.body_html, article.body_text = rendered.html, rendered.text


def _clean_sources(sources: Iterable[str]) -> list[str]:
    return [source.strip() for source in sources if source and source.strip()]


@transaction.atomic
def article_save(
    *,
    article: Article,
    topics: Iterable[Topic],
    actor: User | None,
    expected_revision: int | None = None,
    change_note: str = "",
) -> Article:
    """Save ``article``'s text. Advisers save drafts; a published article is edited by a
    manager only, and saving it publishes the change as a new version.

    ``expected_revision`` is the revision the editor started from: if someone saved in
    between, ``StaleEdit`` is raised and nothing is written.
    """
    adding = article.pk is None
    if actor is not None:
        if not policies.can_draft_articles(actor):
            raise PermissionDenied("Only desk staff can write guidance.")
        if article.status != Article.Status.DRAFT and not policies.can_publish_articles(actor):
            raise PermissionDenied("Only managers can change a published or withdrawn article.")
    topics = list(topics)
    if not topics:
        raise ValidationError({"topics": "Choose at least one topic."})
    if not adding:
        current = Article.objects.select_for_update().only("revision").get(pk=article.pk)
        if expected_revision is not None and current.revision != expected_revision:
            raise StaleEdit()
        article.revision = current.revision + 1
    else:
        article.created_by = actor if article.created_by_id is None else article.created_by
    article.legal_sources = _clean_sources(article.legal_sources)
    _render_into(article)
    article.full_clean(exclude=["topics", "search_vector", "created_by"])
    article.save()
    article.topics.set(topics)
    if article.status == Article.Status.PUBLISHED:
        _new_version(article, actor=actor, change_note=change_note)
    article_vector_refresh(article.pk)
    return article


def _new_version(article: Article, *, actor: User | None, change_note: str) -> None:
    latest = article.versions.aggregate(n=Max("number"))["n"] or 0
    ArticleVersion.objects.create(
        article=article,
        number=latest + 1,
        title=article.title,
        summary=article.summary,
        body=article.body,
        legal_sources=article.legal_sources,
        published_by=actor,
        published_at=timezone.now(),
        change_note=change_note[:300],
    )


def _reviewed_on(article: Article, day: date) -> None:
    article.last_reviewed = day
    article.review_due = add_months(day, REVIEW_MONTHS)


@transaction.atomic
def article_publish(*, article: Article, actor: User | None, change_note: str = "") -> Article:
    """Publish ``article`` as it stands: a new version, reviewed today."""
    if actor is not None and not policies.can_publish_articles(actor):
        raise PermissionDenied("Only managers can publish guidance.")
    Article.objects.select_for_update().filter(pk=article.pk).first()
    article.refresh_from_db()
    _render_into(article)
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now()
    article.revision += 1
    _reviewed_on(article, timezone.localdate())
    article.save()
    _new_version(article, actor=actor, change_note=change_note or "Published")
    article_vector_refresh(article.pk)
    return article


@transaction.atomic
def article_withdraw(*, article: Article, actor: User | None) -> Article:
    if actor is not None and not policies.can_publish_articles(actor):
        raise PermissionDenied("Only managers can withdraw guidance.")
    article.status = Article.Status.WITHDRAWN
    article.revision = F("revision") + 1
    article.save(update_fields=["status", "revision", "updated_at"])
    article_vector_refresh(article.pk)  # its words leave the search vocabulary
    article.refresh_from_db()
    return article


@transaction.atomic
def article_mark_reviewed(*, article: Article, actor: User | None) -> Article:
    """The text was checked and still holds: reviewed today, next review in a year."""
    if actor is not None and not policies.can_publish_articles(actor):
        raise PermissionDenied("Only managers can mark guidance reviewed.")
    _reviewed_on(article, timezone.localdate())
    article.save(update_fields=["last_reviewed", "review_due", "updated_at"])
    return article


def article_read_record(*, article: Article) -> None:
    count_up(ArticleReadDay, {"article": article, "day": timezone.localdate()}, reads=1)


def deflection_record(*, topic: Topic | None, outcome: DeflectionDay.Outcome | str) -> None:
    lookup = {"topic": topic, "outcome": outcome, "day": timezone.localdate()}
    count_up(DeflectionDay, lookup, count=1)
