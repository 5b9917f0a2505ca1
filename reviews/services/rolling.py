"""Rolling ratings and the thresholds that act on them.

`compute_rolling_ratings` writes one figure row per product and per merchant for the day,
each level in one INSERT ... SELECT ... ON CONFLICT DO UPDATE (rerunning a day refreshes
it). `apply_thresholds` then moves each merchant's standing in one statement and acts only
on the merchants whose standing changed, so a warning or a restriction happens once per
episode, carries the figures that caused it, and a restriction is lifted on recovery.
Each change is a decision on the standing. A restriction no verdict lifts falls due for
review by Merchant Management (reviews.services.restriction_review).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from core import policies
from core.alerts import AlertSpec, raise_alerts
from core.audit import SYSTEM
from core.decision_labels import reason_data
from core.models import Decision
from core.roles import Role
from merchants import reason_texts
from merchants.models import Restriction
from merchants.selectors import owners_by_merchant
from merchants.services import (
    LiftSpec,
    RestrictionSpec,
    ViolationSpec,
    lift_many,
    record_violations,
    restrict_many,
)
from reviews.models import MerchantRatingStanding
from reviews.policies import RATING_THRESHOLDS

PRODUCT_FIGURES = """
    INSERT INTO reviews_productratingfigure
        (product_id, merchant_id, as_of, window_days, review_count, stars_sum, stars,
         computed_at)
    SELECT r.product_id, min(r.merchant_id), %(as_of)s, %(window_days)s, count(*),
           sum(r.stars), round(avg(r.stars), 4), %(now)s
    FROM reviews_productreview r
    WHERE r.created_at > %(start)s AND r.created_at <= %(end)s AND NOT r.folded
    GROUP BY r.product_id
    ON CONFLICT (product_id, as_of) DO UPDATE SET
        window_days = EXCLUDED.window_days, review_count = EXCLUDED.review_count,
        stars_sum = EXCLUDED.stars_sum, stars = EXCLUDED.stars,
        computed_at = EXCLUDED.computed_at
"""

MERCHANT_FIGURES = """
    INSERT INTO reviews_merchantratingfigure
        (merchant_id, as_of, window_days, rating_count, description_accuracy_sum,
         service_attitude_sum, logistics_sum, description_accuracy, service_attitude,
         logistics, overall, computed_at)
    SELECT s.merchant_id, %(as_of)s, %(window_days)s, count(*),
           sum(s.description_accuracy), sum(s.service_attitude), sum(s.logistics),
           round(avg(s.description_accuracy), 4), round(avg(s.service_attitude), 4),
           round(avg(s.logistics), 4),
           round(avg(s.description_accuracy + s.service_attitude + s.logistics) / 3.0, 4),
           %(now)s
    FROM reviews_servicerating s
    WHERE s.created_at > %(start)s AND s.created_at <= %(end)s
    GROUP BY s.merchant_id
    ON CONFLICT (merchant_id, as_of) DO UPDATE SET
        window_days = EXCLUDED.window_days, rating_count = EXCLUDED.rating_count,
        description_accuracy_sum = EXCLUDED.description_accuracy_sum,
        service_attitude_sum = EXCLUDED.service_attitude_sum,
        logistics_sum = EXCLUDED.logistics_sum,
        description_accuracy = EXCLUDED.description_accuracy,
        service_attitude = EXCLUDED.service_attitude, logistics = EXCLUDED.logistics,
        overall = EXCLUDED.overall, computed_at = EXCLUDED.computed_at
"""

# The one definition of a verdict: the state a sum of scores over a count of ratings puts a
# merchant in (the caller requires count >= min_ratings).
VERDICT = """CASE
    WHEN {total} < 3 * %(restriction_below)s * {count} THEN 'restricted'
    WHEN {total} < 3 * %(warning_below)s * {count} THEN 'warning'
    ELSE 'ok'
