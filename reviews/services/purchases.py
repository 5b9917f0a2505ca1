"""Purchases imported from the storefront in batches.

A batch is all or nothing: every row is checked first (set-based lookups, no per-row
queries), and if any row is bad nothing is written and each bad row is reported with its
field errors. Good batches are upserted by order line with INSERT ... ON CONFLICT DO UPDATE,
so sending the same batch twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.audit import SYSTEM
from core.exceptions import DomainError
from core.models import Decision
from products.models import Product
from products.services import create_lots, lot_reused_error, lots_for_numbers
from reviews import identity
from reviews.models import Purchase
from reviews.services.tokens import new_token

MAX_BATCH = 100_000
# Storefront clocks may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)
UPSERT_FIELDS = ["consumer", "product", "merchant", "lot", "quantity", "paid_at", "delivered_at"]
# Once a line has a review or rating, who bought what from whom is fixed.
FROZEN_FIELDS = ("consumer", "product_id", "merchant_id")


class ImportRejected(DomainError):
    """The batch had bad rows; `rows` lists them with their field errors."""

    def __init__(self, rows: list[dict]):
        super().__init__(
            _("%(n)d of the rows are invalid; nothing was imported.") % {"n": len(rows)},
            code="import_rejected",
        )
        self.rows = rows


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # For new lines only: the review link to hand to the consumer (shown once).
    links: list[dict] = field(default_factory=list)


@dataclass
class _Row:
    index: int
    order_number: str = ""
    line: int | None = None
    lot_number: str = ""
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def key(self):
        return (self.order_number, self.line)


def review_url(token: str) -> str:
    return review_url_template().replace("TOKEN", token)


def review_url_template() -> str:
    """The link with "TOKEN" for the token: reversed once per batch, not once per line."""
    return settings.SITE_URL.rstrip("/") + reverse("reviews:write", args=["TOKEN"])


def _positive_int(row: _Row, raw: dict, name: str) -> int | None:
    value = raw.get(name)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        row.error(name, _("A whole number is required."))
        return None
    if value < 1:
        row.error(name, _("Must be at least 1."))
        return None
    return value


def _moment(row: _Row, raw: dict, name: str, *, required: bool) -> datetime | None:
    value = raw.get(name)
    if value in (None, ""):
        if required:
            row.error(name, _("This field is required."))
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        row.error(name, _("Not a date and time; use ISO 8601, e.g. 2026-03-01T10:00:00+08:00."))
        return None
    if timezone.is_naive(parsed):
        row.error(name, _("The time must include its UTC offset, e.g. +08:00."))
        return None
    return parsed


def _text(row: _Row, raw: dict, name: str, max_length: int) -> str:
    value = raw.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        row.error(name, _("This field is required."))
    elif len(value) > max_length:
        row.error(name, _("At most %(n)d characters.") % {"n": max_length})
    return value


def _parse(index: int, raw, now: datetime) -> _Row:
    row = _Row(index)
    if not isinstance(raw, dict):
        row.error("row", _("Each row must be an object."))
        return row
    row.order_number = _text(row, raw, "order_number", 64)
    row.line = _positive_int(row, raw, "line")
    consumer = identity.normalize(_text(row, raw, "consumer", 200))
    product_id = _positive_int(row, raw, "product")
    merchant_id = _positive_int(row, raw, "merchant")
    quantity = _positive_int(row, raw, "quantity")
    paid_at = _moment(row, raw, "paid_at", required=True)
    delivered_at = _moment(row, raw, "delivered_at", required=False)
    lot = raw.get("lot")
    if lot in (None, ""):
        row.lot_number = ""
    elif not isinstance(lot, str) or not lot.strip():
        row.error("lot", _("The lot number must be text."))
    elif len(lot.strip()) > 64:
        row.error("lot", _("At most %(n)d characters.") % {"n": 64})
    else:
        row.lot_number = lot.strip()
    if paid_at and paid_at > now + CLOCK_SKEW:
        row.error("paid_at", _("Cannot be in the future."))
    if delivered_at:
        if delivered_at > now + CLOCK_SKEW:
            row.error("delivered_at", _("Cannot be in the future."))
        if paid_at and delivered_at < paid_at:
            row.error("delivered_at", _("Cannot be before the payment."))
    row.values = {
        "consumer": consumer,
        "product_id": product_id,
        "merchant_id": merchant_id,
        "lot_id": None,
        "quantity": quantity,
        "paid_at": paid_at,
        "delivered_at": delivered_at,
    }
    return row


def _existing_lines(rows: list[_Row]) -> dict:
    """The stored lines of this batch, in one query (unnest join, not a per-row lookup)."""
    if not rows:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.order_number, p.line, p.consumer, p.product_id, p.merchant_id, p.lot_id,
                   p.quantity, p.paid_at, p.delivered_at, p.id,
                   EXISTS (SELECT 1 FROM reviews_productreview r WHERE r.purchase_id = p.id)
                   OR EXISTS (SELECT 1 FROM reviews_servicerating s WHERE s.purchase_id = p.id)
            FROM reviews_purchase p
            JOIN unnest(%s::text[], %s::integer[]) AS b(order_number, line)
              ON p.order_number = b.order_number AND p.line = b.line
            """,
            [[r.order_number for r in rows], [r.line for r in rows]],
        )
        columns = [
            "consumer",
            "product_id",
            "merchant_id",
            "lot_id",
            "quantity",
            "paid_at",
            "delivered_at",
            "id",
        ]
        return {
            (rec[0], rec[1]): (dict(zip(columns, rec[2:10], strict=True)), rec[10])
            for rec in cursor.fetchall()
        }


