"""System reasons on inspection decisions stored as text (severity switches, overturned
verdicts, re-test plans, labs suspended by the accreditation sweep) become a code plus
parameters (inspections.reason_texts), so they render in the reader's language."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core.reason_backfill import (
        content_type_id,
        from_id_sentence,
        from_texts,
        in_every_language,
    )
    from inspections import reason_texts as r

    rules = {
        text: {"rule": rule}
        for rule in r.SWITCH_REASONS
        for text in in_every_language(lambda rule=rule: r.render(r.SWITCH_RULE, {"rule": rule}))
    }
    expired = {text: {} for text in in_every_language(lambda: r.render(r.ACCREDITATION_EXPIRED))}
    with schema_editor.connection.cursor() as cursor:
        from_texts(
            cursor,
            content_type_id=content_type_id(apps, "inspections", "switchingrecord"),
            action="switch",
            code=r.SWITCH_RULE,
            texts=rules,
        )
        from_texts(
            cursor,
            content_type_id=content_type_id(apps, "inspections", "lab"),
            action="suspend",
            code=r.ACCREDITATION_EXPIRED,
            texts=expired,
        )
        from_id_sentence(
            cursor,
            content_type_id=content_type_id(apps, "inspections", "inspection"),
            action="overturn",
            code=r.RETEST_ACCEPTED,
            template=r.TEXTS[r.RETEST_ACCEPTED],
        )
        from_id_sentence(
            cursor,
            content_type_id=content_type_id(apps, "inspections", "inspectionplan"),
            action="plan",
            code=r.RETEST_REQUESTED,
            template=r.TEXTS[r.RETEST_REQUESTED],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_dashboard_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
