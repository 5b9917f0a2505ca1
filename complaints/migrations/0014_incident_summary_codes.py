"""Quality incidents' summaries: the sentence the system wrote (in the writer's language) becomes
a code plus parameters (complaints.reason_texts), rendered in each reader's language; the
person's words in it (a complaint's description, a report's claim) stay in `summary`. The
"open" decisions that copied the sentence get the code too. Set-based: one UPDATE per
sentence form and language; text matching none (staff's own summaries) stays as written."""

import json
import re

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _patterns():
    """(code, PostgreSQL regular expression, names of its groups, constant params, name of
    the person's words) for each summary sentence in each language."""
    from django.conf import settings
    from django.utils import translation

    from complaints import reason_texts
    from inspections.models import DefectClass

    patterns = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code in (
                reason_texts.COMPLAINT_FILED,
                reason_texts.REPORT_SUBSTANTIATED,
                reason_texts.LOT_REJECTED,
            ):
                template = str(reason_texts.TEXTS[code])
                classes = (
                    [(str(label), value) for value, label in DefectClass.choices]
                    if code == reason_texts.LOT_REJECTED
                    else [(None, None)]
                )
                for label, value in classes:
                    names, parts, last = [], [], 0
                    for match in _PLACEHOLDER.finditer(template):
                        parts.append(re.escape(template[last : match.start()]))
                        name = match.group(1)
                        if name == "class":
                            parts.append(re.escape(label))
                        else:
                            names.append(name)
                            parts.append(r"(\d+)" if name == "id" else "(.*)")
                        last = match.end()
                    parts.append(re.escape(template[last:]))
                    patterns.append(
                        (
                            code,
                            "^" + "".join(parts) + "$",
                            names,
                            {"class": value} if value else {},
                            reason_texts.SUMMARY_WORDS.get(code, ""),
                        )
                    )
    return patterns


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    incident_type = ContentType.objects.get_or_create(
        app_label="complaints", model="qualityincident"
    )[0].pk
    with schema_editor.connection.cursor() as cursor:
        for code, pattern, names, constants, words in _patterns():
            params = "jsonb_object(%s::text[], regexp_match({0}, %s)) || %s::jsonb"
            # The "open" decisions first: the whole sentence, the words as a parameter.
            cursor.execute(
                f"""
                UPDATE core_decision AS d
                   SET reason = '',
                       data = d.data || jsonb_build_object(
                           'reason_code', %s::text, 'reason_params', {params.format("d.reason")})
                 WHERE d.content_type_id = %s AND d.action = 'open' AND d.reason ~ %s
                   AND NOT d.data ? 'reason_code'
                """,  # noqa: S608 - placeholders only
                [code, names, pattern, json.dumps(constants), incident_type, pattern],
            )
            cursor.execute(
                f"""
                UPDATE complaints_qualityincident AS t
                   SET summary_code = %s,
                       summary_params = ({params.format("t.summary")}) - %s::text,
                       summary = COALESCE(({params.format("t.summary")}) ->> %s::text, '')
                 WHERE t.summary_code = '' AND t.summary ~ %s
                """,  # noqa: S608 - placeholders only
                [
                    code,
                    names, pattern, json.dumps(constants), words,
                    names, pattern, json.dumps(constants), words,
                    pattern,
                ],
            )

class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0013_decision_reason_codes'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '__first__'),
        ('inspections', '__first__'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='qualityincident',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='qualityincident',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='qualityincident',
            name='delete_delete',
        ),
        migrations.AddField(
            model_name='qualityincident',
            name='summary_code',
            field=models.CharField(blank=True, db_default='', default='', max_length=40, verbose_name='summary code'),
        ),
        migrations.AddField(
            model_name='qualityincident',
            name='summary_params',
            field=models.JSONField(blank=True, db_default={}, default=dict, verbose_name='summary parameters'),
        ),
        migrations.AddField(
            model_name='qualityincidentevent',
            name='summary_code',
            field=models.CharField(blank=True, db_default='', default='', max_length=40, verbose_name='summary code'),
        ),
        migrations.AddField(
            model_name='qualityincidentevent',
            name='summary_params',
            field=models.JSONField(blank=True, db_default={}, default=dict, verbose_name='summary parameters'),
        ),
        migrations.AlterField(
            model_name='qualityincident',
            name='summary',
            field=models.TextField(blank=True, default='', verbose_name='what is reported'),
        ),
        migrations.AlterField(
            model_name='qualityincidentevent',
            name='summary',
            field=models.TextField(blank=True, default='', verbose_name='what is reported'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='qualityincident',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "complaints_qualityincidentevent" ("contained_at", "containment_reason", "findings", "id", "inspection_id", "kind", "listing_status_before", "lot_id", "merchant_id", "opened_at", "opened_by_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "product_id", "reference", "resolution_reason", "resolved_at", "source", "status", "summary", "summary_code", "summary_params") VALUES (NEW."contained_at", NEW."containment_reason", NEW."findings", NEW."id", NEW."inspection_id", NEW."kind", NEW."listing_status_before", NEW."lot_id", NEW."merchant_id", NEW."opened_at", NEW."opened_by_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."product_id", NEW."reference", NEW."resolution_reason", NEW."resolved_at", NEW."source", NEW."status", NEW."summary", NEW."summary_code", NEW."summary_params"); RETURN NULL;', hash='8bdfbb0172481a19769c7ee67dbe1c10ed71affc', operation='INSERT', pgid='pgtrigger_insert_insert_ba598', table='complaints_qualityincident', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='qualityincident',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "complaints_qualityincidentevent" ("contained_at", "containment_reason", "findings", "id", "inspection_id", "kind", "listing_status_before", "lot_id", "merchant_id", "opened_at", "opened_by_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "product_id", "reference", "resolution_reason", "resolved_at", "source", "status", "summary", "summary_code", "summary_params") VALUES (NEW."contained_at", NEW."containment_reason", NEW."findings", NEW."id", NEW."inspection_id", NEW."kind", NEW."listing_status_before", NEW."lot_id", NEW."merchant_id", NEW."opened_at", NEW."opened_by_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."product_id", NEW."reference", NEW."resolution_reason", NEW."resolved_at", NEW."source", NEW."status", NEW."summary", NEW."summary_code", NEW."summary_params"); RETURN NULL;', hash='c5d58559cca62a64434a471f21b2aa2cfa7966cc', operation='UPDATE', pgid='pgtrigger_update_update_a3a7b', table='complaints_qualityincident', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='qualityincident',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "complaints_qualityincidentevent" ("contained_at", "containment_reason", "findings", "id", "inspection_id", "kind", "listing_status_before", "lot_id", "merchant_id", "opened_at", "opened_by_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "product_id", "reference", "resolution_reason", "resolved_at", "source", "status", "summary", "summary_code", "summary_params") VALUES (OLD."contained_at", OLD."containment_reason", OLD."findings", OLD."id", OLD."inspection_id", OLD."kind", OLD."listing_status_before", OLD."lot_id", OLD."merchant_id", OLD."opened_at", OLD."opened_by_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."product_id", OLD."reference", OLD."resolution_reason", OLD."resolved_at", OLD."source", OLD."status", OLD."summary", OLD."summary_code", OLD."summary_params"); RETURN NULL;', hash='dc7457f88229ee5ea330bc93abbfd6ce731863a5', operation='DELETE', pgid='pgtrigger_delete_delete_1394e', table='complaints_qualityincident', when='AFTER')),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