END"""

# The state each merchant's figure puts it in, compared exactly on sums (an average below
# t over n ratings of three dimensions is a sum below 3·t·n). Fewer than min_ratings: no
# verdict, the standing stays as it was (a restriction then waits for its review, see
# reviews.services.restriction_review). A new restriction falls due for review a policy
# period later; any other state has no review. Only changed standings come back.
STANDINGS = """
    WITH target AS (
        SELECT f.merchant_id, f.id AS figure_id, {verdict} AS state
        FROM reviews_merchantratingfigure f
        WHERE f.as_of = %(as_of)s AND f.rating_count >= %(min_ratings)s
    )
    INSERT INTO reviews_merchantratingstanding
        (merchant_id, state, previous_state, figure_id, restriction_source, changed_at,
         review_due_at, review_alerted_at)
    SELECT merchant_id, state, 'ok', figure_id, '', %(now)s,
           CASE WHEN state = 'restricted' THEN %(review_due)s::timestamptz END, NULL
    FROM target
    ON CONFLICT (merchant_id) DO UPDATE SET
        previous_state = reviews_merchantratingstanding.state,
        state = EXCLUDED.state, figure_id = EXCLUDED.figure_id, changed_at = EXCLUDED.changed_at,
        review_due_at = EXCLUDED.review_due_at, review_alerted_at = NULL
    WHERE reviews_merchantratingstanding.state <> EXCLUDED.state
    RETURNING merchant_id, state, previous_state
""".replace(
    "{verdict}",
    VERDICT.format(
        total="f.description_accuracy_sum + f.service_attitude_sum + f.logistics_sum",
        count="f.rating_count",
    ),
)

# One merchant's figure now, read live from its ratings (a staff decision checks it).
CURRENT = """
    SELECT count(*),
           round(avg(s.description_accuracy + s.service_attitude + s.logistics) / 3.0, 4),
           CASE WHEN count(*) >= %(min_ratings)s THEN {verdict} END
    FROM reviews_servicerating s
    WHERE s.merchant_id = %(merchant)s AND s.created_at > %(start)s AND s.created_at <= %(end)s
""".replace(
    "{verdict}",
    VERDICT.format(
        total="sum(s.description_accuracy + s.service_attitude + s.logistics)", count="count(*)"
    ),
)


@dataclass
class RollingResult:
    as_of: date
    products: int = 0
    merchants: int = 0
    warned: list[int] = field(default_factory=list)
    restricted: list[int] = field(default_factory=list)
    lifted: list[int] = field(default_factory=list)


def _params(now: datetime, thresholds: dict) -> dict:
    window = timedelta(days=thresholds["window_days"])
    return {
        "as_of": timezone.localdate(now),
        "window_days": thresholds["window_days"],
        "start": now - window,
        "end": now,
        "now": now,
        "min_ratings": thresholds["min_ratings"],
        "warning_below": Decimal(str(thresholds["warning_below"])),
        "restriction_below": Decimal(str(thresholds["restriction_below"])),
        "review_due": now + timedelta(days=thresholds["restriction_review_days"]),
    }


@dataclass(frozen=True)
class CurrentFigure:
    ratings: int
    overall: Decimal | None
    verdict: str | None  # None: too few ratings for a verdict


def current_figure(*, merchant_id: int, now: datetime | None = None) -> CurrentFigure:
    """The merchant's rolling service rating at `now` and the verdict it gives, if any."""
    now = now or timezone.now()
    params = {**_params(now, policies.get(RATING_THRESHOLDS, at=now)), "merchant": merchant_id}
    with connection.cursor() as cursor:
        cursor.execute(CURRENT, params)
        ratings, overall, verdict = cursor.fetchone()
    return CurrentFigure(ratings=ratings, overall=overall, verdict=verdict)


@transaction.atomic
def compute_rolling_ratings(*, now: datetime | None = None) -> RollingResult:
    now = now or timezone.now()
    thresholds = policies.get(RATING_THRESHOLDS, at=now)
    params = _params(now, thresholds)
    result = RollingResult(as_of=params["as_of"])
    with connection.cursor() as cursor:
        cursor.execute(PRODUCT_FIGURES, params)
        result.products = cursor.rowcount
        cursor.execute(MERCHANT_FIGURES, params)
        result.merchants = cursor.rowcount
    apply_thresholds(params=params, thresholds=thresholds, result=result)
    return result


ALERT_KINDS = {"warning": "rating_below_threshold", "restriction": "rating_restriction"}


