"""System reasons on inspection decisions stored as text (severity switches, overturned
verdicts, re-test plans, labs suspended by the accreditation sweep) become a code plus
parameters (inspections.reason_texts), so they render in the reader's language."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core.reason_backfill import convert, in_every_language
    from inspections import reason_texts as r

    rules = {
        text: {"rule": rule}
        for rule in r.SWITCH_REASONS
        for text in in_every_language(lambda rule=rule: r.render(r.SWITCH_RULE, {"rule": rule}))
    }
    expired = {text: {} for text in in_every_language(lambda: r.render(r.ACCREDITATION_EXPIRED))}
    texts = [
        ("switchingrecord", "switch", r.SWITCH_RULE, rules),
        ("lab", "suspend", r.ACCREDITATION_EXPIRED, expired),
    ]
    sentences = [
        ("inspection", "overturn", r.RETEST_ACCEPTED, r.TEXTS[r.RETEST_ACCEPTED]),
        ("inspectionplan", "plan", r.RETEST_REQUESTED, r.TEXTS[r.RETEST_REQUESTED]),
    ]
    with schema_editor.connection.cursor() as cursor:
        convert(cursor, apps, "inspections", texts=texts, sentences=sentences)

class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_dashboard_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
