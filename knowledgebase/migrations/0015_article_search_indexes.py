"""The search structures each database needs (``knowledgebase.search.selectors``):
on PostgreSQL pg_trgm, a GIN index on the stored vector and trigram indexes on the
title and summary; on SQLite an FTS5 table (porter stemmer) and its vocabulary."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRES = [
    "CREATE INDEX IF NOT EXISTS article_search_vector_gin ON knowledgebase_article "
    "USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS article_summary_trgm ON knowledgebase_article "
    "USING gin (summary gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS article_title_trgm ON knowledgebase_article "
    "USING gin (title gin_trgm_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS article_title_trgm",
    "DROP INDEX IF EXISTS article_summary_trgm",
    "DROP INDEX IF EXISTS article_search_vector_gin",
]
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledgebase_article_fts USING fts5("
    "title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledgebase_article_fts_vocab "
    "USING fts5vocab(knowledgebase_article_fts, 'row')",
]
SQLITE_REVERSE = [
    "DROP TABLE IF EXISTS knowledgebase_article_fts_vocab",
    "DROP TABLE IF EXISTS knowledgebase_article_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0014_guidance_articles")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
