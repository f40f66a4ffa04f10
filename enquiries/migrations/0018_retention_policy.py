"""The retention period moves from casework to enquiries, so that the public privacy
notice can state the period a manager set. The row is copied; casework 0016 drops the
old table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_policy(apps, schema_editor):
    old = apps.get_model("casework", "RetentionPolicy")
    new = apps.get_model("enquiries", "RetentionPolicy")
    for row in old.objects.order_by("pk")[:1]:
        new.objects.create(years=row.years, updated_by_id=row.updated_by_id)


def copy_back(apps, schema_editor):
    old = apps.get_model("casework", "RetentionPolicy")
    new = apps.get_model("enquiries", "RetentionPolicy")
    for row in new.objects.order_by("pk")[:1]:
        old.objects.create(years=row.years, updated_by_id=row.updated_by_id)


class Migration(migrations.Migration):
    dependencies = [
        ("enquiries", "0017_search_indexes"),
        ("casework", "0015_saved_views"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RetentionPolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("years", models.PositiveSmallIntegerField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_policy, copy_back),
    ]
