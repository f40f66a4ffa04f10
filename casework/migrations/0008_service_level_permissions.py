"""Managers may add, change, remove and view service-level targets (in the admin too)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "add_serviceleveltarget",
    "change_serviceleveltarget",
    "delete_serviceleveltarget",
    "view_serviceleveltarget",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("knowledgebase")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    managers, _ = Group.objects.get_or_create(name="Managers")
    managers.permissions.add(
        *Permission.objects.filter(content_type__app_label="knowledgebase", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    managers = Group.objects.filter(name="Managers").first()
    if managers is not None:
        managers.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="knowledgebase", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_case_event_details_edited"),
        ("knowledgebase", "0010_default_service_levels"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