def _alerts(
    standing: MerchantRatingStanding, level: str, threshold, owners: dict, group_id: int
) -> list:
    figure = standing.figure
    key = f"rating_below_threshold:{level}:merchant:{standing.merchant_id}:figure:{figure.pk}"
    payload = {
        "subject": standing.merchant.legal_name,
        "average": f"{figure.overall:.2f}",  # shown to people: 3.48, not 3.4833
        "count": figure.rating_count,
        "threshold": str(threshold),
        "level": level,
        **figure.as_evidence(),
    }
    # Each reader is sent to a page they may open: owners to their ratings, staff to the
    # merchant's standing.
    portal = reverse("reviews:merchant-ratings")
    staff = reverse("merchants:staff-standing", args=[standing.merchant_id])
    recipients = [("user", uid, portal) for uid in owners.get(standing.merchant_id, [])]
    recipients.append(("group", group_id, staff))
    return [
        AlertSpec(
            kind=ALERT_KINDS[level],
            key=f"{key}:{kind}:{rid}",
            user_id=rid if kind == "user" else None,
            group_id=rid if kind == "group" else None,
            obj=figure,
            payload=payload,
            url=url,
        )
        for kind, rid, url in recipients
    ]


def apply_thresholds(*, params: dict, thresholds: dict, result: RollingResult) -> None:
    with connection.cursor() as cursor:
        cursor.execute(STANDINGS, params)
        # A first standing comes back too (inserted as "ok" → state); act only on changes.
        changed = [row[0] for row in cursor.fetchall() if row[1] != row[2]]
    if not changed:
        return
    standings = list(
        MerchantRatingStanding.objects.filter(merchant_id__in=changed).select_related(
            "merchant", "figure"
        )
    )
    owners = owners_by_merchant(changed)
    group_id = Group.objects.get(name=Role.MERCHANT_MANAGEMENT).pk
    specs, lifts, restrictions, violations, sourced = [], [], [], [], []
    State = MerchantRatingStanding.State
    for standing in standings:
        figure = standing.figure
        if standing.previous_state == State.RESTRICTED:
            lifts.append(
                LiftSpec(
                    merchant=standing.merchant,
                    reason=Restriction.Reason.RATING,
                    source=standing.restriction_source,
                    reason_code=reason_texts.RATING_RECOVERED,
                    reason_params={
                        "average": f"{figure.overall:.2f}",
                        "count": figure.rating_count,
                    },
                )
            )
            standing.restriction_source = ""
            sourced.append(standing)
            result.lifted.append(standing.merchant_id)
        if standing.state == State.RESTRICTED:
            below = {
                "average": str(figure.overall),
                "count": figure.rating_count,
                "threshold": str(thresholds["restriction_below"]),
                "accuracy": str(figure.description_accuracy),
                "attitude": str(figure.service_attitude),
                "logistics": str(figure.logistics),
            }
            restrictions.append(
                RestrictionSpec(
                    merchant=standing.merchant,
                    kind=Restriction.Kind.SALES_RESTRICTION,
                    reason=Restriction.Reason.RATING,
                    source=figure.source,
                    reason_code=reason_texts.RATING_BELOW,
                    reason_params=below,
                )
            )
            # Idempotent per figure and rule.
            violations.append(
                ViolationSpec(
                    merchant=standing.merchant,
                    rule_code="rating_below_restriction",
                    evidence=figure,
                    note_code=reason_texts.RATING_BELOW,
                    note_params=below,
                )
            )
            standing.restriction_source = figure.source
            sourced.append(standing)
            result.restricted.append(standing.merchant_id)
            specs += _alerts(
                standing, "restriction", thresholds["restriction_below"], owners, group_id
            )
        elif standing.state == State.WARNING and standing.previous_state == State.OK:
            result.warned.append(standing.merchant_id)
            specs += _alerts(standing, "warning", thresholds["warning_below"], owners, group_id)
    # Only the merchants whose standing just changed get here; each step below is a few
    # statements for all of them (a first day restricts thousands at once).
    lift_many(lifts)
    restrict_many(restrictions)
    record_violations(violations)
    MerchantRatingStanding.objects.bulk_update(sourced, ["restriction_source"])
    _record_verdicts(standings)
    raise_alerts(specs)


def _record_verdicts(standings: list[MerchantRatingStanding]) -> None:
    """One decision per changed standing (from, to, the figure), in one insert."""
    content_type = ContentType.objects.get_for_model(MerchantRatingStanding)
    Decision.objects.bulk_create(
        Decision(
            content_type=content_type,
            object_id=str(standing.pk),
            action="verdict",
            from_state=standing.previous_state,
            to_state=standing.state,
            actor_label=SYSTEM,
            data={
                **standing.figure.as_evidence(),
                **reason_data(
                    reason_texts.RATING_VERDICT,
                    {
                        "average": f"{standing.figure.overall:.2f}",
                        "count": standing.figure.rating_count,
                    },
                ),
            },
        )
        for standing in standings
    )
