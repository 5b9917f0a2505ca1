"""A rejected lot: delisting, alerts, objection within 15 days, re-test, overturn."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.exceptions import DomainError, NotAllowed
from core.models import Alert
from inspections import services
from inspections.models import InspectionPlan, Objection
from merchants.models import ViolationEntry
from merchants.services import current_points
from products import services as product_services
from tests.factories.core import UserFactory
from tests.factories.merchants import MembershipFactory

REJECT = {"critical": 1}


def test_a_rejected_lot_delists_the_product_for_quality_and_alerts_owner_and_qm(
    product_a, owner_a, inspect
):
    inspection = inspect(product_a, failures=REJECT)
    product_a.refresh_from_db()
    assert (product_a.status, product_a.status_cause) == ("delisted", "quality")
    assert product_a.status_evidence == f"inspections.inspection:{inspection.pk}"
    alerts = Alert.objects.filter(kind="inspection_rejected")
    assert {(a.recipient_user_id, getattr(a.recipient_group, "name", None)) for a in alerts} == {
        (owner_a.pk, None),
        (None, "quality_management"),
    }
    with pytest.raises(DomainError, match="passed re-inspection"):
        product_services.relist(product=product_a, by=None, reason="please")


def test_an_accepted_lot_changes_nothing_on_the_listing(product_a, inspect):
    inspect(product_a)
    product_a.refresh_from_db()
    assert product_a.status == "listed"
    assert not Alert.objects.filter(kind="inspection_rejected").exists()


def test_objection_retest_that_passes_overturns_relists_and_upholds(
    product_a, owner_a, inspect, qm
):
    original = inspect(product_a, failures=REJECT)
    objection = services.submit_objection(
        inspection=original, reason="The lab used an expired reagent.", by=owner_a
    )
    assert objection.status == "retest_scheduled"
    plan = objection.retest_plan
    assert (plan.kind, plan.product, plan.retest_of) == ("retest", product_a, original)
    assert plan.due_by == timezone.localdate() + timedelta(days=7)
    assert Alert.objects.filter(kind="inspection_objection").count() == 1

    retest = inspect(product_a, plan=plan)
    assert retest.status == "accepted"
    assert retest.severity == original.severity
    original.refresh_from_db()
    objection.refresh_from_db()
    product_a.refresh_from_db()
    assert (original.status, original.overturned_by) == ("overturned", retest)
    assert objection.status == "upheld"
    assert (product_a.status, product_a.status_evidence) == ("listed", f"#{retest.pk}")
    # The points the rejected lot carried are withdrawn with the verdict.
    assert current_points(product_a.merchant) == 0


def test_a_rejected_lot_adds_the_rules_violation_points_once(product_a, inspect):
    rejected = inspect(product_a, failures=REJECT)
    entry = ViolationEntry.objects.get(merchant=product_a.merchant)
    assert (entry.rule_code, entry.evidence) == ("inspection_lot_rejected", rejected)
    assert current_points(product_a.merchant) == entry.points > 0


def test_a_retest_that_fails_dismisses_the_objection_and_keeps_the_product_off_sale(
    product_a, owner_a, inspect
):
    original = inspect(product_a, failures=REJECT)
    objection = services.submit_objection(inspection=original, reason="Wrong", by=owner_a)
    inspect(product_a, failures=REJECT, plan=objection.retest_plan)
    objection.refresh_from_db()
    original.refresh_from_db()
    product_a.refresh_from_db()
    assert objection.status == "dismissed"
    assert original.status == "rejected"
    assert product_a.status == "delisted"


def test_an_objection_after_15_days_is_refused(product_a, owner_a, inspect):
    original = inspect(product_a, failures=REJECT)
    with (
        time_machine.travel(original.decided_at + timedelta(days=15, minutes=1)),
        pytest.raises(DomainError, match="objection window closed"),
    ):
        services.submit_objection(inspection=original, reason="late", by=owner_a)
    assert not Objection.objects.exists()
    assert not InspectionPlan.objects.filter(kind="retest").exists()


def test_an_objection_on_day_15_is_accepted(product_a, owner_a, inspect):
    original = inspect(product_a, failures=REJECT)
    with time_machine.travel(original.decided_at + timedelta(days=14, hours=23)):
        services.submit_objection(inspection=original, reason="in time", by=owner_a)
    assert Objection.objects.count() == 1


def test_only_the_inspections_merchant_may_object(product_a, owner_b, inspect, qm):
    original = inspect(product_a, failures=REJECT)
    for user in (owner_b, qm):
        with pytest.raises(NotAllowed):
            services.submit_objection(inspection=original, reason="not mine", by=user)
    assert not Objection.objects.exists()


def test_an_accepted_lot_cannot_be_objected_to_nor_twice(product_a, owner_a, inspect):
    accepted = inspect(product_a)
    with pytest.raises(DomainError, match="Only the rejection of a lot"):
        services.submit_objection(inspection=accepted, reason="?", by=owner_a)
    rejected = inspect(product_a, failures=REJECT)
    services.submit_objection(inspection=rejected, reason="once", by=owner_a)
    with pytest.raises(DomainError, match="already has an objection"):
        services.submit_objection(inspection=rejected, reason="twice", by=owner_a)


def test_a_staff_member_of_the_merchant_may_object_too(product_a, inspect):
    staff = MembershipFactory(merchant=product_a.merchant, role="staff", user=UserFactory()).user
    original = inspect(product_a, failures=REJECT)
    assert services.submit_objection(inspection=original, reason="x", by=staff).pk


def test_a_reinspection_after_a_standing_rejection_relists_without_overturning(
    product_a, inspect, qm
):
    original = inspect(product_a, failures=REJECT)
    plan = services.plan_reinspection(inspection=original, by=qm, reason="Supplier changed")
    inspect(product_a, plan=plan)
    original.refresh_from_db()
    product_a.refresh_from_db()
    assert original.status == "rejected"
    assert product_a.status == "listed"
