"""Guidance articles, canned replies (snippets) and the counts behind the knowledge report.

The counters hold no personal data: a search term is kept only after
``knowledgebase.search.terms.loggable_term`` has removed anything that looks like an
email address, a phone number or a postcode, and is counted per day, not per person.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Coalesce

from knowledgebase.models.reference import Topic


class Article(models.Model):
    """A guidance article. Its fields are the text readers see when it is published;
    every publication is also kept as an ``ArticleVersion``, with who and when."""

    class Audience(models.TextChoices):
        PUBLIC = "public", "Public"
        STAFF = "staff", "Staff only"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, help_text="One or two sentences for lists.")
    body = models.TextField(
        help_text="Markdown. {{period:rule-slug}} and {{example:rule-slug}} insert a statutory "
        "period and a worked example from the deadline rules."
    )
    # Rendered and sanitised on save (``knowledgebase.guidance.render``): never raw input.
    body_html = models.TextField(editable=False, default="")
    # The same text without markup: what search reads and what snippets are cut from.
    body_text = models.TextField(editable=False, default="")
    topics = models.ManyToManyField(Topic, related_name="articles")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    legal_sources = models.JSONField(
        default=list, blank=True, help_text='References such as "Localism Act 2011, s.95".'
    )
    last_reviewed = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Counts and version, for optimistic locking of the edit form.
    revision = models.PositiveIntegerField(default=1)
    # PostgreSQL's weighted full-text vector (title A, summary B, body C); on SQLite the
    # FTS5 table ``knowledgebase_article_fts`` plays its part.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["title"]
        permissions = [("publish_article", "Can publish, withdraw and mark reviewed articles")]
        indexes = [
            models.Index(fields=["status", "audience"], name="article_status_audience_idx"),
            models.Index(fields=["review_due"], name="article_review_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.audience == self.Audience.PUBLIC


class ArticleWord(models.Model):
    """A word of the published articles and how many of them hold it: the vocabulary
    PostgreSQL's guidance search corrects a misspelt query word against ("moritorium" ->
    "moratorium", by trigram similarity on a GIN trigram index made by migration
    ``knowledgebase 0024``) before trying the full-text search again.

    Derived data, written only by ``knowledgebase.search.services`` when an article is
    saved, published or withdrawn; on SQLite the table stays empty (FTS5's own vocabulary
    plays its part)."""

    word = models.CharField(max_length=40, primary_key=True)
    articles = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.word


class ArticleSearchWords(models.Model):
    """The words (unstemmed: ``simple``) a published article has counted in
    ``ArticleWord``, so that its next change counts down exactly what it counted up. One
    row per published article, none for others; kept apart from ``Article`` so that no
    save of an article can write it back stale. PostgreSQL only, like ``ArticleWord``."""

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    words = SearchVectorField()

    def __str__(self) -> str:
        return f"search words of {self.article_id}"


class ArticleVersion(models.Model):
    """One published text of an article: immutable, numbered from 1."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    body = models.TextField()
    legal_sources = models.JSONField(default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()
    change_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.number}"


class Snippet(models.Model):
    """A canned reply advisers insert into an update or a letter. Its text lives in
    numbered versions, with the same placeholders as letter templates."""

    title = models.CharField(max_length=200, unique=True)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="snippets"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class SnippetVersion(models.Model):
    snippet = models.ForeignKey(Snippet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(help_text="Text with placeholders, e.g. {{ contact.name }}.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["snippet", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["snippet", "number"], name="snippet_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.snippet} v{self.number}"


class SearchScope(models.TextChoices):
    GUIDANCE = "guidance", "Public guidance"
    DESK = "desk", "Desk search"
    SUGGESTION = "suggestion", "Suggestions"


class SearchTermDay(models.Model):
    """How often a (scrubbed) search term was searched on a day, and how often it found
    nothing: the knowledge-gap report reads these."""

    day = models.DateField()
    scope = models.CharField(max_length=12, choices=SearchScope.choices)
    term = models.CharField(max_length=100)
    searches = models.PositiveIntegerField(default=0)
    empty = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "scope", "term"], name="search_term_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.scope}, {self.day})"


class ArticleReadDay(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    day = models.DateField()
    reads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="article_read_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} read {self.reads} times on {self.day}"


class DeflectionDay(models.Model):
    """What groups did when the form suggested articles: found their answer (no enquiry
    sent) or asked anyway, per topic and day."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Answered by guidance"
        ASKED = "asked", "Asked anyway"

    day = models.DateField()
    # Empty when the group chose "Not sure".
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "day", Coalesce("topic", models.Value(0)), "outcome", name="deflection_day_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} x{self.count} ({self.day})"
