"""Which remedies a purchase is still eligible for, and why: pure, no Django.

Consumer Rights Protection Law art. 24-25 and the online 7-day no-reason return rules:
windows are counted in whole local days starting the day after delivery, so a parcel
signed for on 1 November can be returned without reason until 8 November 23:59:59.

- the no-reason return (return, and refund with it): 7 days, except in excluded categories
  (made-to-order, perishable, newspapers and periodicals always; digital and audio-video
  goods once opened);
- a quality defect, counterfeit goods or a safety hazard: return and refund within the legal
  window whatever the category (the exclusions limit only the *no-reason* return);
- exchange: 15 days; repair: 30 days;
- delivery delay or damage: full compensation or reshipment, whenever it is reported;
- refund not received, counterfeit: a refund is always open;
- other: always possible to ask.

The window lengths come from a versioned policy (complaints.policies.REMEDY_WINDOWS); this
module takes them as a plain mapping. Category exclusions are inherited down the category
tree unless a sub-category sets its own rule (`effective_exclusion`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "Asia/Shanghai"

DEFAULT_WINDOWS = {
    "return_days": 7,  # the no-reason return
    "defect_return_days": 7,  # return / refund for a defect, counterfeit or safety hazard
    "exchange_days": 15,
    "repair_days": 30,
}
# Kept for callers that read the defaults directly.
RETURN_DAYS = DEFAULT_WINDOWS["return_days"]
EXCHANGE_DAYS = DEFAULT_WINDOWS["exchange_days"]
REPAIR_DAYS = DEFAULT_WINDOWS["repair_days"]

WINDOWED = {"return", "refund", "exchange", "repair"}
ALWAYS_REFUNDABLE = {"refund_not_received", "counterfeit"}
# Complaints whose return and refund no category exclusion can limit.
DEFECT_TYPES = {"quality_defect", "counterfeit", "safety"}
DELIVERY_REMEDIES = {"compensation", "reshipment"}

# What a category's exclusion from the no-reason return amounts to.
NOT_EXCLUDED = "none"
EXCLUDED = "always"  # made-to-order, perishable, periodicals
EXCLUDED_IF_OPENED = "when_opened"  # digital and audio-video goods
EXCLUSIONS = (NOT_EXCLUDED, EXCLUDED, EXCLUDED_IF_OPENED)


@dataclass(frozen=True)
class CategoryRule:
    """One category's own setting. `excluded`: the category is excluded from the no-reason
    return (only once opened when `opened_only`). `overrides`: it sets its own rule instead
    of inheriting its parent's (so an unticked `excluded` means "allowed here")."""

    excluded: bool = False
    opened_only: bool = False
    overrides: bool = False


def effective_exclusion(chain: Iterable[CategoryRule]) -> str:
    """The exclusion in force for a category, given its rules from itself up to the root:
    the nearest category that is excluded or that overrides decides; none means allowed."""
    for rule in chain:
        if rule.excluded:
            return EXCLUDED_IF_OPENED if rule.opened_only else EXCLUDED
        if rule.overrides:
            return NOT_EXCLUDED
    return NOT_EXCLUDED


def opened_matters(exclusion: str) -> bool:
    """Whether the form should ask if the goods were opened."""
    return exclusion == EXCLUDED_IF_OPENED


@dataclass(frozen=True)
class Eligibility:
    remedy: str
    eligible: bool
    # why: "within_window", "within_window_if_sealed", "defect_window", "window_passed",
    # "excluded_category", "excluded_opened", "not_delivered", "delivery_problem",
    # "not_a_delivery_problem", "always"
    reason: str
    last_day: date | None = None  # the last local day of the window
    days: int | None = None  # the window's length in days


def last_day(delivered_at: datetime, days: int, time_zone: str = DEFAULT_TIME_ZONE) -> date:
    """The last local day of a window of `days` counted from the day after delivery."""
    return delivered_at.astimezone(ZoneInfo(time_zone)).date() + timedelta(days=days)


def _window(remedy: str, complaint_type: str, windows: Mapping[str, int]) -> int:
    if remedy in ("return", "refund"):
        key = "defect_return_days" if complaint_type in DEFECT_TYPES else "return_days"
    else:
        key = f"{remedy}_days"
    return int(windows.get(key, DEFAULT_WINDOWS[key]))


def needs_facts(remedy: str, complaint_type: str) -> bool:
    """Whether `eligibility` of this remedy reads the category's exclusion or the windows
    (False: its answer follows from the remedy and the complaint type alone)."""
    if remedy in DELIVERY_REMEDIES or remedy == "other":
        return False
    return not (remedy == "refund" and complaint_type in ALWAYS_REFUNDABLE)


def eligibility(
    remedy: str,
    *,
    complaint_type: str,
    delivered_at: datetime | None,
    now: datetime,
    exclusion: str = NOT_EXCLUDED,
    opened: bool | None = None,
    windows: Mapping[str, int] | None = None,
    excluded_from_no_reason_return: bool = False,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Eligibility:
    """`exclusion`: the category's effective exclusion (`effective_exclusion`);
    `opened`: the consumer's answer (None when not asked or not answered);
    `excluded_from_no_reason_return`: shorthand for exclusion=EXCLUDED."""
    if exclusion not in EXCLUSIONS:
        raise ValueError(f"Unknown exclusion {exclusion!r}.")
    if excluded_from_no_reason_return and exclusion == NOT_EXCLUDED:
        exclusion = EXCLUDED
    windows = windows or DEFAULT_WINDOWS
    if remedy in DELIVERY_REMEDIES:
        ok = complaint_type == "delivery"
        return Eligibility(remedy, ok, "delivery_problem" if ok else "not_a_delivery_problem")
    if remedy == "other":
        return Eligibility(remedy, True, "always")
    if remedy == "refund" and complaint_type in ALWAYS_REFUNDABLE:
        return Eligibility(remedy, True, "always")
    if remedy not in WINDOWED:
        raise ValueError(f"Unknown remedy {remedy!r}.")
    if delivered_at is None:
        return Eligibility(remedy, False, "not_delivered")
    days = _window(remedy, complaint_type, windows)
    until = last_day(delivered_at, days, time_zone)
    within = now.astimezone(ZoneInfo(time_zone)).date() <= until
    open_reason = "within_window"
    if remedy in ("return", "refund"):
        if complaint_type in DEFECT_TYPES:
            open_reason = "defect_window"  # exclusions never limit these
        elif exclusion == EXCLUDED:
            return Eligibility(remedy, False, "excluded_category", until, days)
        elif exclusion == EXCLUDED_IF_OPENED:
            if opened:
                return Eligibility(remedy, False, "excluded_opened", until, days)
            if opened is None:
                open_reason = "within_window_if_sealed"
    if within:
        return Eligibility(remedy, True, open_reason, until, days)
    return Eligibility(remedy, False, "window_passed", until, days)


def all_eligibility(remedies, **facts) -> list[Eligibility]:
    """The form's list: every remedy with whether it is still open and why."""
    return [eligibility(remedy, **facts) for remedy in remedies]
