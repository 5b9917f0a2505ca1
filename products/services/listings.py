"""Products and their listing status: create, edit, restrict, delist, relist."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Workflow, record_decision
from core.db import in_ids
from core.exceptions import DomainError, NotAllowed
from core.uploads import atomic_with_uploads, store_upload, validate_upload
from merchants import reason_texts
from merchants.selectors import merchant_of
from merchants.services import reason_data, selling_rights, selling_rights_many
from products.models import Product
from products.services.claim_review import scan_product

MAX_IMAGES = 9
EDITABLE_FIELDS = ("sku", "title", "description", "price", "category")

LISTING = Workflow(
    "status",
    {
        Product.Status.LISTED: {Product.Status.RESTRICTED, Product.Status.DELISTED},
        Product.Status.RESTRICTED: {Product.Status.LISTED, Product.Status.DELISTED},
        Product.Status.DELISTED: {Product.Status.LISTED},
    },
    labels=dict(Product.Status.choices),
)


def _check_can_sell(merchant, category) -> None:
    rights = selling_rights(merchant, category)
    if not rights:
        raise DomainError(
            {
                "category": _("%(merchant)s may not list products in %(category)s: %(reasons)s")
                % {"merchant": merchant, "category": category, "reasons": " ".join(rights.reasons)}
            },
            code="cannot_sell",
        )


def _check_open(category) -> None:
    if not category.active:
        raise DomainError(
            {"category": _("%(category)s is closed for new listings.") % {"category": category}},
            code="category_closed",
        )


def _check_owner(product: Product, by) -> None:
    """A merchant user may only touch their own merchant's products."""
    merchant = merchant_of(by)
    if merchant is not None and merchant.pk != product.merchant_id:
        raise NotAllowed(_("This product belongs to another merchant."), code="not_owner")


def _clean_fields(merchant, fields: dict, product: Product | None = None) -> dict:
    errors = {}
    cleaned = dict(fields)
    if "title" in cleaned:
        cleaned["title"] = " ".join((cleaned["title"] or "").split())
        if not cleaned["title"]:
            errors["title"] = _("A product needs a title.")
        elif len(cleaned["title"]) > 200:
            errors["title"] = _("The title is longer than 200 characters.")
    if "sku" in cleaned:
        cleaned["sku"] = (cleaned["sku"] or "").strip()
        if not cleaned["sku"]:
            errors["sku"] = _("A product needs a SKU.")
        else:
            taken = Product.objects.filter(merchant=merchant, sku=cleaned["sku"])
            if product is not None:
                taken = taken.exclude(pk=product.pk)
            if taken.exists():
                errors["sku"] = _("You already have a product with this SKU.")
    if "price" in cleaned:
        try:
            price = Decimal(str(cleaned["price"]))
        except (InvalidOperation, ValueError):
            price = None
        if price is None or not price.is_finite() or price <= 0 or price >= Decimal("1e10"):
            errors["price"] = _("The price must be a positive amount.")
        else:
            cleaned["price"] = price.quantize(Decimal("0.01"))
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()
    if errors:
        raise DomainError(errors)
    return cleaned


def _check_images(files, already: int = 0) -> None:
    files = list(files)
    if already + len(files) > MAX_IMAGES:
        raise DomainError({"images": _("At most %(n)d images per product.") % {"n": MAX_IMAGES}})
    for file in files:
        try:
            checked = validate_upload(file)
        except ValidationError as exc:
            raise DomainError(
                {"images": _("%(name)s: %(error)s") % {"name": file.name, "error": exc.messages[0]}}
            ) from exc
        if not checked.content_type.startswith("image/"):
            raise DomainError(
                {"images": _("%(name)s is not an image (JPEG or PNG).") % {"name": file.name}}
            )


