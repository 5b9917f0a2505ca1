"""Switching rules applied through the services, per merchant and category."""

import pytest

from core.exceptions import DomainError
from inspections import services
from inspections.models import Inspection, SwitchingRecord
from merchants.models import Restriction
from merchants.selectors import active_restrictions
from merchants.services import can_sell, current_points, rule_in_force
from tests.factories.inspections import InspectionPlanFactory

REJECT = {"critical": 1}


def state(product):
    return SwitchingRecord.objects.get(merchant=product.merchant, category=product.category)


def lots(inspect, product, outcomes):
    for accepted in outcomes:
        inspect(product, lot_size=50, failures=None if accepted else REJECT)


def test_reject_accept_reject_within_five_lots_switches_to_tightened(product_a, inspect):
    lots(inspect, product_a, [False, True])
    assert state(product_a).severity == "normal"
    lots(inspect, product_a, [False])
    record = state(product_a)
    assert record.severity == "tightened"
    assert [(h["from_state"], h["to_state"], h["reason"]) for h in record.history] == [
        ("normal", "tightened", "two_rejected_in_five")
    ]
    # The next lot is inspected on Table 2-B.
    plan = InspectionPlanFactory(merchant=product_a.merchant)
    inspection = services.start_inspection(
        plan=plan, product=product_a, lot_size=50, batch="X", by=None
    )
    assert inspection.severity == "tightened"


def test_two_rejections_six_lots_apart_do_not_tighten(product_a, inspect):
    lots(inspect, product_a, [False, True, True, True, True, False])
    assert state(product_a).severity == "normal"


def test_five_consecutive_accepted_on_tightened_return_to_normal(product_a, inspect):
    lots(inspect, product_a, [False, False])
    assert state(product_a).severity == "tightened"
    lots(inspect, product_a, [True] * 4)
    assert state(product_a).severity == "tightened"
    lots(inspect, product_a, [True])
    assert state(product_a).severity == "normal"


def test_switching_is_per_merchant(product_a, product_b, inspect):
    lots(inspect, product_a, [False, False])
    lots(inspect, product_b, [False])
    assert state(product_a).severity == "tightened"
    assert state(product_b).severity == "normal"


def inspection_restrictions(merchant):
    return active_restrictions().filter(merchant=merchant, reason="inspection")


def test_five_cumulative_rejections_on_tightened_stop_acceptance_and_restrict_the_category(
    product_a, inspect, qm
):
    merchant, food = product_a.merchant, product_a.category
    lots(inspect, product_a, [False, False])  # -> tightened
    lots(inspect, product_a, [False, True, False, True, False, False])
    record = state(product_a)
    assert record.severity == "tightened" and record.rejected_on_tightened == 4
    # Each rejected lot also adds violation points (and the ladder may restrict the
    # merchant), but acceptance is not stopped yet: no inspection restriction.
    assert not inspection_restrictions(merchant).exists()
    assert current_points(merchant) == 6 * rule_in_force("inspection_lot_rejected").points
    lots(inspect, product_a, [False])
    record = state(product_a)
    assert record.severity == "discontinued"
    restriction = Restriction.objects.get(merchant=merchant, reason="inspection")
    assert (restriction.category, restriction.lifted_at) == (food, None)
    assert not can_sell(merchant, food)
    with pytest.raises(DomainError, match="Acceptance is stopped"):
        services.start_inspection(
            plan=InspectionPlanFactory(merchant=merchant),
            product=product_a,
            lot_size=50,
            batch="Y",
            by=qm,
        )
    assert Inspection.objects.count() == 9

    services.accept_corrective_action(record=record, by=qm, note="New supplier, 8D report")
    record.refresh_from_db()
    assert record.severity == "tightened" and record.rejected_on_tightened == 0
    assert record.history[-1]["reason"] == "corrective_action_accepted"
    assert not inspection_restrictions(merchant).exists()
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None


def test_corrective_action_needs_a_discontinued_inspection(product_a, inspect, qm):
    lots(inspect, product_a, [True])
    with pytest.raises(DomainError, match="not discontinued"):
        services.accept_corrective_action(record=state(product_a), by=qm, note="n/a")


def test_a_retest_is_not_a_lot_of_the_switching_scheme(product_a, inspect, owner_a, qm):
    rejected = inspect(product_a, lot_size=50, failures=REJECT)
    objection = services.submit_objection(inspection=rejected, reason="Lab error", by=owner_a)
    inspect(product_a, lot_size=50, failures=REJECT, plan=objection.retest_plan)
    record = state(product_a)
    assert (record.lots, record.severity) == (1, "normal")
