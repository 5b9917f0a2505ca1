"""Decision records, an append-only table that grows with every workflow step, become
partitioned by month on `created_at`.

In the database only: the primary key becomes (id, created_at); the model state is
unchanged. The table has no unique constraint besides its key, and nothing references it
with a foreign key (rows point at their subject through content type and object id), so no
rule moves to a trigger."""

from django.db import migrations

from core.partitioning import convert_to_partitioned, convert_to_plain

TABLE = "core_decision"


def forwards(apps, schema_editor):
    convert_to_partitioned(schema_editor, TABLE, "created_at")


def backwards(apps, schema_editor):
    convert_to_plain(schema_editor, TABLE, "created_at")


class Migration(migrations.Migration):
    dependencies = [("core", "0007_alert_decision_fewer_index_writes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
