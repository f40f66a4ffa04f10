"""Publish the guidance articles the desk ships with (knowledgebase/data/articles/)."""

import datetime

from django.db import migrations
from django.utils import timezone

from knowledgebase.guidance.render import RuleFacts, render_article
from knowledgebase.guidance.shipped import shipped_articles

POSTGRES_VECTOR = (
    "UPDATE knowledgebase_article SET search_vector = "
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', summary), 'B') || "
    "setweight(to_tsvector('english', body_text), 'C') WHERE id = %s"
)
SQLITE_INDEX = (
    "INSERT INTO knowledgebase_article_fts (rowid, title, summary, body) VALUES (%s, %s, %s, %s)"
)


def load(apps, schema_editor):
    Article = apps.get_model("knowledgebase", "Article")
    Version = apps.get_model("knowledgebase", "ArticleVersion")
    Topic = apps.get_model("knowledgebase", "Topic")
    DeadlineRule = apps.get_model("knowledgebase", "DeadlineRule")
    rules = {
        rule.slug: RuleFacts(rule.slug, rule.length, rule.unit, rule.counting,
                             rule.trigger_event, disputed=rule.verification == "U")
        for rule in DeadlineRule.objects.filter(is_active=True)
    }
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    now, today = timezone.now(), datetime.date.today()
    review_due = today.replace(year=today.year + 1, day=min(today.day, 28))
    vendor = schema_editor.connection.vendor
    for shipped in shipped_articles():
        if Article.objects.filter(slug=shipped.slug).exists():
            continue
        rendered = render_article(shipped.body, rules)
        article = Article.objects.create(
            slug=shipped.slug, title=shipped.title, summary=shipped.summary, body=shipped.body,
            body_html=rendered.html, body_text=rendered.text, audience=shipped.audience,
            status="published", legal_sources=shipped.legal_sources, last_reviewed=today,
            review_due=review_due, published_at=now,
        )
        article.topics.set([topics[slug] for slug in shipped.topics])
        Version.objects.create(
            article=article, number=1, title=article.title, summary=article.summary,
            body=article.body, legal_sources=article.legal_sources, published_at=now,
            change_note="Shipped with the desk",
        )
        if vendor == "postgresql":
            schema_editor.execute(POSTGRES_VECTOR, [article.pk])
        elif vendor == "sqlite":
            schema_editor.execute(
                SQLITE_INDEX, [article.pk, article.title, article.summary, article.body_text]
            )


def unload(apps, schema_editor):
    slugs = [shipped.slug for shipped in shipped_articles()]
    apps.get_model("knowledgebase", "Article").objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0016_guidance_permissions")]

    operations = [migrations.RunPython(load, unload)]
