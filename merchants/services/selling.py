"""Writes and decisions about merchants. Other apps call these, never the models directly."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import batched_decisions, record_decision
from core.db import in_ids, insert_new
from core.decision_labels import reason_data
from core.exceptions import DomainError
from core.models import Category
from merchants import reason_texts
from merchants.models import Document, DocumentType, Merchant, Restriction
from merchants.selectors import active_restrictions


@dataclass
class SellingRights:
    """`codes`: why not, as (code, params) of merchants.reason_texts, so a stored reason is
    rendered in its reader's language; `reasons`: the same in the active language."""

    allowed: bool
    codes: list[tuple[str, dict]] = field(default_factory=list)

    def __bool__(self):
        return self.allowed

    @property
    def reasons(self) -> list[str]:
        return reason_texts.render_all(self.codes)

    @property
    def blocked(self) -> tuple[str, dict]:
        """All the reasons as one code and its parameters (a listing's status reason)."""
        return reason_texts.SELLING_RIGHTS_BLOCKED, {
            "reasons": [{"code": code, "params": params} for code, params in self.codes]
        }


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


class SellingRightsBook:
    """The selling rights of many merchants, read in a constant number of queries by
    `selling_rights_many`; `of(merchant_id, category)` judges one pair from memory with the
    rule `selling_rights` states for one merchant."""

    def __init__(self, *, merchants, approved, reported, restrictions):
        self._merchants = merchants
        self._approved = approved
        self._reported = reported
        self._restrictions = restrictions

    def of(self, merchant_id: int, category=None) -> SellingRights:
        merchant = self._merchants[merchant_id]
        category_id = getattr(category, "pk", category)
        codes = []
        if not merchant.is_live:
            codes.append((reason_texts.MERCHANT_NOT_LIVE, {"status": merchant.status}))
        if category_id is not None and (merchant_id, category_id) not in self._approved:
            codes.append((reason_texts.CATEGORY_NOT_APPROVED, {"category": category_id}))
        elif category_id is not None and (merchant_id, category_id) not in self._reported:
            codes.append((reason_texts.NO_TEST_REPORT, {"category": category_id}))
        for restriction in self._restrictions.get(merchant_id, ()):
            if restriction.category_id is None or restriction.category_id == category_id:
                codes.append(
                    (
                        reason_texts.RESTRICTION_IN_FORCE,
                        {
                            "merchant": str(merchant),
                            "kind": restriction.kind,
                            "category": restriction.category_id,
                        },
                    )
                )
        return SellingRights(allowed=not codes, codes=codes)


def selling_rights_many(merchants, *, categories=(), at=None) -> SellingRightsBook:
    """The selling rights of a set of merchants (Merchant objects or ids) in `categories`
    (Category objects or ids; none: merchant-wide only). Four queries at most, whatever the
    number of merchants: the merchants not given as objects, the merchants' approved
    categories, their accepted test reports, their restrictions in force. (Reasons are codes
    with category ids: no category is read here.)"""
    merchants = list(merchants)
    given = {m.pk: m for m in merchants if isinstance(m, Merchant)}
    ids = {getattr(m, "pk", m) for m in merchants}
    missing = ids - given.keys()
    if missing:
        given.update(
            (merchant.pk, merchant)
            for merchant in Merchant.objects.order_by().filter(in_ids("pk", missing))
        )
    category_ids = {getattr(c, "pk", c) for c in categories}
    approved, reported = set(), set()
    if category_ids:
        pairs = Merchant.categories.through.objects.filter(in_ids("merchant_id", ids))
        reports = Document.objects.filter(
            in_ids("merchant_id", ids),
            document_type=DocumentType.TEST_REPORT,
            status=Document.Status.ACCEPTED,
        )
        pairs = pairs.filter(category_id__in=category_ids)
        reports = reports.filter(category_id__in=category_ids)
        approved = set(pairs.values_list("merchant_id", "category_id"))
        # order_by(): the default ordering would put created_at into the DISTINCT.
        reported = set(reports.order_by().values_list("merchant_id", "category_id").distinct())
    scope = Q(category__isnull=True)
    if category_ids:
        scope |= Q(category_id__in=category_ids)
    restrictions: dict[int, list[Restriction]] = {}
    # Unordered: sorting 20,000 rows by the default ordering spilled to disk; each
    # merchant's few are put in that order (newest first) here.
    for restriction in (
        active_restrictions(at=at).filter(scope, in_ids("merchant_id", ids)).order_by()
    ):
        restrictions.setdefault(restriction.merchant_id, []).append(restriction)
    for found in restrictions.values():
        found.sort(key=lambda restriction: restriction.starts_at, reverse=True)
    return SellingRightsBook(
        merchants=given, approved=approved, reported=reported, restrictions=restrictions
    )


