"""Remedy windows counted from delivery (day after delivery is day 1), and the service's
refusal of a remedy that is no longer open."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from complaints import remedies
from core.exceptions import DomainError
from tests.factories.complaints import CaseFactory
from tests.factories.core import CategoryFactory
from tests.factories.products import ProductFactory

# Signed for on Sunday 1 November 2026, 10:00 in Shanghai.
DELIVERED = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def on_day(n: int) -> datetime:
    """Late on the n-th local day after delivery (23:59 Shanghai)."""
    return datetime(2026, 11, 1, 15, 59, tzinfo=UTC) + timedelta(days=n)


def verdict(remedy, day, complaint_type="quality_defect", excluded=False):
    return remedies.eligibility(
        remedy,
        complaint_type=complaint_type,
        delivered_at=DELIVERED,
        now=on_day(day),
        excluded_from_no_reason_return=excluded,
    )


@pytest.mark.parametrize(
    ("remedy", "last_open_day"), [("return", 7), ("refund", 7), ("exchange", 15), ("repair", 30)]
)
def test_windows_close_after_their_last_day(remedy, last_open_day):
    assert verdict(remedy, last_open_day).eligible
    assert verdict(remedy, last_open_day, "not_as_described").reason == "within_window"
    closed = verdict(remedy, last_open_day + 1)
    assert not closed.eligible and closed.reason == "window_passed"
    assert closed.last_day == date(2026, 11, 1) + timedelta(days=last_open_day)


def test_the_repair_window_ends_on_1_december():
    assert verdict("repair", 30).last_day == date(2026, 12, 1)


def test_excluded_categories_have_no_no_reason_return_but_keep_exchange_and_repair():
    no_reason = "not_as_described"
    assert verdict("return", 1, no_reason, excluded=True).reason == "excluded_category"
    assert not verdict("refund", 1, no_reason, excluded=True).eligible
    # A quality defect still gives return and refund in an excluded category.
    assert verdict("return", 1, excluded=True).reason == "defect_window"
    assert verdict("exchange", 1, excluded=True).eligible
    assert verdict("repair", 1, excluded=True).eligible


def test_delivery_problems_give_compensation_or_reshipment_at_any_time():
    for remedy in ("compensation", "reshipment"):
        assert verdict(remedy, 90, complaint_type="delivery").eligible
        assert not verdict(remedy, 1, complaint_type="quality_defect").eligible


def test_a_refund_not_received_is_always_refundable():
    assert verdict("refund", 90, complaint_type="refund_not_received").eligible


def test_without_delivery_no_window_is_open():
    result = remedies.eligibility(
        "exchange", complaint_type="quality_defect", delivered_at=None, now=on_day(1)
    )
    assert (result.eligible, result.reason) == (False, "not_delivered")


@pytest.mark.django_db
def test_filing_with_a_remedy_no_longer_open_is_refused(merchant_a):
    perishable = ProductFactory(
        merchant=merchant_a, category=CategoryFactory(excluded_from_no_reason_return=True)
    )
    with time_machine.travel(on_day(8), tick=False), translation.override("en"):
        with pytest.raises(DomainError, match="window ended on 2026-11-08"):
            CaseFactory(merchant=merchant_a, desired_remedy="return", delivered_at=DELIVERED)
        with pytest.raises(DomainError, match="excluded"):
            CaseFactory(
                merchant=merchant_a,
                complaint_type="not_as_described",
                product=perishable,
                desired_remedy="return",
                delivered_at=DELIVERED + timedelta(days=5),  # day 3: inside the window
            )
        case = CaseFactory(merchant=merchant_a, desired_remedy="exchange", delivered_at=DELIVERED)
    assert case.desired_remedy == "exchange"
