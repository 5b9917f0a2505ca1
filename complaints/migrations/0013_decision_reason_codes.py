"""System reasons on case, remedy and recovery decisions stored as text become a code plus
parameters (complaints.reason_texts), so they render in the reader's language."""

from django.db import migrations


def forwards(apps, schema_editor):
    from complaints import reason_texts
    from complaints.models import Remedy, Target
    from core.reason_backfill import convert, in_every_language

    code = reason_texts.DEADLINE_BREACHED
    breached = {
        text: {"target": target}
        for target in Target.values
        for text in in_every_language(lambda t=target: reason_texts.render(code, {"target": t}))
    }
    code = reason_texts.PLATFORM_PAYS
    paying = {
        text: {"reason": reason}
        for reason in Remedy.PlatformReason.values
        for text in in_every_language(lambda r=reason: reason_texts.render(code, {"reason": r}))
    }
    # Recoveries were opened with the raw code as their reason.
    raw = {reason: {"reason": reason} for reason in Remedy.PlatformReason.values}
    steps = [
        ("case", "escalate", reason_texts.DEADLINE_BREACHED, breached),
        ("remedy", "platform_pays_first", code, paying),
        ("recovery", "open", code, {**paying, **raw}),
    ]
    with schema_editor.connection.cursor() as cursor:
        convert(cursor, apps, "complaints", texts=steps)

class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0012_merge_breaches_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
