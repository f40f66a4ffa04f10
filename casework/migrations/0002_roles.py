"""Create the two staff roles as groups carrying the desk's permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    app_config = apps.get_app_config("casework")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    work = Permission.objects.get(content_type__app_label="casework", codename="work_enquiries")
    manage = Permission.objects.get(content_type__app_label="casework", codename="manage_desk")
    advisers, _ = Group.objects.get_or_create(name="Advisers")
    advisers.permissions.add(work)
    managers, _ = Group.objects.get_or_create(name="Managers")
    managers.permissions.add(work, manage)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Advisers", "Managers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
