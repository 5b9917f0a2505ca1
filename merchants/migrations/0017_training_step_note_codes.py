"""Notes the training service wrote on `TrainingStep` as text become a code of
merchants.reason_texts, so they render in the reader's language (issue 19): the lift notes
("Training completed", "New programme version", in English or Chinese) and how an assignment
was completed ("modules", "quiz", "session:<id>"), on its step and its completion decision.
Set-based; notes matching none (a score, other text) keep their text."""

from django.db import migrations

# The text written before the codes: the lift sentences in English and Chinese, and the
# completion codes the "completed" step kept as its note.
NOTES = [
    ("training_completed", r"^Training completed$", []),
    ("training_completed", r"^培训已完成$", []),
    ("programme_version_changed", r"^New programme version$", []),
    ("programme_version_changed", r"^培训项目新版本$", []),
    ("completed_by_modules", r"^modules$", []),
    ("completed_by_quiz", r"^quiz$", []),
    ("completed_by_session", r"^session:(\d+)$", ["session_id"]),
]


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id, from_id_sentence, from_texts
    from merchants.reason_texts import backfill_sql

    assignment = content_type_id(apps, "merchants", "trainingassignment")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(backfill_sql("merchants_trainingstep", "note", NOTES))
        for code, text in (("completed_by_modules", "modules"), ("completed_by_quiz", "quiz")):
            from_texts(
                cursor,
                content_type_id=assignment,
                action="complete",
                code=code,
                texts={text: {}},
            )
        from_id_sentence(
            cursor,
            content_type_id=assignment,
            action="complete",
            code="completed_by_session",
            template="session:%(id)d",
            param="session_id",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0016_training_languages_and_step_note_codes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