def _check_against_database(rows: list[_Row]) -> dict:
    products = dict(
        Product.objects.filter(
            pk__in={r.values["product_id"] for r in rows if r.values.get("product_id")}
        ).values_list("pk", "merchant_id")
    )
    for row in rows:
        product_id, merchant_id = row.values["product_id"], row.values["merchant_id"]
        if product_id is None:
            continue
        if product_id not in products:
            row.error("product", _("Unknown product %(id)s.") % {"id": product_id})
        elif merchant_id is not None and products[product_id] != merchant_id:
            row.error(
                "merchant",
                _("Product %(id)s is not sold by merchant %(merchant)s.")
                % {"id": product_id, "merchant": merchant_id},
            )
    _resolve_lots(rows)
    existing = _existing_lines([r for r in rows if not r.errors])
    for row in rows:
        if row.errors or row.key not in existing:
            continue
        stored, reviewed = existing[row.key]
        if reviewed and any(stored[f] != row.values[f] for f in FROZEN_FIELDS):
            row.error(
                "line",
                _(
                    "This order line already has a review or rating; its consumer, product "
                    "and merchant cannot change."
                ),
            )
        elif reviewed and stored["delivered_at"] and row.values["delivered_at"] is None:
            row.error("delivered_at", _("This reviewed line was delivered; it cannot be undone."))
    return existing


def _resolve_lots(rows: list[_Row]) -> None:
    """Lot numbers name a lot of the row's product within its merchant: found or created
    set-based (one lookup, one insert of the new ones). A number already used for another
    product, in the database or earlier in the batch, is an error of that row."""
    wanted: dict[tuple[int, str], tuple[int, _Row]] = {}
    for row in rows:
        if row.errors or not row.lot_number:
            continue
        key = (row.values["merchant_id"], row.lot_number)
        product_id = row.values["product_id"]
        first = wanted.setdefault(key, (product_id, row))
        if first[0] != product_id:
            row.error(
                "lot",
                _("Lot number %(lot)s is given for product %(other)s in row %(row)d.")
                % {"lot": row.lot_number, "other": first[0], "row": first[1].index},
            )
    if not wanted:
        return
    stored = lots_for_numbers(set(wanted))
    reused = {
        key for key, (product, _r) in wanted.items() if key in stored and stored[key][1] != product
    }
    if reused:
        titles = dict(
            Product.objects.filter(pk__in={stored[key][1] for key in reused}).values_list(
                "pk", "title"
            )
        )
        for row in rows:
            key = (row.values.get("merchant_id"), row.lot_number)
            if key in reused and not row.errors:
                row.error("lot", lot_reused_error(key[1], titles.get(stored[key][1])))
    if any(row.errors for row in rows):
        return
    missing = {key: product for key, (product, _r) in wanted.items() if key not in stored}
    if missing:
        stored.update(create_lots(missing))
    for row in rows:
        if row.lot_number:
            row.values["lot_id"] = stored[(row.values["merchant_id"], row.lot_number)][0]


