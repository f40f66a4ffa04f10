"""Indexes for desk search on PostgreSQL (``casework.search.selectors``): full text of an
enquiry's subject and message and of its messages, and trigram indexes for substrings of
names and assets. Built as the queries compile them (``SearchVector``, ``UPPER``), so the
planner uses them; SQLite searches by substring and needs none of them."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models.functions import Upper

INDEXES = [
    ("Enquiry", GinIndex(SearchVector("subject", config="english"), name="enquiry_subject_fts")),
    ("Enquiry", GinIndex(SearchVector("message", config="english"), name="enquiry_message_fts")),
    ("Enquiry", GinIndex(OpClass(Upper("asset_name"), name="gin_trgm_ops"), name="enquiry_asset_trgm")),
    ("Message", GinIndex(SearchVector("body", config="english"), name="message_body_fts")),
    ("Contact", GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="contact_name_trgm")),
    ("Organisation", GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="organisation_name_trgm")),
]


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in INDEXES:
        schema_editor.add_index(apps.get_model("enquiries", model), index)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in INDEXES:
        schema_editor.remove_index(apps.get_model("enquiries", model), index)


class Migration(migrations.Migration):
    dependencies = [("enquiries", "0016_consents")]

    operations = [TrigramExtension(), migrations.RunPython(add, remove)]
