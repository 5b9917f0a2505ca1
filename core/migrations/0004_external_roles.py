"""Create the groups of the outside parties' roles (core.roles.ExternalRole)."""

from django.db import migrations

ROLES = ["lab", "external_assessor"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_alert_fewer_indexes")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
