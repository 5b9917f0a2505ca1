"""Lift notes the training sweep wrote on `TrainingStep` as sentences ("Training completed",
"New programme version", in English or Chinese) become a code of merchants.reason_texts, so
they render in the reader's language (issue 19). One UPDATE; other notes keep their text."""

from django.db import migrations

# The sentences written before the codes, in English and Chinese.
NOTES = [
    ("training_completed", r"^Training completed$", []),
    ("training_completed", r"^培训已完成$", []),
    ("programme_version_changed", r"^New programme version$", []),
    ("programme_version_changed", r"^培训项目新版本$", []),
]


def forwards(apps, schema_editor):
    from merchants.reason_texts import backfill_sql

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(backfill_sql("merchants_trainingstep", "note", NOTES))


class Migration(migrations.Migration):
    dependencies = [("merchants", "0016_training_languages_and_step_note_codes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
