"""Every msgid the project uses is translated by the project's own catalogue.

Django merges all catalogues of a language into one: LOCALE_PATHS first, then the installed
apps in order (django.contrib.admin, django_celery_beat, ... come before ours), then Django's
own. A short msgid such as "Exchange" or "Filter" is therefore answered by whichever catalogue
has it first (交换机, 过滤器). This test resolves every entry of every project catalogue
through Django's merged translation and fails when the text a reader gets is not the one the
project wrote: give the word a context (`pgettext`, `{% translate "x" context "y" %}`) or use
the same translation as the other project catalogue holding it.
"""

from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "var", "staticfiles"}


def _catalogues(language_dir: str) -> list[Path]:
    return sorted(
        path
        for path in ROOT.glob(f"**/locale/{language_dir}/LC_MESSAGES/django.po")
        if not SKIP.intersection(path.relative_to(ROOT).parts)
    )


def _resolved(entry: polib.POEntry, count: int | None = None) -> str:
    if entry.msgid_plural:
        if entry.msgctxt:
            return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)
        return translation.ngettext(entry.msgid, entry.msgid_plural, count)
    if entry.msgctxt:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


def _mismatches(language: str, language_dir: str) -> list[str]:
    found = []
    with translation.override(language):
        for po_path in _catalogues(language_dir):
            rel = po_path.relative_to(ROOT)
            for entry in polib.pofile(str(po_path)):
                if entry.obsolete:
                    continue
                label = f"{rel}: {entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"
                if entry.msgid_plural:
                    forms = {int(k): v for k, v in entry.msgstr_plural.items()}
                    if language_dir == "zh_Hans" and not all(forms.values()):
                        found.append(f"{label} is untranslated")
                        continue
                    want = forms.get(0) or entry.msgid
                    got = _resolved(entry, 1)
                else:
                    if language_dir == "zh_Hans" and not entry.msgstr:
                        found.append(f"{label} is untranslated")
                        continue
                    want = entry.msgstr or entry.msgid
                    got = _resolved(entry)
                if got != want:
                    found.append(f"{label} reads {got!r}, the project wrote {want!r}")
    return found


def test_the_project_has_catalogues_in_both_languages():
    assert len(_catalogues("zh_Hans")) >= 8
    assert len(_catalogues("en")) == len(_catalogues("zh_Hans"))


@pytest.mark.parametrize(("language", "language_dir"), [("zh-hans", "zh_Hans"), ("en", "en")])
def test_every_project_msgid_reads_as_the_project_translated_it(language, language_dir):
    found = _mismatches(language, language_dir)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("context", "word", "expected"),
    [
        ("remedy", "Exchange", "换货"),
        ("case priority", "Normal", "普通"),
        ("deadline", "Due", "截止时间"),
        ("filter button", "Filter", "筛选"),
        ("difference", "Change", "变化"),
        ("create account", "Register", "注册"),
    ],
)
def test_ambiguous_words_carry_a_context_with_our_own_translation(context, word, expected):
    with translation.override("zh-hans"):
        assert translation.pgettext(context, word) == expected


def test_remedy_and_priority_labels_are_not_taken_from_another_catalogue():
    from complaints.models import Case, Priority

    with translation.override("zh-hans"):
        assert str(Case.Remedy.EXCHANGE.label) == "换货"
        assert str(Case.Outcome.EXCHANGE.label) == "换货"
        assert str(Priority.NORMAL.label) == "普通"


def test_a_chinese_form_label_ends_in_one_full_width_colon():
    """Django appends its label suffix unless a label ends in one of _(":?.!"): the project's
    catalogue makes the suffix a full-width colon in Chinese and counts the full-width
    question mark as an ending, so a question on the complaint form gets no colon after it."""
    from django import forms

    colon, question = "\uff1a", "\uff1f"

    class Form(forms.Form):
        name = forms.CharField(label="您的姓名")
        about = forms.CharField(label=f"投诉什么问题{question}")

    with translation.override("zh-hans"):
        form = Form()
        assert form["name"].label_tag().endswith(f">您的姓名{colon}</label>")
        assert form["about"].label_tag().endswith(f">投诉什么问题{question}</label>")
    with translation.override("en"):
        assert Form()["name"].label_tag().endswith(">您的姓名:</label>")
