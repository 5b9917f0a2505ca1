"""Lift notes the system wrote as text (a rating recovered, a new document or the agreement
accepted, training completed) become a code plus parameters on the lift decisions
(merchants.reason_texts), so they render in the reader's language (issue 19)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id, from_sentence, from_texts, in_every_language
    from merchants import reason_texts as r

    restriction = content_type_id(apps, "merchants", "restriction")
    with schema_editor.connection.cursor() as cursor:
        for code in (r.RATING_RECOVERED, r.DOCUMENT_ACCEPTED, r.AGREEMENT_ACCEPTED):
            from_sentence(
                cursor,
                content_type_id=restriction,
                action="lift",
                code=code,
                template=r.TEXTS[code],
            )
        for code in (r.TRAINING_COMPLETED, r.PROGRAMME_VERSION_CHANGED):
            from_texts(
                cursor,
                content_type_id=restriction,
                action="lift",
                code=code,
                texts={text: {} for text in in_every_language(lambda code=code: r.TEXTS[code])},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0013_reason_db_defaults"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
