"""The vocabulary PostgreSQL's guidance search corrects misspelt words against: a table
of the published articles' words with a GIN trigram index, and per published article the
words it counts there (``knowledgebase.search.services``), filled from the articles
already published. On SQLite the tables stay empty: FTS5's own vocabulary does this."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# As ``knowledgebase.search.services`` (copied: a migration keeps its own SQL).
WORD = r"^[[:alpha:]]{3,40}$"
ARTICLE_WORDS = "strip(to_tsvector('simple', title || ' ' || summary || ' ' || body_text))"

POSTGRES = [
    "CREATE INDEX article_word_trgm ON knowledgebase_articleword USING gin (word gin_trgm_ops)",
    "INSERT INTO knowledgebase_articlesearchwords (article_id, words) "
    f"SELECT id, {ARTICLE_WORDS} FROM knowledgebase_article WHERE status = 'published'",
    "INSERT INTO knowledgebase_articleword (word, articles) SELECT word, ndoc FROM ts_stat("
    f"'SELECT words FROM knowledgebase_articlesearchwords') WHERE word ~ '{WORD}'",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS article_word_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0023_deadline_rule_disputed_start")]

    operations = [
        migrations.CreateModel(
            name="ArticleWord",
            fields=[
                ("word", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("articles", models.PositiveIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="ArticleSearchWords",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="knowledgebase.article",
                    ),
                ),
                ("words", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE)),
    ]
