"""Writes and decisions about merchants. Other apps call these, never the models directly."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_decision
from core.exceptions import DomainError
from core.models import Category
from merchants.models import Document, DocumentType, Merchant, Restriction
from merchants.selectors import active_restrictions


@dataclass
class SellingRights:
    allowed: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self):
        return self.allowed


def holds_test_report(merchant, category) -> Exists:
    """The test-report half of the category gate as a query expression: the merchant holds
    an accepted test report for the category. `merchant` and `category` are ids or outer
    references, so set-based statements ask exactly what `can_sell` asks. (An accepted
    report that expired is the daily sweep's business: it restricts the category.)"""
    return Exists(
        Document.objects.filter(
            merchant=merchant,
            category=category,
            document_type=DocumentType.TEST_REPORT,
            status=Document.Status.ACCEPTED,
        )
    )


def selling_categories(merchant: Merchant):
    """The categories the merchant is cleared to sell in: its own, each with an accepted
    test report (restrictions aside). Product forms offer these."""
    return merchant.categories.filter(holds_test_report(merchant.pk, OuterRef("pk")))


def selling_rights(merchant: Merchant, category=None, *, at=None) -> SellingRights:
    """May this merchant sell (in this category) now? The one place this is decided: a live
    merchant, the category its own with an approved test report, no restriction open."""
    reasons = []
    if not merchant.is_live:
        reasons.append(_("The merchant is %(status)s.") % {"status": merchant.get_status_display()})
    if category is not None and not merchant.categories.filter(pk=category.pk).exists():
        reasons.append(
            _("The merchant is not approved to sell in %(category)s.") % {"category": category}
        )
    elif category is not None and not selling_categories(merchant).filter(pk=category.pk).exists():
        reasons.append(
            _(
                "The merchant has no approved test report for %(category)s; selling in it "
                "starts when one is approved."
            )
            % {"category": category}
        )
    scope = Q(category__isnull=True)
    if category is not None:
        scope |= Q(category=category)
    for restriction in active_restrictions(at=at).filter(scope, merchant=merchant):
        reasons.append(str(restriction))
    return SellingRights(allowed=not reasons, reasons=reasons)


def can_sell(merchant: Merchant, category=None, *, at=None) -> bool:
    """The one check of selling rights, for every page, service and task."""
    return selling_rights(merchant, category, at=at).allowed


def refuse_categories_without_report(merchant: Merchant, categories) -> None:
    """Adding categories to a live merchant directly (staff in the admin, the details
    service) grants nothing the category request would not: each new category needs the
    merchant's accepted test report for it, else the change is refused with the names."""
    if not (merchant.is_live or merchant.status == Merchant.Status.SUSPENDED):
        return
    current = set(merchant.categories.values_list("pk", flat=True))
    added = [c for c in categories if c.pk not in current]
    covered = set(
        Category.objects.filter(pk__in=[c.pk for c in added])
        .filter(holds_test_report(merchant.pk, OuterRef("pk")))
        .values_list("pk", flat=True)
    )
    missing = [str(c) for c in added if c.pk not in covered]
    if missing:
        raise DomainError(
            {
                "categories": _(
                    "No approved test report for %(categories)s: a live merchant gets a new "
                    "category through a category request with its test report."
                )
                % {"categories": ", ".join(missing)}
            },
            code="test_report_missing",
        )


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
