"""Reasons the system once stored as text when it withdrew a ledger entry (a re-test accepted
the lot, an appeal was upheld) become a code plus parameters (merchants.reason_texts), so old
rows render in the reader's language (issue 19): the entries' `withdrawal_reason`, the
sanctions the withdrawal revoked (`end_reason`), and the decisions written with them. Only a
text that is exactly the system's sentence, in English or Chinese, is converted; what staff
typed stays as written. Set-based: one UPDATE per table and per sentence form."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id, from_sentence, sentence_patterns
    from merchants import reason_texts as r

    codes = (r.RETEST_OVERTURNED, r.APPEAL_UPHELD)
    patterns = [p for code in codes for p in sentence_patterns(code, r.TEXTS[code])]
    decisions = [
        ("violationentry", "withdraw"),
        ("sanction", "revoked"),
        ("merchant", "reinstate"),
        ("merchant", "sanction_status"),
    ]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            r.backfill_sql(
                "merchants_violationentry", "withdrawal_reason", patterns, prefix="withdrawal"
            )
        )
        cursor.execute(r.backfill_sql("merchants_sanction", "end_reason", patterns))
        for model, action in decisions:
            for code in codes:
                from_sentence(
                    cursor,
                    content_type_id=content_type_id(apps, "merchants", model),
                    action=action,
                    code=code,
                    template=r.TEXTS[code],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0021_violation_withdrawal_codes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
