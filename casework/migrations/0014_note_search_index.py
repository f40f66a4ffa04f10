"""Full-text index on internal notes for desk search on PostgreSQL (as
``enquiries 0017``)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(SearchVector("body", config="english"), name="note_body_fts")


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("casework", "Note"), INDEX)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("casework", "Note"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("casework", "0013_subject_access_requests"), ("enquiries", "0017_search_indexes")]

    operations = [migrations.RunPython(add, remove)]
