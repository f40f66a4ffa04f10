"""Desk search's words on SQLite: one FTS5 row per enquiry (``casework.search.fts5``).

Only the table: its triggers are put in place, and every row written, after each migrate
(``post_migrate``), since Django's way of altering an SQLite table would break them. On
PostgreSQL nothing: desk search reads the search documents of ``casework 0030``.
"""

from django.db import migrations

CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS casework_enquiry_fts USING fts5("
    "words, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'casework_enquiry_fts_%'"
            )
            for (name,) in cursor.fetchall():
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        schema_editor.execute("DROP TABLE IF EXISTS casework_enquiry_fts")


class Migration(migrations.Migration):
    dependencies = [("casework", "0034_rollups_month_rows")]

    operations = [migrations.RunPython(create, drop)]
