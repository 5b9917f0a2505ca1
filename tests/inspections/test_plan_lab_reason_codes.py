"""Reasons the system writes on inspection plans, lab suspensions, restriction lifts and
listings blocked by selling rights are a code plus parameters read in each reader's
language; old rows stored as text in either language are converted (issue 19)."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone, translation

from core.decision_labels import reason_label
from core.models import Decision
from inspections import labs, reason_texts, services
from inspections.lab_api import LabSerializer
from inspections.models import InspectionPlan, Lab
from merchants import reason_texts as merchant_reasons
from merchants.models import Restriction
from merchants.services import lift, restrict, selling_rights
from tests.factories.inspections import InspectionPlanFactory, LabFactory
from tests.factories.merchants import MerchantFactory
from tests.languages import in_both

pytestmark = pytest.mark.django_db
plans_backfill = importlib.import_module(
    "inspections.migrations.0005_reason_codes_on_plans_and_labs"
).backfill
lifts_backfill = importlib.import_module("merchants.migrations.0014_lift_reason_codes").forwards


def _decision(model, action, reason, object_id="7"):
    return Decision.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=object_id,
        action=action,
        reason=reason,
    )


def test_the_planner_writes_codes_read_in_each_language():
    MerchantFactory(status="active")
    services.plan_due_inspections()
    plan = InspectionPlan.objects.get(kind=InspectionPlan.Kind.PERIODIC)
    assert (plan.reason, plan.reason_code) == ("", reason_texts.PLAN_QUARTERLY)
    period = plan.reason_params["period"]
    en, zh = in_both(lambda: plan.reason_text)
    assert en == f"Quarterly spot check {period}"
    assert zh == f"{period} 季度抽检"
    history = apps.get_model("inspections", "InspectionPlanEvent").objects.get(pgh_obj_id=plan.pk)
    assert (history.reason_code, history.reason_params) == (plan.reason_code, plan.reason_params)


def test_a_complaint_spike_plan_reads_in_each_language():
    plan = services.schedule_risk_inspection(
        merchant=MerchantFactory(status="active"),
        source="reports.risk_spike:1:2026-W48",
        reason_code=reason_texts.COMPLAINT_SPIKE,
        reason_params={"week": "2026-W48", "count": 9, "avg": "2.5"},
    )
    plan.refresh_from_db()
    assert plan.reason == ""
    with translation.override("en"):
        assert plan.reason_text == "Complaint spike in 2026-W48: 9 this week, weekly average 2.5"
    decision = Decision.objects.get(
        content_type=ContentType.objects.get_for_model(InspectionPlan),
        object_id=str(plan.pk),
        action="plan",
    )
    assert decision.reason == ""
    with translation.override("en"):
        assert reason_label(decision) == plan.reason_text


def test_staff_words_stay_as_typed():
    plan = services.schedule_risk_inspection(
        merchant=MerchantFactory(status="active"), source="manual:1", reason="Customer letter"
    )
    assert (plan.reason, plan.reason_code) == ("Customer letter", "")
    assert in_both(lambda: plan.reason_text) == ("Customer letter", "Customer letter")


def test_admin_cancellation_reads_in_each_language(role_user):
    plan = InspectionPlanFactory()
    services.cancel_plan(
        plan=plan,
        by=role_user("quality_management"),
        reason_code=reason_texts.CANCELLED_BY_STAFF,
    )
    decision = Decision.objects.get(
        content_type=ContentType.objects.get_for_model(InspectionPlan),
        object_id=str(plan.pk),
        action="cancelled",
    )
    assert decision.reason == ""
    assert in_both(lambda: reason_label(decision)) == ("Cancelled by staff", "工作人员取消")


def test_lab_suspensions_read_in_each_language(role_user):
    today = timezone.localdate()
    gone = LabFactory(valid_until=today - timedelta(days=1), valid_from=today - timedelta(days=300))
    other = LabFactory()
    labs.sweep_accreditations()
    labs.suspend_lab(
        lab=other, reason_code=reason_texts.SUSPENDED_IN_ADMIN, by=role_user("quality_management")
    )
    gone.refresh_from_db()
    other.refresh_from_db()
    assert (gone.status_reason, gone.status_reason_code) == ("", reason_texts.ACCREDITATION_EXPIRED)
    assert in_both(lambda: gone.status_reason_text) == ("Accreditation expired", "资质已到期")
    assert other.status_reason == ""
    assert in_both(lambda: other.status_reason_text) == ("Suspended in the admin", "在管理后台暂停")
    assert in_both(lambda: LabSerializer(other).data["status_reason_text"]) == (
        "Suspended in the admin",
        "在管理后台暂停",
    )
    en, zh = in_both(lambda: labs.accreditation_problem(other))
    assert "Suspended in the admin" in en and "在管理后台暂停" in zh
    decision = Decision.objects.get(
        content_type=ContentType.objects.get_for_model(Lab), object_id=str(other.pk)
    )
    assert in_both(lambda: reason_label(decision)) == ("Suspended in the admin", "在管理后台暂停")
    # Reinstating clears the code too.
    other.valid_until = today + timedelta(days=30)
    other.save(update_fields=["valid_until"])
    labs.reinstate_lab(lab=other, by=None)
    other.refresh_from_db()
    assert (other.status_reason_code, other.status_reason_params) == ("", {})


def test_a_lift_note_of_the_system_reads_in_each_language():
    merchant = MerchantFactory(status="active")
    restriction = restrict(
        merchant=merchant,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.RATING,
        source="reviews.test:1",
    )
    lift(
        merchant=merchant,
        reason=Restriction.Reason.RATING,
        source="reviews.test:1",
        reason_code=merchant_reasons.RATING_RECOVERED,
        reason_params={"average": "4.2", "count": 31},
    )
    decision = Decision.objects.get(
        content_type=ContentType.objects.get_for_model(Restriction),
        object_id=str(restriction.pk),
        action="lift",
    )
    en, zh = in_both(lambda: reason_label(decision))
    assert en == "The 90-day service rating recovered to 4.20 over 31 ratings."
    assert zh != en and "4.20" in zh


def test_selling_rights_blocked_reads_in_each_language():
    merchant = MerchantFactory(status="suspended")
    code, params = selling_rights(merchant).blocked
    assert code == merchant_reasons.SELLING_RIGHTS_BLOCKED
    assert params["reasons"][0] == {
        "code": merchant_reasons.MERCHANT_NOT_LIVE,
        "params": {"status": "suspended"},
    }
    en, zh = in_both(lambda: merchant_reasons.render(code, params))
    assert en.startswith("The merchant is ") and "suspended" in en.lower()
    assert zh.startswith("商家状态为") and "Suspended" not in zh


def test_old_texts_become_codes_in_either_language():
    with translation.override("zh-hans"):
        random_zh = str(reason_texts.TEXTS[reason_texts.PLAN_RANDOM]) % {"period": "2026-10"}
    quarterly = InspectionPlanFactory(reason="Quarterly spot check 2026Q3")
    random = InspectionPlanFactory(reason=random_zh)
    retest = InspectionPlanFactory(reason="Re-test asked for in the objection to inspection #12.")
    typed = InspectionPlanFactory(reason="Customer letter about the seal")
    expired = LabFactory(status=Lab.Status.SUSPENDED, status_reason="资质已到期")
    admin = LabFactory(status=Lab.Status.SUSPENDED, status_reason="Suspended in the admin")
    audit = LabFactory(status=Lab.Status.SUSPENDED, status_reason="Audit found forged reports")
    cancelled = _decision(InspectionPlan, "cancelled", "工作人员取消")
    planned = _decision(InspectionPlan, "plan", "Quarterly spot check 2026Q3")
    plans_backfill(apps, SimpleNamespace(connection=connection))
    for row in (quarterly, random, retest, typed, expired, admin, audit, cancelled, planned):
        row.refresh_from_db()
    assert (quarterly.reason, quarterly.reason_code, quarterly.reason_params) == (
        "",
        reason_texts.PLAN_QUARTERLY,
        {"period": "2026Q3"},
    )
    assert (random.reason_code, random.reason_params) == (
        reason_texts.PLAN_RANDOM,
        {"period": "2026-10"},
    )
    assert in_both(lambda: random.reason_text) == ("Random spot check 2026-10", random_zh)
    assert in_both(lambda: retest.reason_text)[0] == (
        "Re-test asked for in the objection to inspection #12."
    )
    assert (typed.reason, typed.reason_code) == ("Customer letter about the seal", "")
    assert expired.status_reason_code == reason_texts.ACCREDITATION_EXPIRED
    assert in_both(lambda: admin.status_reason_text) == ("Suspended in the admin", "在管理后台暂停")
    assert (audit.status_reason, audit.status_reason_code) == ("Audit found forged reports", "")
    assert in_both(lambda: reason_label(cancelled)) == ("Cancelled by staff", "工作人员取消")
    assert planned.data["reason_code"] == reason_texts.PLAN_QUARTERLY
    assert in_both(lambda: reason_label(planned))[1] == "2026Q3 季度抽检"


def test_old_lift_notes_become_codes_in_either_language():
    rating = _decision(
        Restriction, "lift", "The 90-day service rating recovered to 4.20 over 31 ratings."
    )
    trained = _decision(Restriction, "lift", "培训已完成")
    agreement = _decision(Restriction, "lift", "Accepted Merchant agreement, version 3")
    typed = _decision(Restriction, "lift", "Fixed after a call")
    lifts_backfill(apps, SimpleNamespace(connection=connection))
    for row in (rating, trained, agreement, typed):
        row.refresh_from_db()
    assert rating.data["reason_code"] == merchant_reasons.RATING_RECOVERED
    assert in_both(lambda: reason_label(rating))[0] == (
        "The 90-day service rating recovered to 4.20 over 31 ratings."
    )
    assert in_both(lambda: reason_label(trained)) == ("Training completed", "培训已完成")
    assert agreement.data["reason_code"] == merchant_reasons.AGREEMENT_ACCEPTED
    assert in_both(lambda: reason_label(agreement))[0] == "Accepted Merchant agreement, version 3"
    assert typed.reason == "Fixed after a call" and "reason_code" not in typed.data
