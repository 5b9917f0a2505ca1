"""Buyers of a product with a quality problem are told (domain §13, issue 18 item 4).

`notify_buyers` queues one notice per verified purchase of the incident's product (of its
lot when the incident names one) paid within the look-back window (a versioned policy,
complaints.buyer_notices): one INSERT ... SELECT ... ON CONFLICT DO NOTHING, so the number of
statements does not grow with the buyers, and notifying twice adds nobody twice.

`deliver_queued` sends them from the mail queue in batches: each batch is claimed with
FOR UPDATE SKIP LOCKED (two workers never take the same row), every notice is sent on its
own (one failing address is retried with backoff and parked as failed after MAX_ATTEMPTS,
never holding back the rest), and the batch's outcome is written in at most two statements.
Each e-mail is written in the buyer's language (`_LANGUAGE_SQL`) and carries a link that
opens the complaint form pre-filled for that purchase; the link's token lives only in the
e-mail, the row keeps its SHA-256.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Case as SQLCase
from django.db.models import CharField, DateTimeField, F, IntegerField, Q, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import BuyerNotice, Case, QualityIncident
from complaints.policies import BUYER_NOTICES
from complaints.services.intake import hash_token
from core import policies
from core.audit import record_decision
from core.exceptions import DomainError
from core.models import User
from core.text import one_line

logger = logging.getLogger(__name__)

BATCH = 200
# Retry delays after the 1st, 2nd, ... failed attempt; one more failure parks the notice.
BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1

# The complaint type a remedy request about an incident of each kind is filed as.
COMPLAINT_TYPE = {
    QualityIncident.Kind.COUNTERFEIT: "counterfeit",
    QualityIncident.Kind.QUALITY_DEFECT: "quality_defect",
    QualityIncident.Kind.SAFETY: "safety",
    QualityIncident.Kind.FALSE_ADVERTISING: "not_as_described",
}


def may_be_told(incident: QualityIncident) -> bool:
    """Buyers are told about a confirmed incident, and about a rejected lot at once (the
    inspection's verdict is the confirmation); never about a dismissed one."""
    if incident.status == QualityIncident.Status.RESOLVED:
        return True
    return (
        incident.source == QualityIncident.Source.LOT_REJECTED
        and incident.status != QualityIncident.Status.DISMISSED
    )


def look_back_days(at=None) -> int:
    return int(policies.get(BUYER_NOTICES, at)["look_back_days"])


def affected_purchases(*, incident: QualityIncident, now, days: int):
    """The verified (delivered) purchases of the incident's product, of its lot when it has
    one, paid within the last `days` days."""
    from reviews.models import Purchase

    purchases = Purchase.objects.filter(
        product_id=incident.product_id,
        paid_at__gte=now - timedelta(days=days),
        delivered_at__isnull=False,
        delivered_at__lte=now,
    )
    if incident.lot_id:
        purchases = purchases.filter(lot_id=incident.lot_id)
    return purchases


def _rows_to_insert(*, incident, now, days: int):
    """The SELECT half of the insert: one row per purchase, columns in COLUMNS' order. The
    contact is the purchase's consumer when it is an e-mail address; a phone number or an
    opaque identifier makes the notice 'no contact' (recorded, never sent)."""
    has_email = Q(consumer__contains="@")
    columns = {
        "n_incident": Value(incident.pk, output_field=IntegerField()),
        "n_purchase": F("id"),
        "n_contact": SQLCase(When(has_email, then="consumer"), default=Value("")),
        "n_language": Value(settings.LANGUAGE_CODE, output_field=CharField()),
        "n_status": SQLCase(
            When(has_email, then=Value(BuyerNotice.Status.QUEUED)),
            default=Value(BuyerNotice.Status.NO_CONTACT),
            output_field=CharField(),
        ),
        "n_attempts": Value(0, output_field=IntegerField()),
        "n_error": Value("", output_field=CharField()),
        "n_next": SQLCase(
            When(has_email, then=Value(now)), default=None, output_field=DateTimeField()
        ),
        "n_created": Value(now, output_field=DateTimeField()),
    }
    queryset = (
        affected_purchases(incident=incident, now=now, days=days)
        .order_by()
        .annotate(**columns)
        .values_list(*columns)
    )
    return queryset.query.sql_with_params()


# The buyer's language, for the notices just queued (one statement, hash joins, no query per
# buyer): a purchase carries no language, so it is the preferred language of the account
# whose e-mail is the buyer's, else the language of the buyer's latest complaint (the
# language they filed in), else the platform default written by the insert.
_LANGUAGE_SQL = f"""
WITH told AS (
    SELECT DISTINCT lower(contact) AS email
      FROM {BuyerNotice._meta.db_table}
     WHERE incident_id = %(incident)s AND created_at = %(now)s AND contact <> ''
),
known AS (
    SELECT DISTINCT ON (email) email, language FROM (
        SELECT lower(u.email) AS email, u.preferred_language AS language, 1 AS rank,
               NULL::timestamptz AS at
          FROM {User._meta.db_table} AS u JOIN told ON told.email = lower(u.email)
         WHERE u.is_active
        UNION ALL
        SELECT lower(c.consumer_email), c.language, 2, c.created_at
          FROM {Case._meta.db_table} AS c JOIN told ON told.email = lower(c.consumer_email)
    ) AS found
     ORDER BY email, rank, at DESC NULLS LAST
)
UPDATE {BuyerNotice._meta.db_table} AS n SET language = known.language
  FROM known
 WHERE n.incident_id = %(incident)s AND n.created_at = %(now)s
   AND lower(n.contact) = known.email AND n.language <> known.language
"""  # noqa: S608 - identifiers are ours, values go through params

COLUMNS = (
    "incident_id",
    "purchase_id",
    "contact",
    "language",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
)


@transaction.atomic
def notify_buyers(*, incident: QualityIncident, by=None) -> int:
    """Queue one notice per affected buyer; returns how many were added now (buyers told
    before are skipped: see `notice_counts` for the totals). A constant number of
    statements whatever the number of buyers."""
    incident = QualityIncident.objects.select_for_update().get(pk=incident.pk)
    if not may_be_told(incident):
        raise DomainError(
            {
                "incident": _(
                    "Buyers are told only about a confirmed incident or a rejected lot; "
                    "incident %(reference)s is %(status)s."
                )
                % {"reference": incident.reference, "status": incident.get_status_display()}
            },
            code="not_confirmed",
        )
    now = timezone.now()
    version = policies.ensure_version(BUYER_NOTICES)
    days = int({**policies.REGISTRY[BUYER_NOTICES].defaults, **version.value}["look_back_days"])
    select_sql, params = _rows_to_insert(incident=incident, now=now, days=days)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BuyerNotice._meta.db_table} ({', '.join(COLUMNS)}) {select_sql} "
            "ON CONFLICT (incident_id, purchase_id) DO NOTHING",
            params,
        )
        added = max(cursor.rowcount, 0)
        if added:
            cursor.execute(_LANGUAGE_SQL, {"incident": incident.pk, "now": now})
    record_decision(
        incident,
        action="notify_buyers",
        actor=by,
        data={
            "added": added,
            "look_back_days": days,
            "policy_version": version.version,
            "lot": incident.lot_id,
        },
    )
    if added:
        from complaints import tasks

        transaction.on_commit(lambda: tasks.deliver_buyer_notices.delay())
    return added


