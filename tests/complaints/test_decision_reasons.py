"""Reasons the complaints sweeps and services write on decisions are stored as a code plus
parameters and read in each reader's language; old rows stored as text are converted by a
set-based data migration (issue 19, "no raw codes")."""

import importlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from complaints import reason_texts, services
from complaints.models import Case, Recovery, Remedy
from complaints.services import remedies as remedy_services
from complaints.sweep import sweep
from core.audit import decisions_for
from core.decision_labels import reason_label
from core.models import Decision
from tests.complaints.test_remedies import _refund, ordered_case  # noqa: F401
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db
FILED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
backfill = importlib.import_module("complaints.migrations.0013_decision_reason_codes").forwards


def in_both(decision):
    with translation.override("en"):
        en = reason_label(decision)
    with translation.override("zh-hans"):
        zh = reason_label(decision)
    return en, zh


@pytest.fixture
def breached(agent):
    """A case whose first-response clock the sweep found breached (and escalated)."""
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
    services.assign(case=case, to=agent)
    with time_machine.travel(FILED + timedelta(hours=24), tick=False):
        sweep()
    return case


def test_the_sweep_stores_the_breach_reason_as_a_code_read_in_each_language(
    breached, agent, client
):
    case = breached
    (escalation,) = [d for d in decisions_for(case) if d.action == "escalate"]
    assert escalation.reason == ""
    assert escalation.data["reason_code"] == reason_texts.DEADLINE_BREACHED
    assert escalation.data["reason_params"] == {"target": "response"}
    en, zh = in_both(escalation)
    assert en == "First response deadline breached"
    assert zh != en  # 首次响应已超时 once the catalogue is compiled

    client.force_login(agent)
    url = reverse("complaints:staff-case", args=[case.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "First response deadline breached" in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "deadline breached" not in page
    assert "首次响应已超时" in page


def test_the_platform_paying_first_is_read_in_words_not_the_reasons_code(
    ordered_case,  # noqa: F811 - the fixture imported above
    agent,
):
    remedy = _refund(ordered_case, agent)
    remedy_services.platform_pays_first(remedy=remedy, by=agent, reason="platform_at_fault")
    paid = decisions_for(remedy).get(action="platform_pays_first")
    opened = decisions_for(Recovery.objects.get(remedy=remedy)).get(action="open")
    for decision in (paid, opened):
        assert decision.data["reason_code"] == reason_texts.PLATFORM_PAYS
        en, zh = in_both(decision)
        assert en == "The platform is at fault"
        assert "platform_at_fault" not in zh


def _row(model, action, reason, **data):
    return Decision.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id="1",
        action=action,
        reason=reason,
        data=data,
        actor_label="system:sla-sweep",
    )


def test_old_rows_stored_as_text_get_the_code_in_a_fixed_number_of_statements():
    rows = [
        _row(Case, "escalate", "First response deadline breached", target="response"),
        _row(Case, "escalate", "解决已超时", target="resolution"),
        _row(Remedy, "platform_pays_first", "The merchant did not pay by the due date"),
        _row(Recovery, "open", "merchant_did_not_pay"),
        _row(Case, "escalate", "Typed by a supervisor: VIP customer."),
    ]
    with CaptureQueriesContext(connection) as queries:
        backfill(apps, SimpleNamespace(connection=connection))
    updates = [q for q in queries.captured_queries if q["sql"].startswith("\n        UPDATE")]
    assert len(updates) == 3  # one per kind of sentence, whatever the number of rows
    for row in rows:
        row.refresh_from_db()
    breached, resolution, paid, opened, typed = rows
    assert breached.data["reason_code"] == reason_texts.DEADLINE_BREACHED
    assert breached.data["reason_params"] == {"target": "response"}
    assert paid.data["reason_params"] == {"reason": "merchant_did_not_pay"}
    assert opened.data["reason_params"] == {"reason": "merchant_did_not_pay"}
    for row in (breached, paid, opened):
        assert row.reason == ""
        assert in_both(row)[0] in {
            "First response deadline breached",
            "The merchant did not pay by the due date",
        }
    # The Chinese row converts once the catalogue is compiled (解决已超时 is its sentence).
    assert resolution.reason in {"", "解决已超时"}
    assert typed.reason == "Typed by a supervisor: VIP customer."
    assert "reason_code" not in typed.data


def test_the_api_history_gives_the_reason_in_the_requests_language(breached, agent, api):
    history = api(agent).get(f"/api/v1/cases/{breached.pk}/history/").json()
    (escalation,) = [d for d in history if d["action"] == "escalate"]
    assert escalation["reason"] == "First response deadline breached"
    assert escalation["data"]["reason_code"] == reason_texts.DEADLINE_BREACHED
