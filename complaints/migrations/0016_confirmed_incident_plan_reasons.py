"""The reason of the risk-triggered inspection a confirmed quality incident planned was, before
the codes, the sentence "Quality incident R confirmed (kind): findings" in the writer's
language, on the plan and on its "plan" decision. It becomes the code `incident_confirmed`
with its parameters (merchants.reason_texts), read in each reader's language (issue 19).

The kind is a label of a choice, matched against every label in each language and stored as
its code; the findings are a person's words and are kept whole. Only plans the incident
planned (source `complaints.qualityincident:<id>`) whose incident has that reference and kind
are converted, so staff's own words never are. Set-based: one UPDATE per language and kind."""

import json
import re

from django.db import migrations

_MARK = {"reference": "\x00reference\x00", "findings": "\x00findings\x00"}
_GROUP = {"reference": r"(\S+)", "findings": r"(.*)"}


def patterns():
    """(regular expression, names of its groups, kind code) for each language and kind."""
    from django.conf import settings
    from django.utils import translation

    from complaints.models import QualityIncident
    from merchants import reason_texts

    found = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            template = str(reason_texts.TEXTS[reason_texts.INCIDENT_CONFIRMED])
            for kind, label in QualityIncident.Kind.choices:
                sentence = template % {**_MARK, "kind": str(label)}
                names, pattern = [], "^"
                for part in re.split("(\x00\\w+\x00)", sentence):
                    if part.startswith("\x00"):
                        name = part.strip("\x00")
                        names.append(name)
                        pattern += _GROUP[name]
                    else:
                        pattern += re.escape(part)
                found.append((pattern + "$", names, kind))
    return found


def forwards(apps, schema_editor):
    from merchants import reason_texts

    ContentType = apps.get_model("contenttypes", "ContentType")
    plan_type = ContentType.objects.get_or_create(app_label="inspections", model="inspectionplan")[
        0
    ].pk
    code = reason_texts.INCIDENT_CONFIRMED
    with schema_editor.connection.cursor() as cursor:
        for pattern, names, kind in patterns():
            params = "jsonb_object(%s::text[], regexp_match({0}, %s)) || %s::jsonb"
            constants = json.dumps({"kind": kind})
            # Plans the incident planned, whose incident has the sentence's reference and kind.
            planned = """
                SELECT p.id FROM inspections_inspectionplan AS p
                JOIN complaints_qualityincident AS i
                  ON p.source = 'complaints.qualityincident:' || i.id::text
                WHERE p.reason_code = '' AND p.reason ~ %s AND i.kind = %s
                  AND i.reference = (regexp_match(p.reason, %s))[1]
            """
            # The decisions first: they are found by the plans still holding the sentence.
            cursor.execute(
                f"""
                UPDATE core_decision AS d
                   SET reason = '',
                       data = d.data || jsonb_build_object(
                           'reason_code', %s::text, 'reason_params', {params.format("d.reason")})
                 WHERE d.content_type_id = %s AND d.action = 'plan' AND d.reason ~ %s
                   AND NOT d.data ? 'reason_code'
                   AND d.object_id IN (SELECT id::text FROM ({planned}) AS planned)
                """,  # noqa: S608 - placeholders only
                [code, names, pattern, constants, plan_type, pattern, pattern, kind, pattern],
            )
            cursor.execute(
                f"""
                UPDATE inspections_inspectionplan AS t
                   SET reason_code = %s,
                       reason_params = {params.format("t.reason")},
                       reason = ''
                 WHERE t.id IN ({planned})
                """,  # noqa: S608 - placeholders only
                [code, names, pattern, constants, pattern, kind, pattern],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0015_merge_20261206_1200"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
        ("inspections", "0005_reason_codes_on_plans_and_labs"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
