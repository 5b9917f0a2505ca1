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