def selling_rights(merchant: Merchant, category=None, *, at=None) -> SellingRights:
    """May this merchant sell (in this category) now? The one place this is decided: a live
    merchant, the category its own with an approved test report, no restriction open.
    (`SellingRightsBook.of` states it; this asks for one merchant.)"""
    categories = [] if category is None else [category]
    return selling_rights_many([merchant], categories=categories, at=at).of(merchant.pk, category)


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


@dataclass(frozen=True)
class RestrictionSpec:
    """One restriction to open (`restrict_many`): the arguments of `restrict`."""

    merchant: Merchant | int
    kind: str
    reason: str
    source: str
    category: Category | int | None = None
    detail: str = ""
    reason_code: str = ""
    reason_params: dict | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class LiftSpec:
    """The open restrictions of one cause to lift (`lift_many`): the arguments of `lift`."""

    merchant: Merchant | int
    reason: str
    source: str
    note: str = ""
    reason_code: str = ""
    reason_params: dict | None = None


@transaction.atomic
def restrict(
    *,
    merchant: Merchant,
    kind: str,
    reason: str,
    source: str,
    category=None,
    detail: str = "",
    reason_code: str = "",
    reason_params: dict | None = None,
    starts_at=None,
    ends_at=None,
    by=None,
) -> Restriction | None:
    """Open a restriction unless the same cause already has one open (then None).

    Staff give `detail` as text; the system gives `reason_code` and `reason_params`
    (merchants.reason_texts) so the reason is shown in each reader's language."""
    spec = RestrictionSpec(
        merchant=merchant,
        kind=kind,
        reason=reason,
        source=source,
        category=category,
        detail=detail,
        reason_code=reason_code,
        reason_params=reason_params,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    opened = restrict_many([spec], by=by)
    return opened[0] if opened else None


@transaction.atomic
def restrict_many(specs, *, by=None) -> list[Restriction]:
    """Open many restrictions in a constant number of statements: one INSERT that skips
    each cause already open (the constraint that makes `restrict` idempotent), one INSERT
    of their decisions, and the listeners told once about every merchant that got one.
    Returns the restrictions opened, in the order given."""
    now = timezone.now()
    created_by = by if getattr(by, "is_authenticated", False) else None
    opened = insert_new(
        (
            Restriction(
                merchant_id=getattr(spec.merchant, "pk", spec.merchant),
                category_id=getattr(spec.category, "pk", spec.category),
                kind=spec.kind,
                reason=spec.reason,
                source=spec.source,
                detail=spec.detail,
                reason_code=spec.reason_code,
                reason_params=spec.reason_params or {},
                starts_at=spec.starts_at or now,
                ends_at=spec.ends_at,
                created_by=created_by,
            )
            for spec in specs
        ),
        key=("merchant", "reason", "source"),
        conflict="(merchant_id, reason, source) WHERE lifted_at IS NULL",
    )
    with batched_decisions():
        for restriction in opened:
            record_decision(
                restriction,
                action="restrict",
                to_state=restriction.kind,
                actor=by,
                reason=restriction.detail,
                data=reason_data(restriction.reason_code, restriction.reason_params),
            )
    after_restrictions_change(restriction.merchant_id for restriction in opened)
    return opened


@transaction.atomic
def lift(
    *,
    merchant: Merchant,
    reason: str,
    source: str,
    by=None,
    note: str = "",
    reason_code: str = "",
    reason_params: dict | None = None,
) -> int:
    """Lift the open restrictions of one cause. Returns how many were lifted. `note`:
    staff's words; the system gives a code and its parameters instead."""
    spec = LiftSpec(
        merchant=merchant,
        reason=reason,
        source=source,
        note=note,
        reason_code=reason_code,
        reason_params=reason_params,
    )
    return lift_many([spec], by=by)


_LIFT = """
    UPDATE merchants_restriction r SET lifted_at = %s, lifted_by_id = %s
    FROM (VALUES {values}) AS given (position, merchant_id, reason, source)
    WHERE r.merchant_id = given.merchant_id AND r.reason = given.reason
      AND r.source = given.source AND r.lifted_at IS NULL
    RETURNING r.id, r.merchant_id, r.kind, given.position
"""


@transaction.atomic
def lift_many(specs, *, by=None) -> int:
    """Lift the open restrictions of many causes in a constant number of statements: one
    UPDATE, one INSERT of their decisions, the listeners told once about every merchant
    that had one lifted. Returns how many were lifted."""
    specs = list(specs)
    if not specs:
        return 0
    lifted_by = by if getattr(by, "is_authenticated", False) else None
    values = ", ".join(["(%s::int, %s::bigint, %s, %s)"] * len(specs))
    params = [timezone.now(), getattr(lifted_by, "pk", None)]
    for position, spec in enumerate(specs):
        params += [position, getattr(spec.merchant, "pk", spec.merchant), spec.reason, spec.source]
    with connection.cursor() as cursor:
        cursor.execute(_LIFT.format(values=values), params)
        lifted = sorted(cursor.fetchall(), key=lambda row: (row[3], row[0]))
    with batched_decisions():
        for pk, _merchant_id, kind, position in lifted:
            spec = specs[position]
            record_decision(
                Restriction(pk=pk),
                action="lift",
                from_state=kind,
                to_state="lifted",
                actor=by,
                reason="" if spec.reason_code else spec.note,
                data=reason_data(spec.reason_code, spec.reason_params),
            )
    after_restrictions_change(row[1] for row in lifted)
    return len(lifted)


# Higher layers (products) subscribe to restriction changes to restrict their listings,
# without this layer importing them. A listener registered with many=True is called once
# with the ids of every merchant that changed (a sweep restricts thousands at once); the
# others once per merchant, with the Merchant.
RESTRICTION_LISTENERS: list = []
RESTRICTION_SET_LISTENERS: list = []


def on_restriction_change(listener, *, many: bool = False):
    (RESTRICTION_SET_LISTENERS if many else RESTRICTION_LISTENERS).append(listener)
    return listener


def _after_restriction_change(merchant: Merchant) -> None:
    for listener in RESTRICTION_SET_LISTENERS:
        listener([merchant.pk])
    for listener in RESTRICTION_LISTENERS:
        listener(merchant)


def after_restrictions_change(merchant_ids) -> None:
    """Tell the listeners that the restrictions of these merchants changed: set listeners
    once with all ids, per-merchant listeners (if any) once per merchant."""
    merchant_ids = sorted(set(merchant_ids))
    if not merchant_ids:
        return
    for listener in RESTRICTION_SET_LISTENERS:
        listener(merchant_ids)
    if RESTRICTION_LISTENERS:
        for merchant in Merchant.objects.filter(pk__in=merchant_ids):
            for listener in RESTRICTION_LISTENERS:
                listener(merchant)
