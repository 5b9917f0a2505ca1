"""History events of product listings (one per listing and per change, set-based delistings
included) become partitioned by month on `pgh_created_at` (the time django-pghistory's
trigger wrote the event).

In the database only: the primary key becomes (pgh_id, pgh_created_at); the model state is
unchanged. An event table has no unique constraint besides its key, nothing references it
with a foreign key, and its own links (pgh_obj, pgh_context, the copied foreign keys) have
no database constraint. The history triggers on the tracked table insert by table name,
so they write into the partitioned table unchanged."""

from django.db import migrations

from core.partitioning import convert_to_partitioned, convert_to_plain

TABLE = "products_productevent"


def forwards(apps, schema_editor):
    convert_to_partitioned(schema_editor, TABLE, "pgh_created_at", key="pgh_id")


def backwards(apps, schema_editor):
    convert_to_plain(schema_editor, TABLE, "pgh_created_at", key="pgh_id")


class Migration(migrations.Migration):
    dependencies = [("products", "0015_selling_rights_reason_backfill")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
