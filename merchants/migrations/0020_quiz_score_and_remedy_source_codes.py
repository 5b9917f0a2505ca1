"""Two more notes the training service wrote as text become codes of merchants.reason_texts
(issue 19): a quiz attempt's step note, the score ("80%"), and the reason of a remedy
assignment's "assign" decision, the sanction's reference ("merchants.sanction:12"), which
readers saw as it was stored. Set-based; other text stays as written."""

from django.db import migrations

SCORES = [("quiz_scored", r"^(\d+)%$", ["score"])]


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id, from_id_sentence
    from merchants.reason_texts import backfill_sql

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            backfill_sql("merchants_trainingstep", "note", SCORES)
            + " AND t.step LIKE 'attempt\\_%'"
        )
        from_id_sentence(
            cursor,
            content_type_id=content_type_id(apps, "merchants", "trainingassignment"),
            action="assign",
            code="assigned_by_sanction",
            template="merchants.sanction:%(id)d",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0019_system_decision_reason_codes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
