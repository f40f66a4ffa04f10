"""Drop the full-text and asset indexes of ``enquiries 0017`` that desk search no longer
reads (PostgreSQL only): since ``casework 0030`` it finds an enquiry's words, its asset
and its updates' words in one search document per enquiry. Each was written on every
new enquiry or update (about 120 MB at 1,000,000 enquiries). The trigram indexes on
contacts' and organisations' names stay: desk search lists those by substring."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models.functions import Upper

INDEXES = [
    ("Enquiry", GinIndex(SearchVector("subject", config="english"), name="enquiry_subject_fts")),
    ("Enquiry", GinIndex(SearchVector("message", config="english"), name="enquiry_message_fts")),
    ("Enquiry", GinIndex(OpClass(Upper("asset_name"), name="gin_trgm_ops"), name="enquiry_asset_trgm")),
    ("Message", GinIndex(SearchVector("body", config="english"), name="message_body_fts")),
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _model, index in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index.name}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in INDEXES:
            schema_editor.add_index(apps.get_model("enquiries", model), index)


class Migration(migrations.Migration):
    dependencies = [("enquiries", "0026_deadline_extended_event")]

    operations = [migrations.RunPython(drop, restore)]
