"""Listings restricted for selling rights before the codes hold their reasons as sentences in
the writer's language, joined by a space (the merchant's status, the category not approved or
without a test report, each restriction in force), on the listing and on its "restrict"
decision. Each becomes the code `selling_rights_blocked` with one code per reason
(merchants.reason_texts), read in each reader's language (issue 19).

A listing's reasons can only name its own merchant and category, so each text is parsed
against the few sentences those can give, in English and Chinese (every status and
restriction kind label): the text must be exactly such sentences in the order the system
wrote them. A text that is not (truncated, a merchant or category renamed since, staff's own
words) stays as written. One read and one UPDATE per table, whatever the number of rows."""

import json

from django.db import migrations

_READ = """
    SELECT t.{key}, p.category_id, c.name_zh, c.name_en, m.legal_name, t.{column}
    FROM {table} AS t
    JOIN products_product AS p ON {join}
    JOIN core_category AS c ON c.id = p.category_id
    JOIN merchants_merchant AS m ON m.id = p.merchant_id
    WHERE {where}
"""
_PRODUCTS = {
    "key": "id",
    "column": "status_reason",
    "table": "products_product",
    "join": "p.id = t.id",
    "where": "t.status_cause = 'selling_rights' AND t.status_reason_code = '' "
    "AND t.status_reason <> ''",
}
_DECISIONS = {
    "key": "id",
    "column": "reason",
    "table": "core_decision",
    "join": "p.id::text = t.object_id",
    "where": "t.content_type_id = %s AND t.action = 'restrict' AND t.reason <> '' "
    "AND t.data ->> 'cause' = 'selling_rights' AND NOT t.data ? 'reason_code'",
}


def sentences(category_id, name_zh, name_en, merchant):
    """Every sentence the system could write for a listing of this merchant and category,
    with its (code, params), in (position, ...) groups: the status, the category, then the
    restrictions (any number)."""
    from django.conf import settings
    from django.utils import translation

    from merchants import reason_texts as r
    from merchants.models import Merchant, Restriction

    status, category, restrictions = {}, {}, {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            name = name_en if language.startswith("en") else name_zh
            for value, label in Merchant.Status.choices:
                text = str(r.TEXTS[r.MERCHANT_NOT_LIVE]) % {"status": label}
                status[text] = (r.MERCHANT_NOT_LIVE, {"status": value})
            for code in (r.CATEGORY_NOT_APPROVED, r.NO_TEST_REPORT):
                text = str(r.TEXTS[code]) % {"category": name}
                category[text] = (code, {"category": category_id})
            for value, label in Restriction.Kind.choices:
                everywhere = translation.gettext("all categories")
                for scope, scope_id in ((name, category_id), (everywhere, None)):
                    text = str(r.TEXTS[r.RESTRICTION_IN_FORCE]) % {
                        "merchant": merchant,
                        "kind": label,
                        "category": scope,
                    }
                    restrictions[text] = (
                        r.RESTRICTION_IN_FORCE,
                        {"merchant": merchant, "kind": value, "category": scope_id},
                    )
    return status, category, restrictions


def parse(text, status, category, restrictions):
    """The reasons of `text` as [{code, params}], or None when it is not exactly the
    sentences, in order, joined by a space."""

    def take(rest, options):
        for sentence, reason in options.items():
            if rest == sentence or rest.startswith(sentence + " "):
                yield rest[len(sentence) + 1 :], reason

    def tail(rest, found):
        if not rest:
            return found if found else None
        for after, reason in take(rest, restrictions):
            parsed = tail(after, [*found, reason])
            if parsed is not None:
                return parsed
        return None

    def middle(rest, found):
        for after, reason in take(rest, category):
            parsed = tail(after, [*found, reason])
            if parsed is not None:
                return parsed
        return tail(rest, found)

    def head(rest):
        for after, reason in take(rest, status):
            parsed = middle(after, [reason])
            if parsed is not None:
                return parsed
        return middle(rest, [])

    reasons = head(text)
    if reasons is None:
        return None
    return [{"code": code, "params": params} for code, params in reasons]


def converted(cursor, query, args=()):
    from merchants import reason_texts as r

    cursor.execute(_READ.format(**query), list(args))
    rows = []
    for key, category_id, name_zh, name_en, merchant, text in cursor.fetchall():
        reasons = parse(text, *sentences(category_id, name_zh, name_en, merchant))
        if reasons is not None:
            rows.append({"id": key, "params": {"reasons": reasons}})
    return r.SELLING_RIGHTS_BLOCKED, json.dumps(rows, ensure_ascii=False)


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    product_type = ContentType.objects.get_or_create(app_label="products", model="product")[0].pk
    with schema_editor.connection.cursor() as cursor:
        code, rows = converted(cursor, _PRODUCTS)
        cursor.execute(
            """
            UPDATE products_product AS p
               SET status_reason_code = %s, status_reason_params = j.params, status_reason = ''
              FROM jsonb_to_recordset(%s::jsonb) AS j(id bigint, params jsonb)
             WHERE p.id = j.id
            """,
            [code, rows],
        )
        code, rows = converted(cursor, _DECISIONS, [product_type])
        cursor.execute(
            """
            UPDATE core_decision AS d
               SET reason = '',
                   data = d.data || jsonb_build_object('reason_code', %s::text,
                                                       'reason_params', j.params)
              FROM jsonb_to_recordset(%s::jsonb) AS j(id bigint, params jsonb)
             WHERE d.id = j.id
            """,
            [code, rows],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0014_scan_run_reason_codes"),
        ("merchants", "0015_merge_20261206_1158"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "__first__"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
