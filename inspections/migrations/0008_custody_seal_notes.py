"""A sealed sample's custody step stored "Seal <number>" as its note, in the language of the
moment; the seal number is the sample's, so the note is emptied and the step shows the seal in
the reader's language (`CustodyEvent.note_text`, issue 19). Only a note that is exactly that
sentence for the sample's own seal, in English or Chinese, is emptied. One UPDATE."""

from django.db import migrations


def forwards(apps, schema_editor):
    from django.utils.translation import gettext

    from core.reason_backfill import in_every_language

    # "Seal %(seal)s" as the lab service wrote it, in each language, without the number.
    sentences = in_every_language(lambda: gettext("Seal %(seal)s"))
    heads = sorted(sentence.replace("%(seal)s", "") for sentence in sentences)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE inspections_custodyevent AS e
               SET note = ''
              FROM inspections_sample AS s
             WHERE s.id = e.sample_id AND e.kind = 'sealed' AND s.seal_number <> ''
               AND e.note = ANY (SELECT head || s.seal_number FROM unnest(%s::text[]) AS head)
            """,
            [heads],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0007_objection_decision_backfill"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
