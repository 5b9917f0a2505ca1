"""The automatic end-of-probation review once stored its reason as a sentence in the language
of the moment ("Automatic end-of-probation review: <reasons>"); it becomes a code plus the
review's reason codes (reports.reason_texts.AUTO_PROBATION_REVIEW), so old rows render in the
reader's language (issue 19). The reason codes are the ones the evaluation kept (`reasons`),
so nothing is parsed out of the sentence. The sentence was copied to the probation, to the
decisions the review wrote (the probation's and the merchant's status change, which name the
evaluation in their evidence) and to a terminated merchant's restriction and its decision:
each is converted where its text is exactly the evaluation's. Set-based: one UPDATE each."""

import re

from django.db import migrations


def forwards(apps, schema_editor):
    from core.reason_backfill import content_type_id, in_every_language
    from reports import reason_texts as r

    code = r.AUTO_PROBATION_REVIEW
    heads = sorted(s.partition("%(why)s")[0] for s in in_every_language(lambda: r.TEXTS[code]))
    sentence = "^(" + "|".join(re.escape(head) for head in heads) + ")"
    # The automatic evaluations whose reason is still the sentence, with their reasons.
    reviews = """
        SELECT id, probation_id, reason, jsonb_build_object('reasons', reasons) AS params
        FROM reports_probationevaluation
        WHERE mode = 'automatic' AND reason_code = '' AND reason ~ %s
    """
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE merchants_probation AS p
               SET decision_reason_code = %s, decision_reason_params = e.params,
                   decision_reason = ''
              FROM ({reviews}) AS e
             WHERE e.probation_id = p.id AND p.decision_reason_code = ''
               AND p.decision_reason = e.reason
            """,
            [code, sentence],
        )
        cursor.execute(
            f"""
            UPDATE merchants_restriction AS t
               SET reason_code = %s, reason_params = e.params, detail = ''
              FROM ({reviews}) AS e
             WHERE t.source = 'merchants.probation:' || e.probation_id
               AND t.reason_code = '' AND t.detail = e.reason
            """,
            [code, sentence],
        )
        # The review's decisions name the evaluation in their evidence; the restriction's
        # decision is found through the restriction.
        cursor.execute(
            f"""
            UPDATE core_decision AS d
               SET reason = '',
                   data = d.data || jsonb_build_object('reason_code', %s::text,
                                                       'reason_params', e.params)
              FROM ({reviews}) AS e
              LEFT JOIN merchants_restriction AS t
                ON t.source = 'merchants.probation:' || e.probation_id
             WHERE d.reason = e.reason AND NOT d.data ? 'reason_code'
               AND ((d.content_type_id IN (%s, %s)
                     AND d.data -> 'evidence' ->> 'evaluation' = e.id::text)
                    OR (d.content_type_id = %s AND d.object_id = t.id::text))
            """,
            [
                code,
                sentence,
                content_type_id(apps, "merchants", "probation"),
                content_type_id(apps, "merchants", "merchant"),
                content_type_id(apps, "merchants", "restriction"),
            ],
        )
        cursor.execute(
            """
            UPDATE reports_probationevaluation
               SET reason_code = %s, reason_params = jsonb_build_object('reasons', reasons),
                   reason = ''
             WHERE mode = 'automatic' AND reason_code = '' AND reason ~ %s
            """,
            [code, sentence],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_probation_reason_codes"),
        ("merchants", "0023_probation_reason_codes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
