"""Starting an inspection, recording results and the verdict, through the services."""

from decimal import Decimal

import pytest

from core import policies
from core.exceptions import DomainError
from inspections import services
from inspections.models import Inspection, SampleResult, SwitchingRecord
from inspections.policies import SAMPLING
from products.models import Requirement
from tests.factories.inspections import (
    InspectionPlanFactory,
    MeasuredRequirementFactory,
    PublishedVersionFactory,
)
from tests.inspections.conftest import all_results


def start(product, qm, lot_size=500, **kwargs):
    plan = InspectionPlanFactory(merchant=product.merchant, **kwargs)
    return services.start_inspection(
        plan=plan, product=product, lot_size=lot_size, batch="L-2026-11", by=qm
    )


def test_starting_pins_the_version_the_policy_and_one_iso_plan_per_class(product_a, qm, version):
    inspection = start(product_a, qm)
    assert inspection.standard_version == version
    assert inspection.severity == "normal"
    assert inspection.sampling_policy.key == SAMPLING
    plans = inspection.sampling_plans
    # Lot 500, level II: code letter H, n = 50 (ISO 2859-1 Table 1, Table 2-A).
    assert {
        c: (p["code_letter"], p["sample_size"], p["accept"], p["reject"]) for c, p in plans.items()
    } == {
        "critical": ("H", 50, 0, 1),
        "major": ("H", 50, 3, 4),
        "minor": ("H", 50, 5, 6),
    }
    assert inspection.sample_size == 50
    assert inspection.plan.status == "in_progress"
    assert SwitchingRecord.objects.get(merchant=product_a.merchant).severity == "normal"


def test_a_merchant_on_probation_starts_on_tightened_inspection(product_a, qm):
    product_a.merchant.status = "probation"
    product_a.merchant.save()
    inspection = start(product_a, qm)
    assert inspection.severity == "tightened"
    assert inspection.sampling_plans["major"]["accept"] == 2  # Table 2-B, H, AQL 2.5


def test_major_nonconformities_at_ac_accept_the_lot(product_a, inspect):
    inspection = inspect(product_a, failures={"major": 3})
    assert inspection.status == "accepted"
    assert inspection.verdict_detail["major"] == {
        "nonconforming": 3,
        "sample_size": 50,
        "accept": 3,
        "reject": 4,
        "accepted": True,
    }
    product_a.refresh_from_db()
    assert product_a.status == "listed"


def test_major_nonconformities_at_re_reject_the_lot(product_a, inspect):
    inspection = inspect(product_a, failures={"major": 4})
    assert (inspection.status, inspection.decided_by_class) == ("rejected", "major")
    assert inspection.plan.status == "done"


def test_minor_nonconformities_at_ac_and_at_re(product_a, product_b, inspect):
    assert inspect(product_a, failures={"minor": 5}).status == "accepted"
    assert inspect(product_b, failures={"minor": 6}).status == "rejected"


def test_a_single_critical_nonconformity_rejects(product_a, inspect):
    inspection = inspect(product_a, failures={"critical": 1})
    assert (inspection.status, inspection.decided_by_class) == ("rejected", "critical")


def test_an_item_failing_two_requirements_of_a_class_counts_once(product_a, qm, version):
    MeasuredRequirementFactory(version=version, code="NET2", severity=Requirement.Severity.MAJOR)
    inspection = start(product_a, qm)
    rows = all_results(inspection, {"major": 3})  # items 1-3 fail both major requirements
    services.record_results(inspection=inspection, results=rows, by=qm)
    inspection = services.decide_verdict(inspection=inspection, by=qm)
    assert inspection.verdict_detail["major"]["nonconforming"] == 3
    assert inspection.status == "accepted"


def test_measured_values_are_checked_against_min_and_max(product_a, qm, version):
    inspection = start(product_a, qm)
    net = version.requirements.get(code="NET")
    services.record_results(
        inspection=inspection,
        results=[
            {"sample_number": 1, "requirement": net.pk, "value": "495", "unit": "g"},
            {"sample_number": 2, "requirement": net.pk, "value": "505.0001", "unit": "g"},
        ],
        by=qm,
    )
    passed = dict(inspection.results.values_list("sample_number", "passed"))
    assert passed == {1: True, 2: False}
    assert inspection.results.get(sample_number=1).value == Decimal("495")


def test_a_verdict_needs_every_result(product_a, qm):
    inspection = start(product_a, qm)
    rows = all_results(inspection)
    services.record_results(inspection=inspection, results=rows[:-1], by=qm)
    inspection.refresh_from_db()
    assert inspection.status == "draft"
    with pytest.raises(DomainError, match="149 of 150 results"):
        services.decide_verdict(inspection=inspection, by=qm)
    services.record_results(inspection=inspection, results=rows[-1:], by=qm)
    inspection.refresh_from_db()
    assert inspection.status == "recorded"


