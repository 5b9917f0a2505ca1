"""A superseded quarterly report's reason ("Replaced by report #N."), once stored as text in
the language of the moment, becomes a code plus parameters (reports.reason_texts), so old
rows render in the reader's language (issue 19)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id, from_sentence
    from reports import reason_texts as r

    with schema_editor.connection.cursor() as cursor:
        from_sentence(
            cursor,
            content_type_id=content_type_id(apps, "reports", "quarterlyreport"),
            action="superseded",
            code=r.REPLACED_BY_REPORT,
            template=r.TEXTS[r.REPLACED_BY_REPORT],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_partition_risk_score_history"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
