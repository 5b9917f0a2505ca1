"""Codes of the workflow log are shown in words, in the reader's language (one place:
core.decision_labels and its template filters)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.audit import record_decision
from core.models import Decision
from merchants.models import Merchant

pytestmark = pytest.mark.django_db

HISTORY = Template(
    "{% load labels %}{{ d|action_label }} ({{ d|from_label }} → {{ d|to_label }}) · "
    "{{ d|actor_label }} · {{ 3|version_label }} · {{ 3.7126|score }} · {{ 4.0|score }}"
)


def _render(decision, language):
    with translation.override(language):
        return HISTORY.render(Context({"d": decision}))


def test_a_state_transition_reads_as_words_in_both_languages(merchant_a):
    decision = record_decision(
        merchant_a, action="approve", from_state="probation", to_state="active"
    )
    english = _render(decision, "en")
    assert english.startswith("Approved (On probation → Active) · ")
    assert "version 3 · 3.71 · 4.00" in english and "automatic" in english
    chinese = _render(decision, "zh-hans")
    assert "probation" not in chinese and "active" not in chinese
    assert "v3" not in chinese and "3.71" in chinese


def test_a_row_of_values_and_an_unlabelled_code_never_show_snake_case(merchant_a):
    record_decision(merchant_a, action="some_new_step", from_state="", to_state="v2")
    row = Decision.objects.values(
        "action", "from_state", "to_state", "content_type__app_label", "content_type__model"
    ).get()
    text = _render(row, "en")
    assert "some new step" in text and "version 2" in text and "_" not in text
    subject = Template("{% load labels %}{{ d|subject_label }}").render(Context({"d": row}))
    assert subject == str(Merchant._meta.verbose_name)


def test_measured_values_drop_padding_zeros_and_departments_have_names():
    from core.roles import role_label
    from core.templatetags.labels import measured

    assert [measured(v) for v in (Decimal("1.5000"), Decimal("2.0"), Decimal("10"), None)] == [
        "1.5",
        "2",
        "10",
        "",
    ]
    with translation.override("en"):
        assert role_label("consumer_service") == "Consumer Service"
        assert role_label("lab") == "Testing lab"
        assert role_label("not_a_role") == "not_a_role"


def test_a_department_is_named_in_the_readers_language_on_pages():
    page = Template("{% load labels %}→ {{ name|department }}")
    with translation.override("en"):
        assert page.render(Context({"name": "consumer_service"})) == "→ Consumer Service"
    with translation.override("zh-hans"):
        assert page.render(Context({"name": "consumer_service"})) == "→ 消费者服务部"


def test_an_action_named_after_its_target_state_reads_as_that_states_label(merchant_a):
    """A state machine records `action=to` by default (`shipped`, `in_progress`,
    `retest_scheduled`): the history shows the state's label, not the code turned into
    English words on a Chinese page."""
    decision = record_decision(
        merchant_a, action="probation", from_state="active", to_state="probation"
    )
    assert _render(decision, "en").startswith("On probation (Active → On probation)")
    chinese = _render(decision, "zh-hans")
    assert "probation" not in chinese and "On " not in chinese
    row = Decision.objects.values("action", "content_type__app_label", "content_type__model")
    assert Template("{% load labels %}{{ d|action_label }}").render(
        Context({"d": row.get()})
    ) == str(Merchant.Status.PROBATION.label)
    bare = Template('{% load labels %}{{ code|action_label:"merchants.merchant" }}')
    assert bare.render(Context({"code": "probation"})) == str(Merchant.Status.PROBATION.label)


def _written_actions() -> dict[str, str]:
    """Every action code the project's code writes as a literal (`action="x"` or
    `action="x" if c else "y"` in a call to record_decision or Decision), with where."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found: dict[str, str] = {}
    for path in root.rglob("*.py"):
        if {".venv", "tests", "migrations", "bench"} & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else None
            func = func or getattr(node.func, "id", None)
            if func not in ("record_decision", "Decision"):
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                values = [keyword.value]
                if isinstance(keyword.value, ast.IfExp):
                    values = [keyword.value.body, keyword.value.orelse]
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        where = f"{path.relative_to(root)}:{node.lineno}"
                        found.setdefault(value.value, where)
    return found


def test_every_action_the_code_writes_has_words():
    from core.decision_labels import ACTIONS

    written = _written_actions()
    assert len(written) > 50
    missing = {code: where for code, where in written.items() if code not in ACTIONS}
    assert not missing, missing


def test_a_person_is_shown_by_name_not_by_login():
    from tests.factories.core import UserFactory

    page = Template("{% load labels %}{{ u|person }}|{{ nobody|person|default:'-' }}")
    named = UserFactory(username="manager", first_name="静", last_name="吴")
    assert page.render(Context({"u": named, "nobody": None})) == f"{named.get_full_name()}|-"
    unnamed = UserFactory(username="lab7", first_name="", last_name="")
    assert page.render(Context({"u": unnamed})) == "lab7|-"
