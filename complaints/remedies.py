"""Which remedies a purchase is still eligible for, and why: pure, no Django.

Consumer Rights Protection Law art. 24-25 and the online 7-day no-reason return rules:
windows are counted in whole local days starting the day after delivery, so a parcel
signed for on 1 November can be returned without reason until 8 November 23:59:59.

- return (and refund with it): 7 days, except excluded categories (made-to-order,
  perishable, opened digital or audio-video goods, newspapers and periodicals);
- exchange: 15 days; repair: 30 days;
- delivery delay or damage: full compensation or reshipment, whenever it is reported;
- refund not received, counterfeit: a refund is always open;
- other: always possible to ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "Asia/Shanghai"
RETURN_DAYS = 7
EXCHANGE_DAYS = 15
REPAIR_DAYS = 30

WINDOWS = {
    "return": RETURN_DAYS,
    "refund": RETURN_DAYS,
    "exchange": EXCHANGE_DAYS,
    "repair": REPAIR_DAYS,
}
ALWAYS_REFUNDABLE = {"refund_not_received", "counterfeit"}
DELIVERY_REMEDIES = {"compensation", "reshipment"}


@dataclass(frozen=True)
class Eligibility:
    remedy: str
    eligible: bool
    # why: "within_window", "window_passed", "excluded_category", "not_delivered",
    # "delivery_problem", "not_a_delivery_problem", "always"
    reason: str
    last_day: date | None = None  # the last local day of the window


def last_day(delivered_at: datetime, days: int, time_zone: str = DEFAULT_TIME_ZONE) -> date:
    """The last local day of a window of `days` counted from the day after delivery."""
    return delivered_at.astimezone(ZoneInfo(time_zone)).date() + timedelta(days=days)


def eligibility(
    remedy: str,
    *,
    complaint_type: str,
    delivered_at: datetime | None,
    now: datetime,
    excluded_from_no_reason_return: bool = False,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Eligibility:
    if remedy in DELIVERY_REMEDIES:
        ok = complaint_type == "delivery"
        return Eligibility(remedy, ok, "delivery_problem" if ok else "not_a_delivery_problem")
    if remedy == "other":
        return Eligibility(remedy, True, "always")
    if remedy == "refund" and complaint_type in ALWAYS_REFUNDABLE:
        return Eligibility(remedy, True, "always")
    if remedy not in WINDOWS:
        raise ValueError(f"Unknown remedy {remedy!r}.")
    if delivered_at is None:
        return Eligibility(remedy, False, "not_delivered")
    if remedy in ("return", "refund") and excluded_from_no_reason_return:
        return Eligibility(remedy, False, "excluded_category")
    until = last_day(delivered_at, WINDOWS[remedy], time_zone)
    today = now.astimezone(ZoneInfo(time_zone)).date()
    if today <= until:
        return Eligibility(remedy, True, "within_window", until)
    return Eligibility(remedy, False, "window_passed", until)


def all_eligibility(remedies, **facts) -> list[Eligibility]:
    """The form's list: every remedy with whether it is still open and why."""
    return [eligibility(remedy, **facts) for remedy in remedies]
