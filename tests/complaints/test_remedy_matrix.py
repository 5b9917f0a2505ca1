"""Every combination of remedy eligibility, exhaustively: complaint type x category
exclusion (none / always / once opened) x where it comes from (the category itself, a
parent, a parent overridden by the sub-category) x the consumer's "opened" answer x the
day boundary (last open day, first closed day) x remedy. The expectation is written out as
the rule reads in law (domain.md §6 and §13), independently of the engine's branches."""

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest

from complaints import remedies
from complaints.models import Case
from complaints.remedies import CategoryRule

DELIVERED = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 1 Nov 2026, 10:00 in Shanghai
WINDOWS = {"return_days": 7, "defect_return_days": 7, "exchange_days": 15, "repair_days": 30}


def late_on_day(n: int) -> datetime:
    """23:59 Shanghai on the n-th local day after delivery."""
    return datetime(2026, 11, 1, 15, 59, tzinfo=UTC) + timedelta(days=n)


def early_on_day(n: int) -> datetime:
    """00:00 Shanghai on the n-th local day after delivery."""
    return datetime(2026, 10, 31, 16, 0, tzinfo=UTC) + timedelta(days=n)


TYPES = Case.ComplaintType.values
REMEDIES = Case.Remedy.values
EXCLUSIONS = ["none", "always", "when_opened"]
SOURCES = ["own", "inherited", "overridden"]
OPENED = [None, False, True]
BOUNDARIES = ["last_day", "day_after"]


def chain(exclusion: str, source: str) -> list[CategoryRule]:
    """The rules from the sub-category up to the root that give `exclusion` from `source`."""
    rule = CategoryRule(excluded=exclusion != "none", opened_only=exclusion == "when_opened")
    if source == "own":
        return [rule, CategoryRule()]
    if source == "inherited":
        return [CategoryRule(), CategoryRule(), rule]
    # A parent with the rule, overridden by the sub-category: the sub-category allows it.
    return [CategoryRule(overrides=True), rule]


def expected(remedy, complaint_type, exclusion, source, opened, boundary):
    effective = "none" if source == "overridden" else exclusion
    if remedy in ("compensation", "reshipment"):
        return complaint_type == "delivery"
    if remedy == "other":
        return True
    if remedy == "refund" and complaint_type in ("refund_not_received", "counterfeit"):
        return True
    days = {"return": 7, "refund": 7, "exchange": 15, "repair": 30}[remedy]
    in_window = boundary == "last_day"
    if remedy in ("return", "refund"):
        defect = complaint_type in ("quality_defect", "counterfeit", "safety")
        if not defect:
            if effective == "always":
                return False
            if effective == "when_opened" and opened is True:
                return False
    assert days
    return in_window


def last_open_day(remedy):
    return {"return": 7, "refund": 7, "exchange": 15, "repair": 30}.get(remedy, 7)


FACTS = list(product(EXCLUSIONS, SOURCES, OPENED, BOUNDARIES))


def test_the_matrix_is_complete():
    assert "safety" in TYPES
    assert len(FACTS) == 3 * 3 * 3 * 2


# One test per remedy and complaint type (the database-free combinations run in a loop
# inside, so the 3,000-odd cells cost a fraction of a second, not one test set-up each).
@pytest.mark.parametrize(("remedy", "complaint_type"), list(product(REMEDIES, TYPES)))
def test_eligibility_for_every_category_answer_and_day(remedy, complaint_type):
    checked = 0
    for exclusion, source, opened, boundary in FACTS:
        effective = remedies.effective_exclusion(chain(exclusion, source))
        day = last_open_day(remedy) + (0 if boundary == "last_day" else 1)
        for now in (early_on_day(day), late_on_day(day)):
            verdict = remedies.eligibility(
                remedy,
                complaint_type=complaint_type,
                delivered_at=DELIVERED,
                now=now,
                exclusion=effective,
                opened=opened,
                windows=WINDOWS,
            )
            want = expected(remedy, complaint_type, exclusion, source, opened, boundary)
            assert verdict.eligible is want, (exclusion, source, opened, boundary, now, verdict)
            checked += 1
    assert checked == len(FACTS) * 2


@pytest.mark.parametrize("complaint_type", ["quality_defect", "counterfeit", "safety"])
@pytest.mark.parametrize("exclusion", ["always", "when_opened"])
def test_exclusions_never_limit_a_defect_return(complaint_type, exclusion):
    verdict = remedies.eligibility(
        "return",
        complaint_type=complaint_type,
        delivered_at=DELIVERED,
        now=late_on_day(7),
        exclusion=exclusion,
        opened=True,
    )
    assert (verdict.eligible, verdict.reason) == (True, "defect_window")


def test_the_reasons_name_what_decided():
    def why(**kw):
        facts = {"complaint_type": "not_as_described", "delivered_at": DELIVERED}
        return remedies.eligibility("return", now=late_on_day(3), **{**facts, **kw}).reason

    assert why(exclusion="always") == "excluded_category"
    assert why(exclusion="when_opened", opened=True) == "excluded_opened"
    assert why(exclusion="when_opened", opened=None) == "within_window_if_sealed"
    assert why(exclusion="when_opened", opened=False) == "within_window"
    assert why() == "within_window"


def test_windows_come_from_the_given_policy():
    longer = {**WINDOWS, "return_days": 10, "exchange_days": 20}
    facts = {"complaint_type": "not_as_described", "delivered_at": DELIVERED, "windows": longer}
    assert remedies.eligibility("return", now=late_on_day(10), **facts).eligible
    assert not remedies.eligibility("return", now=late_on_day(11), **facts).eligible
    verdict = remedies.eligibility("exchange", now=late_on_day(20), **facts)
    assert (verdict.eligible, verdict.days, verdict.last_day) == (True, 20, date(2026, 11, 21))


def test_the_nearest_rule_up_the_tree_decides():
    excluded, opened_only = CategoryRule(excluded=True), CategoryRule(True, opened_only=True)
    assert remedies.effective_exclusion([]) == "none"
    assert remedies.effective_exclusion([CategoryRule(), excluded]) == "always"
    assert remedies.effective_exclusion([opened_only, excluded]) == "when_opened"
    assert remedies.effective_exclusion([CategoryRule(overrides=True), excluded]) == "none"
    # An override higher up does not beat a nearer exclusion.
    assert remedies.effective_exclusion([excluded, CategoryRule(overrides=True)]) == "always"