# --- delivery -------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def remedy_link(token: str) -> str:
    """The public complaint form, pre-filled for the purchase the token names."""
    return _absolute(reverse("complaints:new-complaint") + f"?notice={token}")


def rights_guide_link() -> str | None:
    """The consumer rights guide, when the site has one."""
    try:
        return _absolute(reverse("complaints:rights-guide"))
    except NoReverseMatch:
        return None


def platform_actions(incident: QualityIncident) -> list[str]:
    """What the platform did, in the active language (buyer e-mails and public notices)."""
    from products.models import Product

    done = []
    product = incident.product
    if product.status != Product.Status.LISTED:
        done.append(
            _("The product has been taken off sale (%(status)s).")
            % {"status": product.get_status_display()}
        )
    elif incident.contained_at:
        done.append(_("The listing was suspended while the problem was investigated."))
    if incident.lot_id:
        done.append(
            _("Lot %(lot)s is concerned; other lots are not affected by this notice.")
            % {"lot": incident.lot.number}
        )
    if incident.source == QualityIncident.Source.LOT_REJECTED:
        done.append(_("The lot failed the platform's spot-check inspection."))
    if not done:
        done.append(_("The platform is acting against the merchant under its rules."))
    return done


@dataclass
class _Batch:
    sent: list[tuple[int, str]]  # (notice id, token hash)
    failed: list[tuple[int, int, str, object]]  # (id, attempts, error, next attempt or None)


