"""The inspection plan a confirmed quality incident planned before the codes holds the sentence
"Quality incident R confirmed (kind): findings" in the writer's language; the migration turns
it, and the plan's decision, into the code read in each reader's language (issue 19)."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import translation

from complaints.models import QualityIncident
from core.decision_labels import reason_label
from core.models import Decision
from inspections.models import InspectionPlan
from merchants import reason_texts
from tests.factories.inspections import InspectionPlanFactory
from tests.factories.notices import QualityIncidentFactory
from tests.languages import in_both

pytestmark = pytest.mark.django_db
forwards = importlib.import_module(
    "complaints.migrations.0016_confirmed_incident_plan_reasons"
).forwards


def _sentence(language, incident, findings):
    with translation.override(language):
        return str(reason_texts.TEXTS[reason_texts.INCIDENT_CONFIRMED]) % {
            "reference": incident.reference,
            "kind": incident.get_kind_display(),
            "findings": findings,
        }


def _planned(incident, reason):
    plan = InspectionPlanFactory(
        kind=InspectionPlan.Kind.RISK_TRIGGERED,
        merchant=incident.merchant,
        source=f"complaints.qualityincident:{incident.pk}",
        period=f"complaints.qualityincident:{incident.pk}",
        reason=reason,
    )
    decision = Decision.objects.create(
        content_type=ContentType.objects.get_for_model(InspectionPlan),
        object_id=str(plan.pk),
        action="plan",
        reason=reason,
    )
    return plan, decision


def test_old_confirmed_incident_plans_become_codes_in_either_language():
    safety = QualityIncidentFactory(kind=QualityIncident.Kind.SAFETY)
    counterfeit = QualityIncidentFactory(kind=QualityIncident.Kind.COUNTERFEIT)
    findings = "Lab report: lead 3 mg/kg (limit 1).\nSecond line: (fake) seal"
    en_plan, en_decision = _planned(safety, _sentence("en", safety, findings))
    zh_plan, zh_decision = _planned(counterfeit, _sentence("zh-hans", counterfeit, "假冒标签"))
    # The same words on a plan of another incident, or of no incident, stay as written.
    stranger = QualityIncidentFactory(kind=QualityIncident.Kind.SAFETY)
    misplaced, _d = _planned(stranger, _sentence("en", safety, findings))
    typed = InspectionPlanFactory(reason=_sentence("en", safety, findings))
    forwards(apps, SimpleNamespace(connection=connection))
    for row in (en_plan, en_decision, zh_plan, zh_decision, misplaced, typed):
        row.refresh_from_db()
    assert (en_plan.reason, en_plan.reason_code, en_plan.reason_params) == (
        "",
        reason_texts.INCIDENT_CONFIRMED,
        {"reference": safety.reference, "kind": "safety", "findings": findings},
    )
    en, zh = in_both(lambda: en_plan.reason_text)
    assert en == _sentence("en", safety, findings)
    assert zh == _sentence("zh-hans", safety, findings)
    assert in_both(lambda: reason_label(en_decision)) == (en, zh)
    assert zh_plan.reason_params == {
        "reference": counterfeit.reference,
        "kind": "counterfeit",
        "findings": "假冒标签",
    }
    assert in_both(lambda: zh_plan.reason_text)[0] == _sentence("en", counterfeit, "假冒标签")
    assert zh_decision.data["reason_code"] == reason_texts.INCIDENT_CONFIRMED
    assert (misplaced.reason_code, typed.reason_code) == ("", "")
    assert typed.reason == _sentence("en", safety, findings)
