"""History events of service ratings and product reviews (one per rating or review written,
as many rows as ratings and reviews, plus each fold and unfold) become partitioned by month
on `pgh_created_at` (the time django-pghistory's trigger wrote the event).

In the database only: the primary key becomes (pgh_id, pgh_created_at); the model state is
unchanged. An event table has no unique constraint besides its key, nothing references it
with a foreign key, and its own links (pgh_obj, pgh_context, the copied foreign keys) have
no database constraint. The history triggers on the tracked tables insert by table name,
so they write into the partitioned tables unchanged."""

from django.db import migrations

from core.partitioning import convert_to_partitioned, convert_to_plain

TABLES = ["reviews_serviceratingevent", "reviews_productreviewevent"]


def forwards(apps, schema_editor):
    for table in TABLES:
        convert_to_partitioned(schema_editor, table, "pgh_created_at", key="pgh_id")


def backwards(apps, schema_editor):
    for table in TABLES:
        convert_to_plain(schema_editor, table, "pgh_created_at", key="pgh_id")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_partition_service_ratings")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
