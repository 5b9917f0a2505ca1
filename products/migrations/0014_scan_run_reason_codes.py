"""Why a claim-list rescan was asked for becomes a code plus parameters (products.reason_texts),
rendered in the reader's language (issue 19). The sentences written before the codes, in
English or Chinese, are turned into their code set-based (one UPDATE per code); a text that
matches none stays as written."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from core.reason_backfill import sentence_patterns
    from merchants.reason_texts import backfill_sql
    from products import reason_texts as r

    # One statement per code, in this order: "List entry deleted" and "List entries deleted"
    # read alike in Chinese, and such a row takes the code that fits one entry or several.
    with schema_editor.connection.cursor() as cursor:
        for code in (
            r.LIST_ENTRIES_DELETED,
            r.LIST_ENTRY_DELETED,
            r.LIST_ENTRIES_SWITCHED,
            r.TERM_CHANGED,
            r.PHRASE_CHANGED,
            r.REQUESTED_IN_ADMIN,
            r.REQUESTED_FROM_QUEUE,
        ):
            cursor.execute(
                backfill_sql("products_scanrun", "reason", sentence_patterns(code, r.TEXTS[code]))
            )


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0013_product_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="scanrun",
            name="reason_code",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=40, verbose_name="reason code"
            ),
        ),
        migrations.AddField(
            model_name="scanrun",
            name="reason_params",
            field=models.JSONField(
                blank=True, db_default={}, default=dict, verbose_name="reason parameters"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
