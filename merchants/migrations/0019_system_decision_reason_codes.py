"""Two reasons the system once stored as text on decisions become a code plus parameters
(merchants.reason_texts), so old rows render in the reader's language (issue 19): a merchant
put live on probation by an approved application, and a rating standing's verdict."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id, from_sentence, from_texts, in_every_language
    from merchants import reason_texts as r

    approved = in_every_language(lambda: r.TEXTS[r.APPLICATION_APPROVED])
    with schema_editor.connection.cursor() as cursor:
        from_texts(
            cursor,
            content_type_id=content_type_id(apps, "merchants", "merchant"),
            action="status",
            code=r.APPLICATION_APPROVED,
            texts={text: {} for text in approved},
        )
        from_sentence(
            cursor,
            content_type_id=content_type_id(apps, "reviews", "merchantratingstanding"),
            action="verdict",
            code=r.RATING_VERDICT,
            template=r.TEXTS[r.RATING_VERDICT],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0018_partition_restriction_events"),
        ("reviews", "0006_partition_rating_and_review_events"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
