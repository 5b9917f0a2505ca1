"""Create the department groups. Their permissions are granted by
core.roles.sync_role_permissions after each migrate, from each app's declaration."""

from django.db import migrations

ROLES = ["merchant_management", "quality_management", "consumer_service", "data_analysis",
         "quality_manager"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
