"""Data migrations that turn reasons the system once stored as text (in whatever language
was active) into a code plus parameters on `core.Decision` (`data.reason_code`,
`data.reason_params`), so old rows render in the reader's language too. Set-based: one
UPDATE per sentence form, only rows whose text is exactly a known sentence; what a person
typed matches none and stays as typed."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.utils import translation

_ID = "%(id)d"


def in_every_language(render) -> set[str]:
    """`render()` in each of the project's languages."""
    texts = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(str(render()))
    return texts


def from_texts(cursor, *, content_type_id: int, action: str, code: str, texts: dict) -> int:
    """Rows of `action` whose reason is one of `texts` (text -> params) get the code."""
    if not texts:
        return 0
    values = ", ".join(["(%s, %s::jsonb)"] * len(texts))
    cursor.execute(
        f"""
        UPDATE core_decision AS d
           SET reason = '',
               data = d.data || jsonb_build_object('reason_code', %s::text,
                                                   'reason_params', known.params)
          FROM (VALUES {values}) AS known(text, params)
         WHERE d.content_type_id = %s AND d.action = %s AND d.reason = known.text
           AND NOT d.data ? 'reason_code'
        """,  # noqa: S608 - placeholders only
        [
            code,
            *[v for text, params in texts.items() for v in (text, json.dumps(params))],
            content_type_id,
            action,
        ],
    )
    return cursor.rowcount


def from_id_sentence(
    cursor, *, content_type_id: int, action: str, code: str, template, param: str = "id"
) -> int:
    """Rows of `action` whose reason is the sentence `template` (one `%(id)d`) in any
    language get the code, with the number as `param`."""
    updated = 0
    for sentence in in_every_language(lambda: template):
        head, _sep, tail = sentence.partition(_ID)
        pattern = "^" + re.escape(head) + r"(\d+)" + re.escape(tail) + "$"
        cursor.execute(
            """
            UPDATE core_decision AS d
               SET reason = '',
                   data = d.data || jsonb_build_object(
                       'reason_code', %s::text,
                       'reason_params', jsonb_build_object(
                           %s::text, ((regexp_match(d.reason, %s))[1])::bigint))
             WHERE d.content_type_id = %s AND d.action = %s AND d.reason ~ %s
               AND NOT d.data ? 'reason_code'
            """,
            [code, param, pattern, content_type_id, action, pattern],
        )
        updated += cursor.rowcount
    return updated


def content_type_id(apps, app_label: str, model: str) -> int:
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0].pk


def convert(cursor, apps, app_label: str, *, texts=(), sentences=()) -> int:
    """Run `from_texts` for each (model, action, code, texts) and `from_id_sentence` for each
    (model, action, code, template) of one app's models."""
    updated = 0
    for function, key, steps in (
        (from_texts, "texts", texts),
        (from_id_sentence, "template", sentences),
    ):
        for model, action, code, value in steps:
            updated += function(
                cursor,
                content_type_id=content_type_id(apps, app_label, model),
                action=action,
                code=code,
                **{key: value},
            )
    return updated


_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def sentence_patterns(code: str, template) -> list[tuple[str, str, list[str]]]:
    """(code, regular expression, names of its groups) of the sentence `template` (lazy
    gettext with `%(name)s` / `%(name)d` placeholders) in each of the project's languages,
    as `merchants.reason_texts.backfill_sql` and `from_sentence` take them."""
    patterns = []
    for sentence in sorted(in_every_language(lambda: template)):
        names, pattern, position = [], "^", 0
        for match in _PLACEHOLDER.finditer(sentence):
            pattern += re.escape(sentence[position : match.start()])
            pattern += r"(\d+)" if match.group(2) == "d" else "(.+?)"
            names.append(match.group(1))
            position = match.end()
        patterns.append((code, pattern + re.escape(sentence[position:]) + "$", names))
    return patterns


def from_sentence(cursor, *, content_type_id: int, action: str, code: str, template) -> int:
    """Rows of `action` whose reason is the sentence `template` in any language get the code,
    with its placeholders (as text) as the parameters."""
    updated = 0
    for _code, pattern, names in sentence_patterns(code, template):
        cursor.execute(
            """
            UPDATE core_decision AS d
               SET reason = '',
                   data = d.data || jsonb_build_object(
                       'reason_code', %s::text,
                       'reason_params', CASE WHEN cardinality(%s::text[]) = 0
                           THEN '{}'::jsonb
                           ELSE jsonb_object(%s::text[], regexp_match(d.reason, %s)) END)
             WHERE d.content_type_id = %s AND d.action = %s AND d.reason ~ %s
               AND NOT d.data ? 'reason_code'
            """,
            [code, names, names, pattern, content_type_id, action, pattern],
        )
        updated += cursor.rowcount
    return updated