def _report(row: _Row) -> dict:
    return {
        "row": row.index,
        "order_number": row.order_number,
        "line": row.line,
        "errors": row.errors,
    }


@transaction.atomic
def import_purchases(*, rows: list, by=None) -> ImportResult:
    """Check the whole batch, then upsert it by order line; raise ImportRejected if any row
    is bad (nothing is written)."""
    if not isinstance(rows, list) or not rows:
        raise DomainError(_("Send a non-empty list of purchases."), code="empty_batch")
    if len(rows) > MAX_BATCH:
        raise DomainError(
            _("At most %(n)d purchases per batch.") % {"n": MAX_BATCH}, code="batch_too_large"
        )
    now = timezone.now()
    parsed = [_parse(index, raw, now) for index, raw in enumerate(rows)]
    seen = set()
    for row in parsed:
        if row.order_number and row.line:
            if row.key in seen:
                row.error("line", _("This order line appears twice in the batch."))
            seen.add(row.key)
    existing = _check_against_database(parsed)
    bad = [_report(row) for row in parsed if row.errors]
    if bad:
        raise ImportRejected(bad)

    result = ImportResult()
    to_write, tokens, changes = [], {}, []
    for row in parsed:
        stored = existing.get(row.key)
        if stored is not None:
            changed = {
                name: [stored[0][name], value]
                for name, value in row.values.items()
                if stored[0][name] != value
            }
            if not changed:
                result.unchanged += 1
                continue
            changes.append((stored[0]["id"], changed))
        purchase = Purchase(order_number=row.order_number, line=row.line, **row.values)
        if stored is None:
            token, purchase.review_token_hash = new_token()
            tokens[row.key] = token
        to_write.append(purchase)
    if not to_write:
        return result
    _record_changes(changes, by=by)
    Purchase.objects.bulk_create(
        to_write,
        update_conflicts=True,
        unique_fields=["order_number", "line"],
        update_fields=[*UPSERT_FIELDS, "updated_at"],
        batch_size=5000,
    )
    # A line another batch inserted since our check keeps that batch's token: only the
    # lines whose stored hash is ours are new, and only their links are handed out.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, review_token_hash FROM reviews_purchase WHERE id = ANY(%s)",
            [[p.pk for p in to_write]],
        )
        stored_hashes = dict(cursor.fetchall())
    template = review_url_template()
    for purchase in to_write:
        key = (purchase.order_number, purchase.line)
        if key in tokens and stored_hashes.get(purchase.pk) == purchase.review_token_hash:
            result.created += 1
            result.links.append(
                {
                    "id": purchase.pk,
                    "order_number": purchase.order_number,
                    "line": purchase.line,
                    "review_url": template.replace("TOKEN", tokens[key]),
                }
            )
        else:
            result.updated += 1
    return result


def _record_changes(changes: list, *, by) -> None:
    """One decision per changed stored line, with old and new values, in one insert."""
    if not changes:
        return
    content_type = ContentType.objects.get_for_model(Purchase)
    actor = by if getattr(by, "is_authenticated", False) else None
    Decision.objects.bulk_create(
        [
            Decision(
                content_type=content_type,
                object_id=str(pk),
                action="storefront_update",
                actor=actor,
                actor_label="" if actor else SYSTEM,
                data={"changed": json.loads(json.dumps(changed, cls=DjangoJSONEncoder))},
            )
            for pk, changed in changes
        ],
        batch_size=5000,
    )


@transaction.atomic
def issue_review_link(*, purchase: Purchase) -> str:
    """A fresh review link for a line (the storefront lost it); the old one stops working."""
    token, purchase.review_token_hash = new_token()
    purchase.save(update_fields=["review_token_hash", "updated_at"])
    return review_url(token)
