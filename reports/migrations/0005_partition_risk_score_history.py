"""Past risk scores, appended by every recompute that changes a score or tier, become
partitioned by month on `computed_at`.

In the database only: the primary key becomes (id, computed_at); the model state is
unchanged. The table has no unique constraint besides its key, and nothing references it
with a foreign key, so no rule moves to a trigger."""

from django.db import migrations

from core.partitioning import convert_to_partitioned, convert_to_plain

TABLE = "reports_riskscorehistory"


def forwards(apps, schema_editor):
    convert_to_partitioned(schema_editor, TABLE, "computed_at")


def backwards(apps, schema_editor):
    convert_to_plain(schema_editor, TABLE, "computed_at")


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_backfill_risk_score_history")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
