"""How a re-test decided an objection was stored as a sentence in the language of the moment
("Re-test #12 accepted the lot; the verdict is overturned."); it becomes a code plus
parameters of inspections.reason_texts (issue 19), on the objection and on its "upheld" or
"dismissed" decision. Only a text that is exactly one of the two sentences, in English or
Chinese, is converted. Set-based: one UPDATE per table and per sentence form."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id, from_sentence, sentence_patterns
    from inspections import reason_texts as r
    from merchants.reason_texts import backfill_sql

    steps = ((r.OBJECTION_UPHELD, "upheld"), (r.OBJECTION_DISMISSED, "dismissed"))
    patterns = [p for code, _action in steps for p in sentence_patterns(code, r.TEXTS[code])]
    objection = content_type_id(apps, "inspections", "objection")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            backfill_sql("inspections_objection", "decision_note", patterns, prefix="decision")
        )
        for code, action in steps:
            from_sentence(
                cursor,
                content_type_id=objection,
                action=action,
                code=code,
                template=r.TEXTS[code],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0006_objection_decision_codes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
