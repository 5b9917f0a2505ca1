"""Supplier decisions kept their screening code as `data.reason_code`, where histories take
a code for a system sentence: "reverification_overdue" rendered the merchants' sentence of
that name, other codes fell back to the label stored in the language of the moment (issue
19). The sweep's suspensions (no actor) become the code `supplier_screening` with the
screening code as its parameter, named in the reader's language; staff's decisions keep
their typed reason and the screening code under `data.screening_code`. Two UPDATEs."""

from django.db import migrations

SCREENING_CODES = [
    "documents_complete",
    "licence_expired",
    "licence_missing",
    "certificate_missing",
    "audit_failed",
    "audit_missing",
    "reverification_overdue",
    "quality",
    "other",
]


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id

    supplier = content_type_id(apps, "products", "supplier")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE core_decision
               SET reason = '',
                   data = (data - 'reason_code') || jsonb_build_object(
                       'reason_code', 'supplier_screening',
                       'reason_params', jsonb_build_object('reason', data->>'reason_code'))
             WHERE content_type_id = %s AND actor_id IS NULL
               AND data->>'reason_code' = ANY (%s)
            """,
            [supplier, SCREENING_CODES],
        )
        cursor.execute(
            """
            UPDATE core_decision
               SET data = (data - 'reason_code')
                          || jsonb_build_object('screening_code', data->>'reason_code')
             WHERE content_type_id = %s AND actor_id IS NOT NULL
               AND data->>'reason_code' = ANY (%s)
            """,
            [supplier, SCREENING_CODES],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0016_partition_product_events"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
