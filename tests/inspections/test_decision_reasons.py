"""Reasons inspections writes on decisions by itself (severity switches, overturned
verdicts, re-test plans, the lab accreditation sweep) are codes read in each reader's
language; old rows stored as text are converted set-based (issue 19, "no raw codes")."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.models import Decision
from inspections import reason_texts, switching
from inspections.models import Inspection, InspectionPlan, Lab, SwitchingRecord
from tests.complaints.test_decision_reasons import in_both

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("inspections.migrations.0004_decision_reason_codes").forwards


def _row(model, action, reason):
    return Decision.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id="7",
        action=action,
        reason=reason,
    )


def test_old_text_reasons_become_codes_and_read_in_each_language():
    rows = [
        _row(SwitchingRecord, "switch", "2 of 5 or fewer consecutive lots rejected"),
        _row(Inspection, "overturn", "Re-test #41 accepted the lot."),
        _row(Inspection, "overturn", "复检 #42 判定该批接收。"),
        _row(InspectionPlan, "plan", "Re-test asked for in the objection to inspection #9."),
        _row(Lab, "suspend", "Accreditation expired"),
        _row(Lab, "suspend", "Certificate withdrawn by the accreditation body."),
    ]
    with CaptureQueriesContext(connection) as queries:
        backfill(apps, SimpleNamespace(connection=connection))
    updates = [q for q in queries.captured_queries if "UPDATE core_decision" in q["sql"]]
    # switch and lab: one statement each; the two id sentences: one per language
    assert len(updates) == 2 + 2 * 2
    for row in rows:
        row.refresh_from_db()
    switched, overturned, overturned_zh, planned, expired, typed = rows
    assert switched.data == {
        "reason_code": reason_texts.SWITCH_RULE,
        "reason_params": {"rule": switching.TWO_REJECTED_IN_FIVE},
    }
    assert overturned.data["reason_params"] == {"id": 41}
    assert overturned_zh.data["reason_params"] == {"id": 42}
    assert planned.data["reason_params"] == {"id": 9}
    assert expired.data["reason_code"] == reason_texts.ACCREDITATION_EXPIRED
    assert [in_both(row)[0] for row in (switched, overturned_zh, planned, expired)] == [
        "2 of 5 or fewer consecutive lots rejected",
        "Re-test #42 accepted the lot.",
        "Re-test asked for in the objection to inspection #9.",
        "Accreditation expired",
    ]
    assert in_both(overturned_zh)[1] == "复检 #42 判定该批接收。"
    assert typed.reason == "Certificate withdrawn by the accreditation body."
    assert "reason_code" not in typed.data


@pytest.mark.parametrize("rule", list(reason_texts.SWITCH_REASONS))
def test_every_switching_rule_reads_as_words(rule):
    with translation.override("en"):
        text = reason_texts.render(reason_texts.SWITCH_RULE, {"rule": rule})
    assert text and rule not in text
