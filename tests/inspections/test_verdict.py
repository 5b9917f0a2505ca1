"""Lot verdicts from the Ac/Re numbers of the critical, major and minor plans."""

import pytest

from inspections.sampling import SamplingError, single_sampling_plan
from inspections.verdict import (
    InvalidCount,
    MissingCount,
    UnknownDefectClass,
    lot_verdict,
)

LOT = 1000  # level II: letter J, n 80


@pytest.fixture
def plans():
    # Platform defaults: critical AQL 0, major 2.5, minor 4.0.
    return {
        "critical": single_sampling_plan(LOT, "0"),  # J 80, Ac 0 Re 1
        "major": single_sampling_plan(LOT, "2.5"),  # J 80, Ac 5 Re 6
        "minor": single_sampling_plan(LOT, "4.0"),  # J 80, Ac 7 Re 8
    }


def test_default_plans_are_the_published_ones(plans):
    assert [(p.sample_size, p.accept, p.reject) for p in plans.values()] == [
        (80, 0, 1),
        (80, 5, 6),
        (80, 7, 8),
    ]


def test_a_clean_lot_is_accepted_and_no_class_decided(plans):
    verdict = lot_verdict(plans, {"critical": 0, "major": 0, "minor": 0})
    assert verdict.accepted
    assert verdict.decided_by is None
    assert verdict.rejected_classes == ()
    assert [c.defect_class for c in verdict.classes] == ["critical", "major", "minor"]


def test_counts_at_ac_are_accepted(plans):
    verdict = lot_verdict(plans, {"critical": 0, "major": 5, "minor": 7})
    assert verdict.accepted
    assert all(result.accepted for result in verdict.classes)


@pytest.mark.parametrize(
    ("counts", "decided_by"),
    [
        ({"critical": 0, "major": 6, "minor": 0}, "major"),  # major at Re
        ({"critical": 0, "major": 0, "minor": 8}, "minor"),  # minor at Re
        ({"critical": 0, "major": 5, "minor": 8}, "minor"),  # major at Ac, minor at Re
    ],
)
def test_a_count_at_re_rejects_the_lot(plans, counts, decided_by):
    verdict = lot_verdict(plans, counts)
    assert not verdict.accepted
    assert verdict.decided_by == decided_by
    assert not verdict.for_class(decided_by).accepted


def test_any_critical_nonconformity_rejects_even_a_lot_otherwise_clean(plans):
    verdict = lot_verdict(plans, {"critical": 1, "major": 0, "minor": 0})
    assert not verdict.accepted
    assert verdict.decided_by == "critical"
    assert verdict.for_class("critical").reject == 1


def test_the_most_severe_rejecting_class_decides_and_all_are_listed(plans):
    verdict = lot_verdict(plans, {"critical": 2, "major": 6, "minor": 9})
    assert verdict.decided_by == "critical"
    assert verdict.rejected_classes == ("critical", "major", "minor")
    verdict = lot_verdict(plans, {"critical": 0, "major": 6, "minor": 9})
    assert (verdict.decided_by, verdict.rejected_classes) == ("major", ("major", "minor"))


def test_classes_may_use_different_samples_after_an_arrow():
    plans = {
        "critical": single_sampling_plan(100, 0),  # F, n 20, Ac 0
        "major": single_sampling_plan(100, "1.0"),  # F/1.0 up: E, n 13, Ac 0
        "minor": single_sampling_plan(100, "4.0"),  # F, n 20, Ac 2
    }
    verdict = lot_verdict(plans, {"critical": 0, "major": 0, "minor": 2})
    assert verdict.accepted
    assert [c.sample_size for c in verdict.classes] == [20, 13, 20]
    assert lot_verdict(plans, {"critical": 0, "major": 1, "minor": 0}).decided_by == "major"


def test_a_lot_judged_on_fewer_classes(plans):
    verdict = lot_verdict({"major": plans["major"]}, {"major": 6})
    assert (verdict.accepted, verdict.decided_by) == (False, "major")
    assert len(verdict.classes) == 1


def test_on_tightened_inspection_the_same_count_can_reject():
    normal = {"major": single_sampling_plan(LOT, "2.5")}  # Ac 5
    tightened = {"major": single_sampling_plan(LOT, "2.5", severity="tightened")}  # Ac 3
    assert lot_verdict(normal, {"major": 4}).accepted
    assert not lot_verdict(tightened, {"major": 4}).accepted


def test_nonconformities_per_hundred_items_may_exceed_the_sample():
    plan = single_sampling_plan(10, "250")  # B, n 3, Ac 14: counts nonconformities
    assert (plan.sample_size, plan.accept) == (3, 14)
    assert lot_verdict({"minor": plan}, {"minor": 14}).accepted
    assert not lot_verdict({"minor": plan}, {"minor": 15}).accepted


# -------------------------------------------------------------------------- bad input


def test_more_nonconforming_items_than_the_sample_is_refused(plans):
    with pytest.raises(InvalidCount) as error:
        lot_verdict(plans, {"critical": 0, "major": 81, "minor": 0})
    assert error.value.code == "invalid_nonconforming_count"
    assert error.value.params["sample_size"] == 80


@pytest.mark.parametrize("count", [-1, 1.5, "2", None, True])
def test_a_count_that_is_not_a_whole_number_is_refused(plans, count):
    with pytest.raises(InvalidCount):
        lot_verdict(plans, {"critical": 0, "major": count, "minor": 0})


def test_a_missing_count_is_refused(plans):
    with pytest.raises(MissingCount) as error:
        lot_verdict(plans, {"critical": 0, "major": 0})
    assert error.value.params["defect_class"] == "minor"


def test_no_plans_is_refused():
    with pytest.raises(MissingCount):
        lot_verdict({}, {})


def test_a_count_for_a_class_without_a_plan_is_refused(plans):
    with pytest.raises(UnknownDefectClass):
        lot_verdict({"major": plans["major"]}, {"major": 0, "minor": 0})


def test_an_unknown_class_is_refused(plans):
    with pytest.raises(UnknownDefectClass):
        lot_verdict({**plans, "cosmetic": plans["minor"]}, {"cosmetic": 0})
    with pytest.raises(UnknownDefectClass):
        lot_verdict(plans, {"critical": 0, "major": 0, "minor": 0}).for_class("cosmetic")


def test_verdict_errors_are_sampling_errors():
    for cls in (InvalidCount, MissingCount, UnknownDefectClass):
        assert issubclass(cls, SamplingError) and issubclass(cls, ValueError)