@atomic_with_uploads()
def create_product(
    *, merchant, category, sku, title, price, description="", images=(), by=None
) -> Product:
    """List a product. Refused, with the reasons, when the merchant may not sell in the
    category; every image is checked before anything is stored."""
    _check_open(category)
    _check_can_sell(merchant, category)
    fields = _clean_fields(
        merchant, {"sku": sku, "title": title, "description": description, "price": price}
    )
    _check_images(images)
    product = Product.objects.create(
        merchant=merchant,
        category=category,
        status=Product.Status.LISTED,
        status_changed_at=timezone.now(),
        status_changed_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    if images:
        product.images.add(*(store_upload(file, uploaded_by=by) for file in images))
    record_decision(product, action="list", to_state=Product.Status.LISTED, actor=by)
    scan_product(product)
    return product


@atomic_with_uploads()
def update_product(*, product: Product, by=None, add_images=(), remove_images=(), **fields):
    """Edit a product. Changing it requires the right to sell in its (new) category; a
    changed title or description is scanned again."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    product = Product.objects.select_for_update().get(pk=product.pk)
    _check_owner(product, by)
    new_category = fields.get("category")
    if new_category is not None and new_category.pk != product.category_id:
        _check_open(new_category)
    _check_can_sell(product.merchant, new_category or product.category)
    cleaned = _clean_fields(product.merchant, fields, product)
    remove_ids = {str(getattr(u, "pk", u)) for u in remove_images}
    kept = product.images.exclude(pk__in=remove_ids).count()
    _check_images(add_images, already=kept)
    rescan = any(
        name in cleaned and cleaned[name] != getattr(product, name)
        for name in ("title", "description")
    )
    for name, value in cleaned.items():
        setattr(product, name, value)
    product.save()
    if remove_ids:
        product.images.remove(*product.images.filter(pk__in=remove_ids))
    if add_images:
        product.images.add(*(store_upload(file, uploaded_by=by) for file in add_images))
    if rescan:
        scan_product(product)
    return product


def _move(
    product,
    to,
    *,
    by,
    reason="",
    reason_code="",
    reason_params=None,
    evidence="",
    cause="",
    action,
    data=None,
):
    """`reason`: staff's words; the system gives a code of merchants.reason_texts and its
    parameters instead, so the reason reads in each reader's language."""
    reason = "" if reason_code else (reason or "").strip()
    if not reason and not reason_code:
        raise DomainError({"reason": _("Give the reason for this decision.")})
    product.status_reason = reason
    product.status_reason_code = reason_code
    product.status_reason_params = reason_params or {}
    product.status_evidence = (evidence or "")[:200]
    product.status_cause = cause
    product.status_changed_by = by if getattr(by, "is_authenticated", False) else None
    product.status_changed_at = timezone.now()
    decision = LISTING.apply(
        product,
        to,
        actor=by,
        reason=reason,
        action=action,
        data={
            "cause": cause,
            "evidence": product.status_evidence,
            **reason_data(reason_code, reason_params),
            **(data or {}),
        },
        update_fields=[
            "status_reason",
            "status_reason_code",
            "status_reason_params",
            "status_evidence",
            "status_cause",
            "status_changed_by",
            "status_changed_at",
            "updated_at",
        ],
    )
    _tell_merchant(product, decision)
    return decision


def _tell_merchant(product: Product, decision) -> None:
    """Alert the merchant's users that a listing changed status, and why."""
    from django.urls import reverse

    from core.alerts import AlertSpec, raise_alerts

    url = reverse("products:merchant-product-edit", args=[product.pk])
    raise_alerts(
        [
            AlertSpec(
                kind="listing_status",
                key=f"listing_status:decision:{decision.pk}:user:{user_id}",
                user_id=user_id,
                obj=product,
                payload={
                    "product": product.title,
                    "status": product.status,  # a code: the reader's language at reading
                    # Words or a code, read in the reader's language (products.apps).
                    "reason": reason_texts.quoted(
                        product.status_reason_code,
                        product.status_reason_params,
                        product.status_reason,
                    ),
                },
                url=url,
            )
            for user_id in product.merchant.memberships.values_list("user_id", flat=True)
        ]
    )


def _locked(product) -> Product:
    return Product.objects.select_for_update().get(pk=product.pk)


@transaction.atomic
def restrict_listing(
    *,
    product: Product,
    by,
    reason: str = "",
    evidence: str = "",
    cause=Product.Cause.MANUAL,
    **coded,
) -> Product:
    """`coded`: the reason_code and reason_params of a reason the system writes."""
    product = _locked(product)
    _move(
        product,
        Product.Status.RESTRICTED,
        by=by,
        reason=reason,
        evidence=evidence,
        cause=cause,
        action="restrict",
        **coded,
    )
    return product


@transaction.atomic
def delist_listing(
    *,
    product: Product,
    by,
    reason: str = "",
    evidence: str = "",
    cause=Product.Cause.MANUAL,
    **coded,
) -> Product:
    """Take a product off sale. The inspections app delists with cause `quality`; such a
    product only comes back through `relist_after_reinspection`."""
    product = _locked(product)
    _move(
        product,
        Product.Status.DELISTED,
        by=by,
        reason=reason,
        evidence=evidence,
        cause=cause,
        action="delist",
        **coded,
    )
    return product


@transaction.atomic
def relist(*, product: Product, by, reason: str) -> Product:
    product = _locked(product)
    if product.status_cause == Product.Cause.QUALITY:
        raise DomainError(
            _(
                "This product was taken off sale for quality; it can only be relisted after "
                "a passed re-inspection."
            ),
            code="needs_reinspection",
        )
    if product.status_cause == Product.Cause.SANCTION:
        raise DomainError(
            _(
                "This product was delisted by a sanction; it comes back when the sanction is "
                "revoked (for example when the merchant's appeal is upheld)."
            ),
            code="sanction",
        )
    if product.status_cause == Product.Cause.SELLING_RIGHTS:
        raise DomainError(
            _(
                "This listing is restricted because the merchant may not sell in its category; "
                "it comes back by itself when that restriction is lifted."
            ),
            code="selling_rights",
        )
    if product.status_cause == Product.Cause.INCIDENT:
        raise DomainError(
            _(
                "This listing is suspended while a quality incident is investigated; it comes "
                "back when the incident's containment is lifted or the incident is dismissed."
            ),
            code="incident",
        )
    _check_can_sell(product.merchant, product.category)
    _move(product, Product.Status.LISTED, by=by, reason=reason, action="relist")
    return product


@transaction.atomic
def release_listing(
    *, product: Product, by, reason: str = "", cause: str, evidence: str = "", **coded
):
    """Lift a suspension this cause put on a listing (a quality incident's containment): the
    listing is listed again, or stays restricted for selling rights when the merchant may no
    longer sell in the category (it then comes back with those rights). A listing the cause
    no longer holds (delisted since, restricted for another reason) is left as it is.

    `coded`: the reason_code and reason_params of a reason the system writes."""
    product = _locked(product)
    if product.status != Product.Status.RESTRICTED or product.status_cause != cause:
        return product
    if not selling_rights(product.merchant, product.category):
        product.status_cause = Product.Cause.SELLING_RIGHTS
        product.save(update_fields=["status_cause", "updated_at"])
        record_decision(
            product,
            action="restrict",
            from_state=product.status,
            to_state=product.status,
            actor=by,
            reason=reason,
            data={
                "cause": Product.Cause.SELLING_RIGHTS,
                "evidence": evidence,
                **reason_data(coded.get("reason_code", ""), coded.get("reason_params")),
            },
        )
        return product
    _move(
        product,
        Product.Status.LISTED,
        by=by,
        reason=reason,
        evidence=evidence,
        action="relist",
        data={"released": cause},
        **coded,
    )
    return product


@transaction.atomic
def relist_after_reinspection(*, product: Product, inspection_ref: str, by=None) -> Product:
    """For the inspections app, once a re-inspection of this product has passed."""
    product = _locked(product)
    if product.status_cause != Product.Cause.QUALITY or product.status == Product.Status.LISTED:
        raise DomainError(_("This product is not off sale for quality."), code="not_quality")
    if not (inspection_ref or "").strip():
        raise DomainError(_("Name the passed re-inspection."))
    _check_can_sell(product.merchant, product.category)
    _move(
        product,
        Product.Status.LISTED,
        by=by,
        reason_code=reason_texts.REINSPECTION_PASSED,
        reason_params={"ref": inspection_ref},
        evidence=inspection_ref,
        action="relist_after_reinspection",
        data={"inspection": inspection_ref},
    )
    return product


# --- following the merchant's sanctions ---------------------------------------------------
def follow_sanction(sanction) -> None:
    """A merchants.on_sanction_change listener. A product delisting in force takes its
    product off sale (cause `sanction`, the sanction as evidence); revoked (e.g. an appeal
    upheld), the product is listed again, and restricted at once where the merchant may not
    sell. A product already off sale for another cause is left as it is."""
    if sanction.kind != "product_delisting" or sanction.product_id is None:
        return
    source = f"merchants.sanction:{sanction.pk}"
    product = _locked(sanction.product)
    if sanction.status == "active":
        if product.status == Product.Status.DELISTED:
            return
        _move(
            product,
            Product.Status.DELISTED,
            by=sanction.imposed_by,
            reason_code=reason_texts.DELISTED_BY_SANCTION,
            reason_params=reason_texts.quoted(
                sanction.reason_code, sanction.reason_params, sanction.reason
            ),
            evidence=source,
            cause=Product.Cause.SANCTION,
            action="delist",
            data={"sanction": sanction.pk},
        )
    elif sanction.status == "revoked":
        if (
            product.status != Product.Status.DELISTED
            or product.status_cause != Product.Cause.SANCTION
            or product.status_evidence != source
        ):
            return
        _move(
            product,
            Product.Status.LISTED,
            by=None,
            reason_code=reason_texts.DELISTING_REVOKED,
            reason_params=reason_texts.quoted(
                sanction.end_reason_code, sanction.end_reason_params, sanction.end_reason
            ),
            evidence=source,
            action="relist",
            data={"sanction": sanction.pk},
        )
        sync_listings_with_selling_rights(product.merchant)


# --- following the merchant's selling rights ---------------------------------------------
_SYNC = """
    WITH judged(merchant_id, category_id, blocked, params) AS (
        -- Every (merchant, category) pair judged, as one JSON parameter (three ARRAY[...] of
        -- 16,000 constants each took 0.2 s to parse). Joining the listings to the pairs
        -- reads the listings once; a LEFT JOIN of the blocked pairs needed a self-join.
        SELECT * FROM jsonb_to_recordset(%(judged)s::jsonb)
                      AS j(merchant_id bigint, category_id bigint, blocked boolean, params jsonb)
    ), changed AS (
        UPDATE products_product AS p
        SET status = CASE WHEN j.blocked THEN 'restricted' ELSE 'listed' END,
            status_cause = CASE WHEN j.blocked THEN 'selling_rights' ELSE '' END,
            status_reason = '',
            status_reason_code = CASE WHEN j.blocked THEN %(blocked_code)s ELSE %(lifted)s END,
            status_reason_params = COALESCE(j.params, '{}'::jsonb),
            status_evidence = '',
            status_changed_by_id = NULL,
            status_changed_at = %(now)s,
            updated_at = %(now)s
        FROM judged AS j
        WHERE p.merchant_id = j.merchant_id AND p.category_id = j.category_id
          AND ((p.status = 'listed' AND j.blocked)
               OR (p.status = 'restricted' AND p.status_cause = 'selling_rights'
                   AND NOT j.blocked))
        RETURNING p.id, p.status, p.status_reason_code, p.status_reason_params
    )
    INSERT INTO core_decision
        (content_type_id, object_id, action, from_state, to_state, actor_id, actor_label,
         reason, data, created_at)
    SELECT %(content_type)s, id::text,
           CASE status WHEN 'restricted' THEN 'restrict' ELSE 'relist' END,
           CASE status WHEN 'restricted' THEN 'listed' ELSE 'restricted' END,
           status, NULL, 'system', '',
           jsonb_build_object('cause', 'selling_rights', 'reason_code', status_reason_code,
                              'reason_params', status_reason_params),
           %(now)s
    FROM changed
"""


def sync_listings_of_merchants(merchants, *, now: datetime | None = None) -> int:
    """Restrict the listings of these merchants (ids or Merchant objects) where they may no
    longer sell, and lift the restrictions this put on listings where they may again. A
    constant number of statements whatever the number of merchants and listings: the
    (merchant, category) pairs of their listings that could change, their selling rights
    (`selling_rights_many`), and one UPDATE with a decision per listing. Registered as a
    set listener of merchants.services.on_restriction_change. Rights are judged, and the
    rows stamped, at the application's `now`. Returns how many listings changed."""
    now = now or timezone.now()
    merchants = list(merchants)
    merchant_ids = sorted({getattr(m, "pk", m) for m in merchants})
    pairs = list(
        Product.objects.filter(in_ids("merchant_id", merchant_ids))
        .filter(
            Q(status=Product.Status.LISTED)
            | Q(status=Product.Status.RESTRICTED, status_cause=Product.Cause.SELLING_RIGHTS)
        )
        .order_by()  # else the default ordering puts created_at into the DISTINCT
        .values_list("merchant_id", "category_id")
        .distinct()
    )
    if not pairs:
        return 0
    selling = {merchant_id for merchant_id, _c in pairs}
    book = selling_rights_many(
        [m for m in merchants if getattr(m, "pk", m) in selling],
        categories={category for _m, category in pairs},
        at=now,
    )
    judged = []
    for merchant_id, category_id in pairs:
        rights = book.of(merchant_id, category_id)
        judged.append(
            {
                "merchant_id": merchant_id,
                "category_id": category_id,
                "blocked": not rights,
                # Why, as codes (rendered in each reader's language), not words of this request.
                "params": None if rights else rights.blocked[1],
            }
        )
    with connection.cursor() as cursor:
        cursor.execute(
            _SYNC,
            {
                "judged": json.dumps(judged, ensure_ascii=False),
                "lifted": reason_texts.RESTRICTION_LIFTED,
                "blocked_code": reason_texts.SELLING_RIGHTS_BLOCKED,
                "content_type": ContentType.objects.get_for_model(Product).pk,
                "now": now,
            },
        )
        return cursor.rowcount


def sync_listings_with_selling_rights(merchant, *, now: datetime | None = None) -> int:
    """`sync_listings_of_merchants` for one merchant."""
    return sync_listings_of_merchants([merchant], now=now)
