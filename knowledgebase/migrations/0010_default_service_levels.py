"""The desk's starting service levels; managers change them in the admin.

Default: a first response within 2 working days and an answer within 20. Right to Bid
enquiries run against a six-week statutory window, so they are answered faster.
"""

from django.db import migrations

TARGETS = [
    (None, 2, 20),
    ("right-to-bid", 1, 10),
]


def load(apps, schema_editor):
    ServiceLevelTarget = apps.get_model("knowledgebase", "ServiceLevelTarget")
    Topic = apps.get_model("knowledgebase", "Topic")
    for slug, first, resolution in TARGETS:
        topic = Topic.objects.filter(slug=slug).first() if slug else None
        if slug and topic is None:
            continue
        ServiceLevelTarget.objects.update_or_create(
            topic=topic,
            defaults={
                "first_response_days": first,
                "resolution_days": resolution,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("knowledgebase", "ServiceLevelTarget").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0009_service_level_targets")]
    operations = [migrations.RunPython(load, unload)]
