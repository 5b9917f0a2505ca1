"""Selling under an expired document (rules catalogue: `expired_document_selling`), found
every day from the storefront's order lines.

A merchant sells under an expired document when one of its order lines was paid on or
after the expiry day of a required document still on file (accepted, not replaced): the
business licence for any product, a test report or a document a category rule requires
for products of that category and its sub-categories. The daily document sweep restricts
selling from the expiry day (merchants.services.onboarding); order lines the storefront
still took are the violation.

One statement finds every document sold under that has no violation yet (set-based,
whatever the number of merchants and order lines); each one found is recorded through
merchants.services.standing.record_violation with the document as its evidence, which is
idempotent per (document, rule) and applies the sanction ladder under the merchant's lock.
Order lines older than the points' life are not looked at: their points would already
have expired.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import formats, timezone

from core import policies
from core.exceptions import DomainError
from merchants import reason_texts
from merchants.models import CategoryDocumentRule, Document, DocumentType, ViolationEntry
from merchants.policies import POINTS
from merchants.services.standing import record_violation
from products.models import Product
from reviews.models import Purchase

logger = logging.getLogger(__name__)

RULE = "expired_document_selling"
# Merchants whose selling can still be in question (as the document sweep's `_LIVE`).
_LIVE = ("probation", "active", "suspended")

_SQL = f"""
WITH RECURSIVE tree (root, id) AS (
    SELECT id, id FROM core_category
    UNION ALL
    SELECT tree.root, c.id FROM core_category AS c JOIN tree ON c.parent_id = tree.id
),
required AS (
    SELECT d.id, d.merchant_id, d.category_id, d.expires_on
      FROM {Document._meta.db_table} AS d
      JOIN merchants_merchant AS m ON m.id = d.merchant_id AND m.status = ANY(%(live)s)
     WHERE d.status = 'accepted' AND d.expires_on <= %(today)s
       AND (d.document_type = ANY(%(always)s)
            OR EXISTS (SELECT 1 FROM {CategoryDocumentRule._meta.db_table} AS r
                        WHERE r.category_id = d.category_id
                          AND r.document_type = d.document_type))
       AND NOT EXISTS (SELECT 1 FROM {ViolationEntry._meta.db_table} AS v
                        WHERE v.evidence_type_id = %(document_type)s
                          AND v.evidence_id = d.id::text AND v.rule_code = %(rule)s)
)
SELECT required.id, MIN(p.paid_at), COUNT(*)
  FROM required
  JOIN {Purchase._meta.db_table} AS p
    ON p.merchant_id = required.merchant_id
   AND p.paid_at >= (required.expires_on::timestamp AT TIME ZONE %(tz)s)
   AND p.paid_at > %(since)s AND p.paid_at <= %(now)s
  JOIN {Product._meta.db_table} AS pr ON pr.id = p.product_id
 WHERE required.category_id IS NULL
    OR EXISTS (SELECT 1 FROM tree WHERE tree.root = required.category_id
                                    AND tree.id = pr.category_id)
 GROUP BY required.id
 ORDER BY required.id
"""  # noqa: S608 - identifiers are ours, values go through params


@dataclass
class ExpiredSellingResult:
    recorded: list[int] = field(default_factory=list)  # violation entry ids
    refused: int = 0  # found, but the rule was not in force when the first line was paid


def record_expired_document_selling(*, now: datetime | None = None) -> ExpiredSellingResult:
    """Record `expired_document_selling` once per expired required document sold under;
    safe to run again (a document already recorded is not found again)."""
    now = now or timezone.now()
    days = int(policies.get(POINTS, at=now)["expire_after_days"])
    params = {
        "live": list(_LIVE),
        "today": timezone.localdate(now),
        "always": [DocumentType.BUSINESS_LICENCE, DocumentType.TEST_REPORT],
        "document_type": ContentType.objects.get_for_model(Document).pk,
        "rule": RULE,
        "tz": settings.TIME_ZONE,
        "since": now - timedelta(days=days),
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        found = cursor.fetchall()
    result = ExpiredSellingResult()
    if not found:
        return result
    documents = Document.objects.select_related("merchant").in_bulk([row[0] for row in found])
    for document_id, first_sale, lines in found:
        document = documents[document_id]
        try:
            entry = record_violation(
                merchant=document.merchant,
                rule_code=RULE,
                evidence=document,
                occurred_at=first_sale,
                note_code=reason_texts.EXPIRED_DOCUMENT_SOLD,
                note_params={
                    "document_type": document.document_type,
                    "number": document.number,
                    "expires": document.expires_on.isoformat(),
                    "lines": lines,
                    "first": formats.date_format(timezone.localtime(first_sale), "Y-m-d H:i"),
                },
            )
        except DomainError as error:
            result.refused += 1
            logger.warning("expired_document_selling not recorded for %s: %s", document, error)
            continue
        if entry is not None:
            result.recorded.append(entry.pk)
    return result
