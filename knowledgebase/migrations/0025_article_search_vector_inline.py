"""PostgreSQL: keep each article's search vector in the article's row (``STORAGE MAIN``)
instead of out of line in the TOAST table. Ranking reads the vector of every matching
article; out of line, each read was a TOAST index lookup and three chunks (about 32,000
buffers for 4,762 matches of 10,000 articles, 94 ms); in the row, 3,800 buffers and
14 ms (docs/performance.md, "Search"). A vector too large for the row still moves out.
The vectors already stored are made again so that they are stored the new way."""

from django.db import migrations

# The vectors made again as ``knowledgebase.search.services`` makes them: stored anew.
REWRITE = (
    "UPDATE knowledgebase_article SET search_vector = "
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(body_text, '')), 'C') "
    "WHERE search_vector IS NOT NULL"
)
POSTGRES = [
    "ALTER TABLE knowledgebase_article ALTER COLUMN search_vector SET STORAGE MAIN",
    REWRITE,
]
POSTGRES_REVERSE = [
    "ALTER TABLE knowledgebase_article ALTER COLUMN search_vector SET STORAGE EXTENDED",
    REWRITE,
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0024_article_words")]

    operations = [migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE))]
