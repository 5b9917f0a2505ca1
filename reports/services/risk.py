"""Merchant risk: the daily score, complaint spikes, and the selectors the pages and the
dashboards read.

The recompute is one statement: an INSERT ... SELECT ... ON CONFLICT over every live merchant
(each factor is a grouped sub-select joined to the merchants) whose RETURNING, joined to the
scores as they were before it, appends a history row for each merchant that is new or whose
score or tier changed (a merchant live again is compared with its newest history row); plus
one DELETE for merchants that are no longer live. So it costs the same number of statements
at 10 merchants or 100,000. Each factor's contribution is rounded before it is summed, so
the stored explanation adds up to the stored score exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Window
from django.db.models.functions import Lag
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.figures import CASES_BY_MERCHANT_SQL, MERCHANT_ANSWERS_SQL
from core import policies
from core.alerts import raise_alerts_from_select
from core.db import advisory_xact_lock
from core.models import Alert, Category
from core.roles import Role, has_role, role_group
from inspections.figures import DECIDED_LOTS_BY_MERCHANT_SQL
from merchants.models import Merchant
from merchants.services import audience_changed
from reports.models import RiskScore, RiskScoreHistory, RiskTier
from reports.policies import RISK_SCORE, RISK_SPIKES, RISK_WEIGHTS

# Who reads risk scores (pages and API): the departments that act on them.
RISK_READERS = (
    Role.DATA_ANALYSIS,
    Role.QUALITY_MANAGER,
    Role.QUALITY_MANAGEMENT,
    Role.MERCHANT_MANAGEMENT,
)


def may_see_risk(user) -> bool:
    return has_role(user, *RISK_READERS)


# One CTE per factor, each grouped per merchant over its window; `live` drives the join,
# so a merchant with no complaints, ratings or inspections still gets a (zero) row. The
# complaints and inspections factors are those apps' own SQL (their figures modules).
_RECOMPUTE = f"""
WITH live AS (
    SELECT id FROM merchants_merchant WHERE status IN ('probation', 'active', 'suspended')
),
orders AS (
    SELECT merchant_id, count(DISTINCT order_number) AS n
    FROM reviews_purchase
    WHERE paid_at >= %(since)s AND paid_at < %(now)s
    GROUP BY merchant_id
),
cases AS ({CASES_BY_MERCHANT_SQL}),
answers AS (
    SELECT a.merchant_id, count(*) AS asked, count(*) FILTER (WHERE a.breached) AS breached
    FROM ({MERCHANT_ANSWERS_SQL}) AS a
    WHERE a.created_at >= %(since)s AND a.created_at < %(now)s
    GROUP BY a.merchant_id
),
ratings AS (
    SELECT DISTINCT ON (merchant_id) merchant_id, overall, rating_count
    FROM reviews_merchantratingfigure
    WHERE as_of > %(rating_since)s AND as_of <= %(today)s
    ORDER BY merchant_id, as_of DESC
),
lots AS ({DECIDED_LOTS_BY_MERCHANT_SQL}),
past_due AS (
    SELECT merchant_id, count(*) AS n
    FROM merchants_restriction
    WHERE lifted_at IS NULL AND reason IN ('document_expired', 'reverification_due')
    GROUP BY merchant_id
),
expiring AS (
    SELECT merchant_id, count(*) AS n
    FROM merchants_document
    WHERE status = 'accepted' AND expires_on >= %(today)s AND expires_on < %(expiring_until)s
    GROUP BY merchant_id
),
figures AS (
    SELECT l.id AS merchant_id,
           coalesce(c.complaints, 0) AS complaints,
           coalesce(o.n, 0) AS orders,
           coalesce(c.complaints, 0) * 1000.0
             / greatest(coalesce(o.n, 0), %(min_orders)s, 1) AS complaint_rate,
           coalesce(a.asked, 0) AS asked,
           coalesce(a.breached, 0) AS breached,
           coalesce(a.breached::numeric / nullif(a.asked, 0), 0) AS breach_rate,
           CASE WHEN r.rating_count >= %(rating_min_count)s THEN r.overall END AS rating,
           coalesce(r.rating_count, 0) AS rating_count,
           coalesce(c.ad_reports, 0) AS ad_reports,
           coalesce(i.rejected, 0) AS rejected,
           coalesce(i.decided, 0) AS decided,
           coalesce(d.n, 0) AS past_due,
           coalesce(e.n, 0) AS expiring
    FROM live AS l
    LEFT JOIN orders AS o ON o.merchant_id = l.id
    LEFT JOIN cases AS c ON c.merchant_id = l.id
    LEFT JOIN answers AS a ON a.merchant_id = l.id
    LEFT JOIN ratings AS r ON r.merchant_id = l.id
    LEFT JOIN lots AS i ON i.merchant_id = l.id
    LEFT JOIN past_due AS d ON d.merchant_id = l.id
    LEFT JOIN expiring AS e ON e.merchant_id = l.id
),
severities AS (
    SELECT f.*,
           least(f.complaint_rate / %(complaint_rate_ceiling)s::numeric, 1) AS s_complaint,
           least(f.breach_rate / %(sla_breach_rate_ceiling)s::numeric, 1) AS s_sla,
           -- (least/greatest skip NULLs, so a merchant without a rating needs the CASE.)
           CASE WHEN f.rating IS NULL THEN 0
                ELSE greatest(least((%(rating_good)s::numeric - f.rating)
                                    / (%(rating_good)s::numeric - %(rating_bad)s::numeric), 1), 0)
           END AS s_rating,
           least(f.ad_reports / %(ad_reports_ceiling)s::numeric, 1) AS s_ad,
           least(f.rejected / %(inspection_rejections_ceiling)s::numeric, 1) AS s_inspection,
           least((f.past_due + 0.5 * f.expiring) / %(documents_ceiling)s::numeric, 1) AS s_documents
    FROM figures AS f
),
points AS (
    SELECT s.*,
           round(s.s_complaint * %(weight_complaint_rate)s::numeric, 2) AS p_complaint,
           round(s.s_sla * %(weight_sla_breach_rate)s::numeric, 2) AS p_sla,
           round(s.s_rating * %(weight_rating)s::numeric, 2) AS p_rating,
           round(s.s_ad * %(weight_ad_reports)s::numeric, 2) AS p_ad,
           round(s.s_inspection * %(weight_inspection_rejections)s::numeric, 2) AS p_inspection,
           round(s.s_documents * %(weight_documents)s::numeric, 2) AS p_documents
    FROM severities AS s
),
scored AS (
    SELECT p.*, p.p_complaint + p.p_sla + p.p_rating + p.p_ad + p.p_inspection
                + p.p_documents AS total
    FROM points AS p
),
-- The scores before this statement: every CTE reads the same snapshot, so the upsert's
-- writes are not seen here.
old AS (SELECT merchant_id, score, tier FROM reports_riskscore),
upsert AS (
INSERT INTO reports_riskscore
    (merchant_id, score, tier, previous_tier, factors, policy_version_id, computed_at,
     tier_changed_at)
SELECT t.merchant_id, t.total,
       CASE WHEN t.total >= %(high_from)s::numeric THEN 'high'
            WHEN t.total >= %(medium_from)s::numeric THEN 'medium'
            ELSE 'low' END,
       '',
       jsonb_build_object(
         'complaint_rate', jsonb_build_object(
            'value', round(t.complaint_rate, 4), 'severity', round(t.s_complaint, 4),
            'weight', %(weight_complaint_rate)s::numeric, 'points', t.p_complaint,
            'inputs', jsonb_build_object('complaints', t.complaints, 'orders', t.orders,
                                         'min_orders', %(min_orders)s)),
         'sla_breach_rate', jsonb_build_object(
            'value', round(t.breach_rate, 4), 'severity', round(t.s_sla, 4),
            'weight', %(weight_sla_breach_rate)s::numeric, 'points', t.p_sla,
            'inputs', jsonb_build_object('asked', t.asked, 'breached', t.breached)),
         'rating', jsonb_build_object(
            'value', t.rating, 'severity', round(t.s_rating, 4),
            'weight', %(weight_rating)s::numeric, 'points', t.p_rating,
            'inputs', jsonb_build_object('ratings', t.rating_count)),
         'ad_reports', jsonb_build_object(
            'value', t.ad_reports, 'severity', round(t.s_ad, 4),
            'weight', %(weight_ad_reports)s::numeric, 'points', t.p_ad,
            'inputs', jsonb_build_object('substantiated', t.ad_reports)),
         'inspection_rejections', jsonb_build_object(
            'value', t.rejected, 'severity', round(t.s_inspection, 4),
            'weight', %(weight_inspection_rejections)s::numeric, 'points', t.p_inspection,
            'inputs', jsonb_build_object('rejected', t.rejected, 'decided', t.decided)),
         'documents', jsonb_build_object(
            'value', t.past_due + 0.5 * t.expiring, 'severity', round(t.s_documents, 4),
            'weight', %(weight_documents)s::numeric, 'points', t.p_documents,
            'inputs', jsonb_build_object('past_due', t.past_due, 'expiring', t.expiring))
       ),
       %(policy_version)s, %(now)s, %(now)s
FROM scored AS t
ON CONFLICT (merchant_id) DO UPDATE SET
    score = EXCLUDED.score,
    tier = EXCLUDED.tier,
    previous_tier = CASE WHEN reports_riskscore.tier <> EXCLUDED.tier
                         THEN reports_riskscore.tier ELSE reports_riskscore.previous_tier END,
    tier_changed_at = CASE WHEN reports_riskscore.tier <> EXCLUDED.tier
                           THEN EXCLUDED.computed_at ELSE reports_riskscore.tier_changed_at END,
    factors = EXCLUDED.factors,
    policy_version_id = EXCLUDED.policy_version_id,
    computed_at = EXCLUDED.computed_at
RETURNING merchant_id, score, tier, policy_version_id, computed_at, factors
),
-- A merchant whose score or tier differs from its previous one gets a history row. The
-- previous one is its current score; a merchant without one (new, or live again after its
-- score was removed) is compared with its newest history row, so coming back at the score
-- it left with adds nothing. Only a merchant never scored gets a row unconditionally.
history AS (
    INSERT INTO reports_riskscorehistory
        (merchant_id, score, tier, policy_version_id, computed_at, factors)
    SELECT u.merchant_id, u.score, u.tier, u.policy_version_id, u.computed_at, u.factors
    FROM upsert AS u
    LEFT JOIN old AS o ON o.merchant_id = u.merchant_id
    LEFT JOIN LATERAL (
        SELECT h.score, h.tier FROM reports_riskscorehistory AS h
        WHERE o.merchant_id IS NULL AND h.merchant_id = u.merchant_id
        ORDER BY h.computed_at DESC, h.id DESC
        LIMIT 1
    ) AS last ON true
    WHERE coalesce(o.score, last.score) IS DISTINCT FROM u.score
       OR coalesce(o.tier, last.tier) IS DISTINCT FROM u.tier
    RETURNING 1
)
SELECT (SELECT count(*) FROM upsert), (SELECT count(*) FROM history)
"""  # noqa: S608 - the fragments are code of ours, values go through params

_FORGET_NOT_LIVE = """
DELETE FROM reports_riskscore AS r USING merchants_merchant AS m
WHERE m.id = r.merchant_id AND m.status NOT IN ('probation', 'active', 'suspended')
"""

TINY = Decimal("0.000001")


@dataclass
class RecomputeResult:
    scored: int
    removed: int
    policy_version: int
    recorded: int = 0  # history rows appended: merchants whose score or tier changed


def _numeric(value) -> Decimal:
    """Policy numbers go to PostgreSQL as numeric, so rounding is decimal, not binary."""
    return Decimal(str(value))


@transaction.atomic
def recompute_scores(*, at: datetime | None = None) -> RecomputeResult:
    """Score every live merchant from its figures as of `at` (now by default)."""
    advisory_xact_lock("reports.risk_recompute")  # two beats in a row: one at a time
    now = at or timezone.now()
    version = policies.ensure_version(RISK_SCORE)
    policy = {**policies.REGISTRY[RISK_SCORE].defaults, **version.value}
    today = timezone.localdate(now)
    params = {
        "now": now,
        "today": today,
        "since": now - timedelta(days=policy["window_days"]),
        "inspection_since": now - timedelta(days=policy["inspection_window_days"]),
        # Rolling ratings are recomputed hourly; a figure older than a week is stale.
        "rating_since": today - timedelta(days=7),
        "expiring_until": today + timedelta(days=policy["document_expiring_days"]),
        "min_orders": int(policy["min_orders"]),
        "rating_min_count": int(policy["rating_min_count"]),
        "policy_version": version.pk,
    }
    for name in (
        "complaint_rate_ceiling",
        "sla_breach_rate_ceiling",
        "ad_reports_ceiling",
        "inspection_rejections_ceiling",
        "documents_ceiling",
    ):
        params[name] = max(_numeric(policy[name]), TINY)  # a zero ceiling: any figure is full
    for name in ("rating_good", "rating_bad", "medium_from", "high_from", *RISK_WEIGHTS):
        params[name] = _numeric(policy[name])
    if params["rating_good"] <= params["rating_bad"]:
        params["rating_bad"] = params["rating_good"] - TINY
    with connection.cursor() as cursor:
        cursor.execute(_RECOMPUTE, params)
        scored, recorded = cursor.fetchone()
        cursor.execute(_FORGET_NOT_LIVE)
        removed = cursor.rowcount
    # Merchants that entered a tier get the tier's training programmes (set-based).
    audience_changed("risk_tier", now=now)
    return RecomputeResult(
        scored=scored, removed=removed, policy_version=version.version, recorded=recorded
    )


def tier_for(score, policy: dict | None = None) -> str:
    """The tier a score falls in (the same boundaries the recompute's SQL uses)."""
    policy = policy or policies.get(RISK_SCORE)
    if float(score) >= float(policy["high_from"]):
        return RiskTier.HIGH
    if float(score) >= float(policy["medium_from"]):
        return RiskTier.MEDIUM
    return RiskTier.LOW


# --- training audiences read the tiers ------------------------------------------------------
def tier_source() -> str:
    """SQL the merchants app joins for the "merchants in a risk tier" training audience."""
    return "SELECT merchant_id, tier FROM reports_riskscore"


# --- the inspections planner reads the tiers ------------------------------------------------
def planner_risk_source() -> str:
    """SQL the inspections planner joins (registered at app start): each scored merchant's
    weight in the random sample and whether it gets a monthly check. The policy's numbers
    are written in as float literals (no user text reaches this SQL)."""
    policy = policies.get(RISK_SCORE)
    weights = {tier: float(policy[f"random_weight_{tier}"]) for tier in RiskTier.values}
    monthly = "true" if policy["high_tier_monthly_checks"] else "false"
    return (
        "SELECT merchant_id, CASE tier "  # noqa: S608 - numbers only
        f"WHEN 'high' THEN {weights['high']!r}::float8 "
        f"WHEN 'medium' THEN {weights['medium']!r}::float8 "
        f"ELSE {weights['low']!r}::float8 END AS random_weight, "
        f"(tier = 'high' AND {monthly}) AS monthly FROM reports_riskscore"
    )


# --- spikes -----------------------------------------------------------------------------------
@dataclass
class SpikeResult:
    week: str
    merchant_alerts: int
    category_alerts: int
    inspections: int


_MERCHANT_SPIKES = """
    SELECT 'risk_spike', 'risk_spike:merchant:' || m.id || ':' || %(week)s,
           NULL::integer, %(group)s::integer, %(merchant_ct)s::integer, m.id::text,
           jsonb_build_object(
             'subject', m.legal_name, 'scope', 'merchant', 'week', %(week)s,
             'this_week', s.this_week, 'baseline', round(s.before / %(weeks)s::numeric, 2),
             'detail', format(%(detail)s, s.this_week, round(s.before / %(weeks)s::numeric, 2))),
           replace(%(merchant_url)s, '{}', m.id::text)
    FROM (
        SELECT merchant_id,
               count(*) FILTER (WHERE created_at >= %(week_start)s) AS this_week,
               count(*) FILTER (WHERE created_at < %(week_start)s) AS before
        FROM complaints_case
        WHERE kind = 'complaint' AND created_at >= %(baseline_start)s AND created_at < %(now)s
        GROUP BY merchant_id
    ) AS s JOIN merchants_merchant AS m ON m.id = s.merchant_id
    WHERE s.this_week >= %(merchant_min)s
      AND s.this_week > %(factor)s::numeric * s.before / %(weeks)s::numeric
"""
_CATEGORY_SPIKES = """
    SELECT 'risk_spike', 'risk_spike:category:' || g.id || ':' || %(week)s,
           NULL::integer, %(group)s::integer, %(category_ct)s::integer, g.id::text,
           jsonb_build_object(
             'subject', g.name_zh || ' / ' || g.name_en, 'scope', 'category', 'week', %(week)s,
             'this_week', s.this_week, 'baseline', round(s.before / %(weeks)s::numeric, 2),
             'detail', format(%(detail)s, s.this_week, round(s.before / %(weeks)s::numeric, 2))),
           %(category_url)s || g.id::text
    FROM (
        SELECT p.category_id,
               count(*) FILTER (WHERE c.created_at >= %(week_start)s) AS this_week,
               count(*) FILTER (WHERE c.created_at < %(week_start)s) AS before
        FROM complaints_case AS c JOIN products_product AS p ON p.id = c.product_id
        WHERE c.kind = 'complaint' AND c.created_at >= %(baseline_start)s
          AND c.created_at < %(now)s
        GROUP BY p.category_id
    ) AS s JOIN core_category AS g ON g.id = s.category_id
    WHERE s.this_week >= %(category_min)s
      AND s.this_week > %(factor)s::numeric * s.before / %(weeks)s::numeric
"""


def week_of(now: datetime) -> tuple[str, datetime]:
    """("2026-W48", Monday 00:00 of that ISO week in the display time zone)."""
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    year, week, _weekday = monday.isocalendar()
    start = timezone.make_aware(datetime.combine(monday, time.min))
    return f"{year}-W{week:02d}", start


@transaction.atomic
def detect_spikes(*, at: datetime | None = None) -> SpikeResult:
    """Complaints this week (so far) over `factor` times the weekly average of the weeks
    before, per merchant and per category: one `risk_spike` alert to Data Analysis per
    spike and week (the key names both), and a risk-triggered inspection for a merchant
    whose spike is new."""
    now = at or timezone.now()
    policy = policies.get(RISK_SPIKES, at=now)
    week, week_start = week_of(now)
    weeks = max(int(policy["baseline_weeks"]), 1)
    params = {
        "week": week,
        "week_start": week_start,
        "baseline_start": week_start - timedelta(weeks=weeks),
        "now": now,
        "weeks": weeks,
        "factor": float(policy["factor"]),
        "merchant_min": max(int(policy["merchant_min_complaints"]), 1),
        "category_min": max(int(policy["category_min_complaints"]), 1),
        "group": role_group(Role.DATA_ANALYSIS).pk,
        "merchant_ct": ContentType.objects.get_for_model(Merchant).pk,
        "category_ct": ContentType.objects.get_for_model(Category).pk,
        # format() placeholders: complaints this week, weekly baseline.
        "detail": _("%s complaints this week against a weekly average of %s"),
        "merchant_url": reverse("reports:risk-merchant", args=[0]).replace("/0/", "/{}/"),
        "category_url": reverse("reports:risk-list") + "?category=",
    }
    merchant_ids = raise_alerts_from_select(_MERCHANT_SPIKES, params)
    category_ids = raise_alerts_from_select(_CATEGORY_SPIKES, params)
    scheduled = 0
    if policy["schedule_inspection"] and merchant_ids:
        scheduled = _schedule_spike_inspections(merchant_ids, week=week)
    return SpikeResult(
        week=week,
        merchant_alerts=len(merchant_ids),
        category_alerts=len(category_ids),
        inspections=scheduled,
    )


def _schedule_spike_inspections(alert_ids: list[int], *, week: str) -> int:
    """One risk-triggered plan per new merchant spike (new spikes are few: a loop is fine,
    and schedule_risk_inspection is idempotent per source)."""
    from inspections import reason_texts as inspection_reasons
    from inspections.services import schedule_risk_inspection

    raised = Alert.objects.filter(pk__in=alert_ids).values_list("object_id", "payload")
    payloads = {int(object_id): payload for object_id, payload in raised}
    for merchant in Merchant.objects.filter(pk__in=payloads).order_by("pk"):
        payload = payloads[merchant.pk]
        schedule_risk_inspection(
            merchant=merchant,
            source=f"reports.risk_spike:{merchant.pk}:{week}",
            reason_code=inspection_reasons.COMPLAINT_SPIKE,
            reason_params={
                "week": week,
                "count": payload["this_week"],
                "avg": payload["baseline"],
            },
        )
    return len(payloads)


# --- selectors ----------------------------------------------------------------------------
def scores(*, tier: str | None = None, category=None):
    """Risk scores of live merchants, highest first, optionally of one tier or category."""
    queryset = RiskScore.objects.select_related("merchant")
    if tier:
        queryset = queryset.filter(tier=tier)
    if category is not None:
        queryset = queryset.filter(merchant__categories=category)
    return queryset.order_by("-score", "merchant_id")


#: How many past scores the risk page shows; the history page has them all, 50 a page.
HISTORY_ON_PAGE = 50


def score_history(merchant_id: int):
    """One merchant's past scores, newest first, each with the score and tier before it
    (`previous_score`, `previous_tier`; None on the first) and `change` (score minus the
    previous score). The window runs over all the merchant's rows before any slice."""
    older = {"order_by": [F("computed_at").asc(), F("id").asc()]}
    previous_score = Window(Lag("score"), **older)
    return (
        RiskScoreHistory.objects.filter(merchant_id=merchant_id)
        .select_related("policy_version")
        .annotate(
            previous_score=previous_score,
            previous_tier=Window(Lag("tier"), **older),
            change=F("score") - Window(Lag("score"), **older),
        )
        .order_by("-computed_at", "-id")
    )


def top_risk(*, category=None, limit: int = 10) -> list[dict]:
    """The highest-risk merchants (for the dashboards): merchant, score and tier."""
    return [
        {
            "merchant_id": row.merchant_id,
            "merchant": row.merchant.legal_name,
            "score": row.score,
            "tier": row.tier,
            "tier_label": row.get_tier_display(),
            "computed_at": row.computed_at,
        }
        for row in scores(category=category)[:limit]
    ]


def merchant_related(user, merchant: Merchant, *, limit: int = 10) -> dict:
    """What the risk page links to: the merchant's latest complaint cases and inspections
    (reference, kind, status and date only; a link where this reader may open the page)
    and its standing page, if this reader may open it."""
    from complaints.models import Case
    from complaints.selectors import may_view_cases
    from inspections.models import Inspection
    from inspections.selectors import is_inspector
    from merchants.services.standing_setup import STANDING_READERS

    cases = list(
        Case.objects.filter(merchant=merchant)
        .only("pk", "reference", "kind", "status", "created_at")
        .order_by("-pk")[:limit]
    )
    inspections = list(
        Inspection.objects.filter(merchant=merchant)
        .select_related("product", "lot")
        .order_by("-created_at", "-pk")[:limit]
    )
    return {
        "cases": cases,
        "cases_linked": may_view_cases(user),
        "inspections": inspections,
        "inspections_linked": is_inspector(user),
        "standing_url": reverse("merchants:staff-standing", args=[merchant.pk])
        if has_role(user, *STANDING_READERS)
        else "",
    }
