"""Writes and decisions about merchants. Other apps call these, never the models directly."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_decision
from merchants.models import Merchant, Restriction
from merchants.selectors import active_restrictions


@dataclass
class SellingRights:
    allowed: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self):
        return self.allowed


def selling_rights(merchant: Merchant, category=None, *, at=None) -> SellingRights:
    """May this merchant sell (in this category) now? The one place this is decided."""
    reasons = []
    if not merchant.is_live:
        reasons.append(_("The merchant is %(status)s.") % {"status": merchant.get_status_display()})
    if category is not None and not merchant.categories.filter(pk=category.pk).exists():
        reasons.append(
            _("The merchant is not approved to sell in %(category)s.") % {"category": category}
        )
    scope = Q(category__isnull=True)
    if category is not None:
        scope |= Q(category=category)
    for restriction in active_restrictions(at=at).filter(scope, merchant=merchant):
        reasons.append(str(restriction))
    return SellingRights(allowed=not reasons, reasons=reasons)


def can_sell(merchant: Merchant, category=None, *, at=None) -> bool:
    return selling_rights(merchant, category, at=at).allowed


@transaction.atomic
def restrict(
    *,
    merchant: Merchant,
    kind: str,
    reason: str,
    source: str,
    category=None,
    detail: str = "",
    starts_at=None,
    ends_at=None,
    by=None,
) -> Restriction | None:
    """Open a restriction unless the same cause already has one open (then None)."""
    try:
        with transaction.atomic():
            restriction = Restriction.objects.create(
                merchant=merchant,
                category=category,
                kind=kind,
                reason=reason,
                source=source,
                detail=detail,
                starts_at=starts_at or timezone.now(),
                ends_at=ends_at,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
    except IntegrityError:
        return None
    record_decision(restriction, action="restrict", to_state=kind, actor=by, reason=detail)
    _after_restriction_change(merchant)
    return restriction


@transaction.atomic
def lift(*, merchant: Merchant, reason: str, source: str, by=None, note: str = "") -> int:
    """Lift the open restrictions of one cause. Returns how many were lifted."""
    open_ones = list(
        Restriction.objects.select_for_update().filter(
            merchant=merchant, reason=reason, source=source, lifted_at__isnull=True
        )
    )
    now = timezone.now()
    for restriction in open_ones:
        restriction.lifted_at = now
        restriction.lifted_by = by if getattr(by, "is_authenticated", False) else None
        restriction.save(update_fields=["lifted_at", "lifted_by"])
        record_decision(
            restriction,
            action="lift",
            from_state=restriction.kind,
            to_state="lifted",
            actor=by,
            reason=note,
        )
    if open_ones:
        _after_restriction_change(merchant)
    return len(open_ones)


# Higher layers (products) subscribe to restriction changes to restrict their listings,
# without this layer importing them.
RESTRICTION_LISTENERS: list = []


def on_restriction_change(listener):
    RESTRICTION_LISTENERS.append(listener)
    return listener


def _after_restriction_change(merchant: Merchant) -> None:
    for listener in RESTRICTION_LISTENERS:
        listener(merchant)