def _message(notice: BuyerNotice, token: str) -> tuple[str, str]:
    incident = notice.incident
    with translation.override(notice.language or settings.LANGUAGE_CODE):
        subject = one_line(
            f"[{settings.DISPLAY_NAME}] "
            + _("Quality notice about your purchase of %(product)s")
            % {"product": incident.product.title}
        )
        lines = [
            _("You bought %(product)s from %(merchant)s (order %(order)s).")
            % {
                "product": incident.product.title,
                "merchant": incident.merchant.legal_name,
                "order": notice.purchase.order_number,
            },
            _("What was found: %(kind)s. %(findings)s")
            % {"kind": incident.get_kind_display(), "findings": incident.findings or ""},
            _("What the platform did:")
            + "\n"
            + "\n".join(f"- {a}" for a in platform_actions(incident)),
            _(
                "You may ask for a remedy (refund, return, compensation). This link opens the "
                "complaint form already filled in for this purchase: %(link)s"
            )
            % {"link": remedy_link(token)},
        ]
        guide = rights_guide_link()
        if guide:
            lines.append(_("Your rights as a consumer: %(link)s") % {"link": guide})
        lines.append(_("Keep this link private: it opens a form for your purchase."))
    return subject, "\n\n".join(lines)


def _send_batch(notices: list[BuyerNotice], now) -> _Batch:
    batch = _Batch(sent=[], failed=[])
    mail = get_connection()
    try:
        mail.open()
    except Exception:  # a refused connection fails each message below, with its own error
        logger.exception("buyer notices: cannot open the mail connection")
    try:
        for notice in notices:
            token = secrets.token_urlsafe(32)
            try:
                subject, body = _message(notice, token)
                EmailMessage(
                    subject, body, settings.DEFAULT_FROM_EMAIL, [notice.contact], connection=mail
                ).send()
            except Exception as error:
                attempts = notice.attempts + 1
                retry = now + BACKOFF[attempts - 1] if attempts < MAX_ATTEMPTS else None
                batch.failed.append(
                    (notice.pk, attempts, f"{type(error).__name__}: {error}"[:2000], retry)
                )
            else:
                batch.sent.append((notice.pk, hash_token(token)))
    finally:
        try:
            mail.close()
        except Exception:
            logger.exception("buyer notices: closing the mail connection failed")
    return batch


