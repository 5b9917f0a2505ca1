"""Service ratings, the largest append-only table, become partitioned by month.

In the database only: the primary key becomes (id, created_at) and the one-rating-per-
purchase rule moves from a unique constraint to a guard trigger (core.partitioning); the
model state is unchanged. Nothing references this table with a foreign key."""

from django.db import migrations

from core.partitioning import convert_to_partitioned, convert_to_plain

TABLE = "reviews_servicerating"


def forwards(apps, schema_editor):
    convert_to_partitioned(schema_editor, TABLE, "created_at", unique_guards=["purchase_id"])


def backwards(apps, schema_editor):
    convert_to_plain(schema_editor, TABLE, "created_at", unique_guards=["purchase_id"])


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_rating_restriction_review")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
