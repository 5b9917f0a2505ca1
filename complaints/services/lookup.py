"""The case lookup: a consumer who lost their tracking link gives the case reference and the
contact they used at filing, and a new link is sent to that contact.

Only the hash of a tracking token is stored, so the old link cannot be sent again: a new
token replaces it and the old link stops working. The caller answers the same whatever
happened (`resend_link` returns whether a link went out, for tests and logs only)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.models import Case
from complaints.services.intake import hash_token
from core.audit import record_decision


def _normal(contact: str) -> str:
    from reviews.identity import normalize

    return normalize(contact or "")[:200]


def link_expired(case: Case, now) -> bool:
    """Tracking links stop working COMPLAINTS_LINK_DAYS_AFTER_CLOSE days after closing."""
    if case.closed_at is None:
        return False
    return now > case.closed_at + timedelta(days=settings.COMPLAINTS_LINK_DAYS_AFTER_CLOSE)


@transaction.atomic
def resend_link(*, reference: str, contact: str, now=None) -> bool:
    """Issue a new tracking token for the case `reference` when `contact` is the e-mail or
    phone given at filing, and send the link to that contact after commit."""
    now = now or timezone.now()
    typed = _normal(contact)
    reference = (reference or "").strip().upper()[:32]
    if not typed or not reference:
        return False
    case = Case.objects.select_for_update().filter(reference=reference).first()
    if case is None or link_expired(case, now):
        return False
    stored = {_normal(c): c for c in (case.consumer_email, case.consumer_phone) if c}
    to = stored.get(typed)
    if to is None:
        return False
    token = secrets.token_urlsafe(32)
    case.tracking_token_hash = hash_token(token)
    case.save(update_fields=["tracking_token_hash"])
    record_decision(
        case,
        action="tracking_link_reissued",
        actor_label="consumer",
        data={"channel": "email" if "@" in to else "sms"},
    )

    def send():
        from complaints import tasks

        tasks.send_tracking_link.delay(case.pk, token, to, True)

    transaction.on_commit(send)
    return True
