"""Drop internal notes' full-text index (``casework 0014``, PostgreSQL only): desk search
reads notes' words from each enquiry's search document (``casework 0030``)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(SearchVector("body", config="english"), name="note_body_fts")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX.name}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("casework", "Note"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("casework", "0035_enquiry_search_fts")]

    operations = [migrations.RunPython(drop, restore)]
