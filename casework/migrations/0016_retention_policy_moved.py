"""The retention period now lives in enquiries (enquiries 0018 copied the row)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0015_saved_views"),
        ("enquiries", "0018_retention_policy"),
    ]

    operations = [
        migrations.DeleteModel(name="RetentionPolicy"),
    ]
