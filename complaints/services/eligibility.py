"""Remedy eligibility for a purchase (complaints.remedies), with the consumer-facing reasons.

The windows come from the versioned policy `complaints.remedy_windows`; the category's
exclusion from the no-reason return is inherited down the tree (one recursive query)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import remedies
from complaints.models import (
    Case,
)
from complaints.policies import REMEDY_WINDOWS
from core import policies

_CHAIN = """
    WITH RECURSIVE chain(id, parent_id, excluded, opened_only, overrides, depth) AS (
        SELECT id, parent_id, excluded_from_no_reason_return, no_reason_return_opened_only,
               no_reason_return_overrides, 0
          FROM core_category WHERE id = %s
        UNION ALL
        SELECT p.id, p.parent_id, p.excluded_from_no_reason_return,
               p.no_reason_return_opened_only, p.no_reason_return_overrides, chain.depth + 1
          FROM core_category AS p JOIN chain ON p.id = chain.parent_id
         WHERE chain.depth < 20
    )
    SELECT excluded, opened_only, overrides FROM chain ORDER BY depth
"""


def category_exclusion(category) -> str:
    """The effective exclusion from the no-reason return of `category` (None: none),
    inherited from its ancestors unless a category on the way sets its own rule."""
    if category is None:
        return remedies.NOT_EXCLUDED
    category_id = category if isinstance(category, int) else category.pk
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN, [category_id])
        rows = cursor.fetchall()
    return remedies.effective_exclusion(remedies.CategoryRule(*row) for row in rows)


def product_exclusion(product) -> str:
    """The exclusion of the product's category, read once per product instance: a filing's
    checks (the form's, then the service's on the product the form read) ask it again."""
    category_id = getattr(product, "category_id", None)
    known = getattr(product, "_remedy_exclusion", None)
    if known is not None and known[0] == category_id:
        return known[1]
    exclusion = category_exclusion(category_id)
    if product is not None:
        product._remedy_exclusion = (category_id, exclusion)
    return exclusion


def opened_matters(product) -> bool:
    """Whether the complaint form asks if the goods were opened (digital, audio-video)."""
    return remedies.opened_matters(product_exclusion(product))


class RemedyOptions(list):
    """The form's remedy list, which also says whether to ask if the goods were opened."""

    opened_matters = False
    windows: dict = remedies.DEFAULT_WINDOWS


def remedy_windows(at=None) -> dict:
    """The window lengths in force (versioned policy)."""
    return policies.get(REMEDY_WINDOWS, at=at)


def remedy_eligibility(
    remedy: str,
    *,
    complaint_type: str,
    product,
    delivered_at,
    now=None,
    opened: bool | None = None,
    exclusion: str | None = None,
    windows: dict | None = None,
):
    """Whether the purchase is still eligible for `remedy` (complaints.remedies), reading the
    product's category exclusion (inherited) and the windows in force, only for remedies
    that depend on them (the windowed ones): "other", the delivery remedies and a refund
    that is always open need neither, and a filing asking for them reads nothing."""
    now = now or timezone.now()
    if not remedies.needs_facts(remedy, complaint_type):
        exclusion = exclusion or remedies.NOT_EXCLUDED
        windows = windows or remedies.DEFAULT_WINDOWS
    return remedies.eligibility(
        remedy,
        complaint_type=complaint_type,
        delivered_at=delivered_at,
        now=now,
        exclusion=product_exclusion(product) if exclusion is None else exclusion,
        opened=opened,
        windows=windows or remedy_windows(now),
        time_zone=settings.TIME_ZONE,
    )


def explain(verdict: remedies.Eligibility) -> str:
    """The consumer-facing reason for a remedy verdict."""
    texts = {
        "within_window": _("%(days)s-day window, open until %(day)s"),
        "within_window_if_sealed": _(
            "%(days)s-day window, open until %(day)s if the goods are still sealed "
            "(opened digital or audio-video goods are excluded from the no-reason return)"
        ),
        "defect_window": _(
            "%(days)s-day window for a quality defect, counterfeit or safety hazard, open "
            "until %(day)s whatever the category"
        ),
        "window_passed": _("the %(days)s-day window ended on %(day)s"),
        "excluded_category": _(
            "this category is excluded from the 7-day no-reason return (made-to-order, "
            "perishable, opened digital or audio-video goods, newspapers and periodicals); "
            "a quality defect, counterfeit or safety hazard still gives return and refund"
        ),
        "excluded_opened": _(
            "opened digital or audio-video goods are excluded from the no-reason return; a "
            "quality defect, counterfeit or safety hazard still gives return and refund"
        ),
        "not_delivered": _("only once the goods have been delivered"),
        "delivery_problem": _("delivery delay or damage gives full compensation or reshipment"),
        "not_a_delivery_problem": _("only for delivery delay or damage"),
        "always": _("always possible"),
    }
    return texts[verdict.reason] % {"day": verdict.last_day, "days": verdict.days}


@dataclass(frozen=True)
class RemedyOption:
    """One line of the form's remedy list: may the consumer still ask for it, and why."""

    remedy: str
    label: str
    eligible: bool
    why: str


def remedy_options(
    *, complaint_type: str, product=None, delivered_at=None, now=None, opened=None
) -> RemedyOptions:
    """Every remedy with the engine's verdict for this purchase (remedy_eligibility); the
    category and the policy are read once."""
    now = now or timezone.now()
    exclusion = product_exclusion(product)
    windows = remedy_windows(now)
    options = RemedyOptions()
    options.opened_matters = remedies.opened_matters(exclusion)
    options.windows = windows
    for remedy, label in Case.Remedy.choices:
        verdict = remedy_eligibility(
            remedy,
            complaint_type=complaint_type or "",
            product=product,
            delivered_at=delivered_at,
            now=now,
            opened=opened,
            exclusion=exclusion,
            windows=windows,
        )
        options.append(RemedyOption(remedy, str(label), verdict.eligible, explain(verdict)))
    return options
