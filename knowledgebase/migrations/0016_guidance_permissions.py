"""Advisers draft guidance; managers also publish it and edit canned replies."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADVISERS = ["view_article", "add_article", "change_article", "view_snippet"]
MANAGERS = [*ADVISERS, "publish_article", "add_snippet", "change_snippet", "add_snippetversion"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("knowledgebase")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in [("Advisers", ADVISERS), ("Managers", MANAGERS)]:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="knowledgebase", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Advisers", "Managers"]):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="knowledgebase", codename__in=MANAGERS)
        )


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0015_article_search_indexes"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, revoke)]