def _mark(batch: _Batch, now) -> None:
    """The batch's outcome in at most two statements (UPDATE ... FROM (VALUES ...))."""
    table = BuyerNotice._meta.db_table
    with connection.cursor() as cursor:
        if batch.sent:
            values = ", ".join(["(%s::bigint, %s)"] * len(batch.sent))
            cursor.execute(
                f"UPDATE {table} AS n SET status = %s, sent_at = %s, token_hash = v.hash, "  # noqa: S608 - identifiers are ours, values go through params
                "attempts = n.attempts + 1, next_attempt_at = NULL, last_error = '' "
                f"FROM (VALUES {values}) AS v(id, hash) WHERE n.id = v.id",
                [BuyerNotice.Status.SENT, now, *[x for pair in batch.sent for x in pair]],
            )
        if batch.failed:
            values = ", ".join(["(%s::bigint, %s::int, %s, %s::timestamptz)"] * len(batch.failed))
            cursor.execute(
                f"UPDATE {table} AS n SET attempts = v.attempts, last_error = v.error, "  # noqa: S608 - identifiers are ours, values go through params
                "next_attempt_at = v.retry, "
                "status = CASE WHEN v.retry IS NULL THEN %s ELSE n.status END "
                f"FROM (VALUES {values}) AS v(id, attempts, error, retry) WHERE n.id = v.id",
                [BuyerNotice.Status.FAILED, *[x for row in batch.failed for x in row]],
            )
    for notice_id, attempts, error, retry in batch.failed:
        logger.warning(
            "buyer notice %s failed (attempt %d of %d%s): %s",
            notice_id,
            attempts,
            MAX_ATTEMPTS,
            "" if retry else ", parked",
            error,
        )


def deliver_queued(*, batch: int = BATCH, max_batches: int | None = None) -> int:
    """Send queued notices whose time has come; returns how many were sent. Safe to run
    many times at once (see the module docstring). At least once: a worker killed after
    sending and before its commit leaves the rows queued, and they are sent again."""
    sent = 0
    done = 0
    while max_batches is None or done < max_batches:
        now = timezone.now()
        with transaction.atomic():
            notices = list(
                BuyerNotice.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=BuyerNotice.Status.QUEUED, next_attempt_at__lte=now)
                .select_related(
                    "purchase", "incident__product", "incident__merchant", "incident__lot"
                )
                .only(
                    "id",
                    "contact",
                    "language",
                    "attempts",
                    "purchase__order_number",
                    "incident__reference",
                    "incident__kind",
                    "incident__source",
                    "incident__findings",
                    "incident__contained_at",
                    "incident__lot",
                    "incident__lot__number",
                    "incident__product__title",
                    "incident__product__status",
                    "incident__merchant__legal_name",
                )
                .order_by("next_attempt_at", "id")[:batch]
            )
            if not notices:
                return sent
            outcome = _send_batch(notices, now)
            _mark(outcome, timezone.now())
        sent += len(outcome.sent)
        done += 1
    return sent


@transaction.atomic
def retry_failed(*, notice_ids, by=None) -> int:
    """Put failed notices back in the queue (admin action), one statement."""
    return BuyerNotice.objects.filter(pk__in=list(notice_ids), status="failed").update(
        status=BuyerNotice.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )


# --- the pre-filled remedy request ----------------------------------------------------------


def notice_for_token(token: str) -> BuyerNotice | None:
    """The sent notice a remedy-request link names, or None."""
    if not token or len(token) > 100:
        return None
    return (
        BuyerNotice.objects.filter(token_hash=hash_token(token), status=BuyerNotice.Status.SENT)
        .select_related("purchase", "incident")
        .first()
    )


def remedy_request_initial(token: str) -> dict | None:
    """What the complaint form shows for a notice's link: that purchase's order number,
    shop and product, the buyer's own address and the complaint type; nothing else."""
    notice = notice_for_token(token)
    if notice is None:
        return None
    purchase, incident = notice.purchase, notice.incident
    return {
        "order_number": purchase.order_number,
        "merchant": purchase.merchant_id,
        "product": purchase.product_id,
        "consumer_email": notice.contact,
        "complaint_type": COMPLAINT_TYPE.get(incident.kind, "quality_defect"),
        "delivered_on": timezone.localdate(purchase.delivered_at)
        if purchase.delivered_at
        else None,
    }


__all__ = [
    "BACKOFF",
    "MAX_ATTEMPTS",
    "affected_purchases",
    "deliver_queued",
    "look_back_days",
    "may_be_told",
    "notify_buyers",
    "platform_actions",
    "remedy_request_initial",
    "retry_failed",
]