def test_results_cannot_change_after_the_verdict(product_a, inspect, qm):
    inspection = inspect(product_a)
    with pytest.raises(DomainError, match="cannot change"):
        services.record_results(inspection=inspection, results=all_results(inspection), by=qm)


def test_results_given_again_replace_the_earlier_ones(product_a, qm, version):
    inspection = start(product_a, qm)
    label = version.requirements.get(code="LABEL")
    row = {"sample_number": 1, "requirement": label.pk, "passed": True}
    services.record_results(inspection=inspection, results=[row], by=qm)
    services.record_results(inspection=inspection, results=[{**row, "passed": False}], by=qm)
    assert list(inspection.results.values_list("passed", flat=True)) == [False]


# --- bad input: a clear message, nothing stored ------------------------------------------
@pytest.mark.parametrize("lot_size", [0, -5])
def test_a_lot_size_of_zero_or_less_is_refused(product_a, qm, lot_size):
    with pytest.raises(DomainError) as error:
        start(product_a, qm, lot_size=lot_size)
    assert "lot size must be a whole number of at least 1" in str(
        error.value.message_dict["lot_size"]
    )
    assert not Inspection.objects.exists()


def test_an_aql_not_in_the_table_is_refused_and_nothing_is_stored(product_a, qm):
    policies.publish(SAMPLING, value={"aql_major": "3.0"}, note="typo")
    with pytest.raises(DomainError, match=r"AQL 3\.0 is not in the ISO 2859-1 tables"):
        start(product_a, qm)
    assert not Inspection.objects.exists()
    assert not SwitchingRecord.objects.exists()


def bad(inspection, qm, rows):
    with pytest.raises(DomainError) as error:
        services.record_results(inspection=inspection, results=rows, by=qm)
    assert not SampleResult.objects.exists()
    return " ".join(error.value.message_dict["results"])


def test_a_sample_number_beyond_the_class_sample_size_is_refused(product_a, qm, version):
    inspection = start(product_a, qm, lot_size=50)  # major: code C, n = 5
    net = version.requirements.get(code="NET")
    good = {"sample_number": 5, "requirement": net.pk, "value": "500", "unit": "g"}
    message = bad(inspection, qm, [good, {**good, "sample_number": 6}])
    assert "Result 2: sample 6 is beyond the sample size of 5 for Major requirements" in message


def test_a_requirement_not_in_the_pinned_version_is_refused(product_a, qm, food):
    inspection = start(product_a, qm)
    other = MeasuredRequirementFactory(version=PublishedVersionFactory())
    message = bad(
        inspection, qm, [{"sample_number": 1, "requirement": other.pk, "value": "1", "unit": "g"}]
    )
    assert f"requirement {other.pk} is not part of the standard version pinned" in message


def test_a_measured_value_without_a_unit_is_refused(product_a, qm, version):
    inspection = start(product_a, qm)
    net = version.requirements.get(code="NET")
    message = bad(inspection, qm, [{"sample_number": 1, "requirement": net.pk, "value": "500"}])
    assert "the measured value of Net content (NET) needs its unit (g)" in message


def test_a_measured_value_in_another_unit_is_refused(product_a, qm, version):
    inspection = start(product_a, qm)
    net = version.requirements.get(code="NET")
    rows = [{"sample_number": 1, "requirement": net.pk, "value": "0.5", "unit": "kg"}]
    assert "Net content (NET) is measured in g, not kg" in bad(inspection, qm, rows)


def test_a_measured_requirement_without_a_value_and_a_pass_fail_with_one_are_refused(
    product_a, qm, version
):
    inspection = start(product_a, qm)
    net, label = version.requirements.get(code="NET"), version.requirements.get(code="LABEL")
    message = bad(
        inspection,
        qm,
        [
            {"sample_number": 1, "requirement": net.pk, "unit": "g"},
            {"sample_number": 1, "requirement": label.pk, "passed": True, "value": "3"},
        ],
    )
    assert "Result 1: Net content (NET) needs the measured value" in message
    assert (
        "Result 2: Label shows the producer's name and address (LABEL) is pass/fail"
        " and takes no measured value"
    ) in message


def test_one_bad_row_among_good_ones_stores_nothing(product_a, qm):
    inspection = start(product_a, qm)
    rows = all_results(inspection)
    rows[10] = {**rows[10], "sample_number": 0}
    assert "Result 11: the sample number must be a whole number from 1" in bad(inspection, qm, rows)


def test_the_same_cell_twice_in_one_batch_is_refused(product_a, qm, version):
    inspection = start(product_a, qm)
    label = version.requirements.get(code="LABEL")
    row = {"sample_number": 1, "requirement": label.pk, "passed": True}
    assert "already has a result" in bad(inspection, qm, [row, row])


def test_a_category_without_a_published_standard_cannot_be_inspected(merchant_a, qm):
    from tests.factories.products import ProductFactory

    product = ProductFactory(merchant=merchant_a)
    with pytest.raises(DomainError, match="No published quality standard"):
        start(product, qm)
    assert not Inspection.objects.exists()
