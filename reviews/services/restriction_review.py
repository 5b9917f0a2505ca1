"""The end of a rating restriction that no verdict lifts.

A restriction lifts by itself when a verdict (enough ratings in the window) is back at or
above the threshold (reviews.services.rolling). When no verdict lifts it, it is never
silently permanent: `review_due_at` on the standing says when Merchant Management must
review it. The sweep marks each due restriction (`review_alerted_at`), records the fact as
a decision and alerts Merchant Management in one statement; they keep it for another period
or lift it, each with a reason, and each step is a decision on the standing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policies
from core.alerts import raise_alerts_from_select
from core.audit import SYSTEM, record_decision
from core.exceptions import DomainError, InvalidTransition, NotAllowed
from core.roles import Role, has_role
from merchants.models import Restriction
from merchants.services import lift
from reviews.models import MerchantRatingStanding
from reviews.policies import RATING_THRESHOLDS
from reviews.services.rolling import current_figure

REVIEW_KIND = "rating_restriction_review"
RESTRICTED = MerchantRatingStanding.State.RESTRICTED

# Mark the due restrictions and record the fact, in the statement that raises the alerts.
_DUE = """
WITH due AS (
    UPDATE reviews_merchantratingstanding s SET review_alerted_at = %(now)s
    WHERE s.state = 'restricted' AND s.review_alerted_at IS NULL
      AND s.review_due_at <= %(now)s
    RETURNING s.merchant_id, s.review_due_at, s.changed_at
), decided AS (
    INSERT INTO core_decision
        (content_type_id, object_id, action, from_state, to_state, actor_label, reason, data,
         created_at)
    SELECT %(standing_ct)s, due.merchant_id::text, 'review_due', 'restricted', 'restricted',
           %(actor)s, %(reason)s, jsonb_build_object('review_due_at', due.review_due_at),
           %(now)s
    FROM due
)
"""

# One alert per restriction and review date, to Merchant Management.
_ALERTS = """
SELECT %(kind)s::text,
       %(kind)s::text || ':merchant:' || due.merchant_id || ':'
         || extract(epoch FROM due.review_due_at)::bigint,
       NULL::integer, %(group_id)s::integer, %(standing_ct)s::integer, due.merchant_id::text,
       jsonb_build_object(
           'merchant', m.legal_name,
           'since', (due.changed_at AT TIME ZONE %(tz)s)::date::text,
           'due', (due.review_due_at AT TIME ZONE %(tz)s)::date::text,
           'count', coalesce(f.rating_count, 0),
           'window', %(window_days)s),
       %(url)s::text || due.merchant_id
FROM due
JOIN merchants_merchant m ON m.id = due.merchant_id
LEFT JOIN reviews_merchantratingfigure f
       ON f.merchant_id = due.merchant_id AND f.as_of = %(as_of)s
"""


def sweep_due_reviews(*, now: datetime | None = None) -> list[int]:
    """Alert Merchant Management once about each rating restriction due for review.

    One statement whatever the number of merchants; a second run finds nothing new (the
    rows are marked, and the alert key carries the review date)."""
    now = now or timezone.now()
    thresholds = policies.get(RATING_THRESHOLDS, at=now)
    standing_ct = ContentType.objects.get_for_model(MerchantRatingStanding).pk
    params = {
        "now": now,
        "kind": REVIEW_KIND,
        "standing_ct": standing_ct,
        "actor": f"{SYSTEM}:reviews.rolling-ratings",
        "reason": _("The rating restriction is due for review by Merchant Management."),
        "group_id": Group.objects.get(name=Role.MERCHANT_MANAGEMENT).pk,
        "tz": timezone.get_current_timezone_name(),
        "window_days": thresholds["window_days"],
        "as_of": timezone.localdate(now),
        "url": reverse("admin:reviews_merchantratingstanding_changelist") + "?merchant__exact=",
    }
    with transaction.atomic():
        return raise_alerts_from_select(_ALERTS, params, with_sql=_DUE, now=now)


def can_review_restrictions(user) -> bool:
    return has_role(user, Role.MERCHANT_MANAGEMENT)


def _check_reviewer(by) -> None:
    if not can_review_restrictions(by):
        raise NotAllowed(
            _("Only Merchant Management may review rating restrictions."), code="not_reviewer"
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the decision."), code="reason_required")
    return reason


def _lock_restricted(standing: MerchantRatingStanding) -> MerchantRatingStanding:
    standing = MerchantRatingStanding.objects.select_for_update().get(pk=standing.pk)
    if standing.state != RESTRICTED:
        raise InvalidTransition(
            _("This merchant's sales are not restricted for the service rating."),
            code="not_restricted",
        )
    return standing


@transaction.atomic
def keep_rating_restriction(
    *, standing: MerchantRatingStanding, by, reason: str
) -> MerchantRatingStanding:
    """Merchant Management keep the restriction: the next review falls due a policy period
    from now, and is alerted again then."""
    _check_reviewer(by)
    reason = _reason(reason)
    standing = _lock_restricted(standing)
    now = timezone.now()
    days = policies.get(RATING_THRESHOLDS, at=now)["restriction_review_days"]
    previous_due = standing.review_due_at
    standing.review_due_at = now + timedelta(days=days)
    standing.review_alerted_at = None
    standing.save(update_fields=["review_due_at", "review_alerted_at"])
    record_decision(
        standing,
        action="keep",
        from_state=RESTRICTED,
        to_state=RESTRICTED,
        actor=by,
        reason=reason,
        data={
            "review_due_at": standing.review_due_at.isoformat(),
            "previous_review_due_at": previous_due.isoformat() if previous_due else None,
        },
    )
    return standing


@transaction.atomic
def lift_rating_restriction(
    *, standing: MerchantRatingStanding, by, reason: str
) -> MerchantRatingStanding:
    """Merchant Management lift the restriction. Refused while the ratings still give a
    restricting verdict: the rule would restrict again at its next run."""
    _check_reviewer(by)
    reason = _reason(reason)
    standing = _lock_restricted(standing)
    now = timezone.now()
    figure = current_figure(merchant_id=standing.merchant_id, now=now)
    if figure.verdict == RESTRICTED:
        raise InvalidTransition(
            _(
                "The 90-day service rating is still %(average)s over %(count)d ratings, below "
                "the threshold: the restriction lifts by itself when it recovers."
            )
            % {"average": f"{figure.overall:.2f}", "count": figure.ratings},
            code="verdict_restricts",
        )
    lift(
        merchant=standing.merchant,
        reason=Restriction.Reason.RATING,
        source=standing.restriction_source,
        by=by,
        note=reason,
    )
    standing.previous_state, standing.state = RESTRICTED, figure.verdict or "ok"
    standing.changed_at = now
    standing.restriction_source = ""
    standing.review_due_at = standing.review_alerted_at = None
    standing.save(
        update_fields=[
            "previous_state",
            "state",
            "changed_at",
            "restriction_source",
            "review_due_at",
            "review_alerted_at",
        ]
    )
    record_decision(
        standing,
        action="lift",
        from_state=RESTRICTED,
        to_state=standing.state,
        actor=by,
        reason=reason,
        data={
            "ratings": figure.ratings,
            "overall": str(figure.overall) if figure.overall is not None else None,
        },
    )
    return standing
