"""The end-of-probation review (domain §2): pass, extend or terminate from the merchant's
figures over its probation, with the evidence kept; staff may override with a reason.

The figures of every due probation are read in one statement; each decision then goes
through `merchants.services.decide_probation` (one per probation: the merchants app owns the
workflow, and few probations end on any one day).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.figures import COMPLAINTS_FILED_SQL, MERCHANT_ANSWERS_SQL
from core import policies
from core.db import advisory_xact_lock
from core.exceptions import DomainError, NotAllowed
from core.roles import Role, has_role
from inspections.figures import LOT_VERDICTS_SQL
from merchants.models import Probation
from merchants.services import decide_probation
from reports import reason_texts
from reports.models import ProbationEvaluation
from reports.policies import PROBATION_REVIEW

logger = logging.getLogger(__name__)

Outcome = ProbationEvaluation.Outcome

FIGURE_LABELS = {
    "extensions": gettext_lazy("Times extended"),
    "complaints": gettext_lazy("Complaints"),
    "orders": gettext_lazy("Orders"),
    "complaint_rate": gettext_lazy("Complaints per 1,000 orders"),
    "asked": gettext_lazy("Merchant-answer deadlines"),
    "breached": gettext_lazy("Merchant-answer deadlines breached"),
    "sla_breach_rate": gettext_lazy("Merchant-answer breach rate"),
    "serious_violations": gettext_lazy("Serious violations"),
    "passed_inspections": gettext_lazy("Passed inspections"),
    "rejected_inspections": gettext_lazy("Rejected inspections"),
}

# Figures of open probations over their own period (start to now), one row each. The
# complaints, merchant answers and lot verdicts are those apps' own SQL (complaints.figures,
# inspections.figures), composed here.
_FIGURES = (
    """
SELECT p.id, p.merchant_id, p.extensions,
       (SELECT count(*) FROM (COMPLAINTS_FILED) AS c
         WHERE c.merchant_id = p.merchant_id
           AND c.created_at >= p.starts_at AND c.created_at < %(now)s) AS complaints,
       (SELECT count(DISTINCT u.order_number) FROM reviews_purchase AS u
         WHERE u.merchant_id = p.merchant_id
           AND u.paid_at >= p.starts_at AND u.paid_at < %(now)s) AS orders,
       a.asked, a.breached,
       (SELECT count(*) FROM merchants_violationentry AS v
          JOIN merchants_violationrule AS r ON r.id = v.rule_id
         WHERE v.merchant_id = p.merchant_id AND v.status <> 'withdrawn'
           AND r.severity = ANY(%(serious)s)
           AND v.occurred_at >= p.starts_at AND v.occurred_at < %(now)s) AS serious_violations,
       (SELECT count(*) FROM (LOT_VERDICTS) AS i
         WHERE i.merchant_id = p.merchant_id AND i.status = 'accepted'
           AND i.decided_at >= p.starts_at AND i.decided_at < %(now)s) AS passed_inspections,
       (SELECT count(*) FROM (LOT_VERDICTS) AS i
         WHERE i.merchant_id = p.merchant_id AND i.status = 'rejected'
           AND i.decided_at >= p.starts_at AND i.decided_at < %(now)s) AS rejected_inspections
FROM merchants_probation AS p
CROSS JOIN LATERAL (
    SELECT count(*) AS asked, count(*) FILTER (WHERE a.breached) AS breached
      FROM (MERCHANT_ANSWERS) AS a
     WHERE a.merchant_id = p.merchant_id
       AND a.created_at >= p.starts_at AND a.created_at < %(now)s
) AS a
WHERE p.status = 'open' AND {where}
ORDER BY p.ends_at, p.id
""".replace("MERCHANT_ANSWERS", MERCHANT_ANSWERS_SQL)
    .replace("COMPLAINTS_FILED", COMPLAINTS_FILED_SQL)
    .replace("LOT_VERDICTS", LOT_VERDICTS_SQL)
)


@dataclass
class ReviewResult:
    evaluated: int = 0
    outcomes: dict = field(default_factory=dict)
    skipped: int = 0


def _policy() -> tuple[object, dict]:
    version = policies.ensure_version(PROBATION_REVIEW)
    return version, {**policies.REGISTRY[PROBATION_REVIEW].defaults, **version.value}


def figures_for(*, now: datetime, policy: dict, probation_ids=None) -> list[dict]:
    """The figures of the given open probations, or of every open probation that has
    reached its end, in one statement."""
    if probation_ids is None:
        where, extra = "p.ends_at <= %(now)s", {}
    else:
        where, extra = "p.id = ANY(%(ids)s)", {"ids": list(probation_ids)}
    with connection.cursor() as cursor:
        cursor.execute(
            _FIGURES.format(where=where),
            {"now": now, "serious": list(policy["serious_severities"]), **extra},
        )
        columns = [col.name for col in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["complaint_rate"] = float(
            round(
                Decimal(row["complaints"] * 1000)
                / max(row["orders"], int(policy["min_orders"]), 1),
                4,
            )
        )
        row["sla_breach_rate"] = (
            float(round(Decimal(row["breached"]) / row["asked"], 4)) if row["asked"] else 0.0
        )
    return rows


def recommend(figures: dict, policy: dict) -> tuple[str, list[str]]:
    """The outcome the policy gives for these figures, and why (reason codes)."""
    terminate = []
    if figures["serious_violations"] > 0:
        terminate.append("serious_violation")
    if figures["complaint_rate"] > float(policy["terminate_complaint_rate"]):
        terminate.append("complaint_rate_terminate")
    if figures["sla_breach_rate"] > float(policy["terminate_sla_breach_rate"]):
        terminate.append("sla_terminate")
    if terminate:
        return Outcome.TERMINATE, terminate
    missing = []
    if figures["passed_inspections"] < int(policy["min_passed_inspections"]):
        missing.append("no_passed_inspection")
    if figures["complaint_rate"] > float(policy["max_complaint_rate"]):
        missing.append("complaint_rate")
    if figures["sla_breach_rate"] > float(policy["max_sla_breach_rate"]):
        missing.append("sla")
    if not missing:
        return Outcome.PASS, ["all_met"]
    if figures["extensions"] >= int(policy["max_extensions"]):
        return Outcome.TERMINATE, [*missing, "extensions_exhausted"]
    return Outcome.EXTEND, missing


def _evidence(figures: dict, *, version, recommended: str, reasons: list[str], **extra) -> dict:
    shown = {k: v for k, v in figures.items() if k not in ("id", "merchant_id")}
    return {
        "figures": shown,
        "policy": version.key,
        "policy_version": version.version,
        "recommended": recommended,
        "reasons": reasons,
        **extra,
    }


def run_probation_reviews(*, at: datetime | None = None) -> ReviewResult:
    """Review every open probation that has reached its end (daily beat). One review per
    probation and end date: a second run, or a run after an extension's new end date has
    not come yet, decides nothing twice."""
    now = at or timezone.now()
    result = ReviewResult()
    with transaction.atomic():
        advisory_xact_lock("reports.probation_reviews")
        version, policy = _policy()
        for figures in figures_for(now=now, policy=policy):
            try:
                with transaction.atomic():
                    outcome = _review_one(figures, now=now, version=version, policy=policy)
            except (IntegrityError, DomainError) as exc:
                # Decided meanwhile (by staff, or a review of this end date already exists).
                logger.info("probation %s not reviewed: %s", figures["id"], exc)
                result.skipped += 1
                continue
            result.evaluated += 1
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
    return result


def _review_one(figures: dict, *, now, version, policy) -> str:
    probation = Probation.objects.select_for_update().get(pk=figures["id"])
    outcome, reasons = recommend(figures, policy)
    # Stored as a code and the review's reason codes: each reader sees it in their language.
    why = {"reason_code": reason_texts.AUTO_PROBATION_REVIEW, "reason_params": {"reasons": reasons}}
    evaluation = ProbationEvaluation.objects.create(
        probation=probation,
        merchant_id=probation.merchant_id,
        mode=ProbationEvaluation.Mode.AUTOMATIC,
        recommended=outcome,
        outcome=outcome,
        figures=_evidence(figures, version=version, recommended=outcome, reasons=reasons),
        reasons=reasons,
        reason="",
        **why,
        policy_version=version,
        period_end=probation.ends_at,
    )
    decide_probation(
        probation=probation,
        outcome=outcome,
        reason="",
        **why,
        actor=None,
        evidence={**evaluation.figures, "evaluation": evaluation.pk},
    )
    return outcome


def labelled_figures(figures: dict) -> list[tuple]:
    """(label, value) of the review's figures, in FIGURE_LABELS' order."""
    return [(label, figures[name]) for name, label in FIGURE_LABELS.items() if name in figures]


def preview(probation: Probation) -> dict:
    """What the review would decide for this probation now (for the staff page)."""
    version, policy = _policy()
    rows = figures_for(now=timezone.now(), policy=policy, probation_ids=[probation.pk])
    if not rows:
        return {}
    outcome, reasons = recommend(rows[0], policy)
    return {
        "figures": _evidence(rows[0], version=version, recommended=outcome, reasons=reasons),
        "recommended": outcome,
        "recommended_label": Outcome(outcome).label,
        "figure_rows": labelled_figures(rows[0]),
        "reasons": reason_texts.probation_reasons(reasons),
    }


@transaction.atomic
def override_probation(
    *, probation: Probation, outcome: str, reason: str, by, extend_days: int | None = None
) -> ProbationEvaluation:
    """Merchant Management decides a probation against (or ahead of) the automatic review,
    with a reason; the evaluation keeps the figures and what the policy would have said."""
    if not has_role(by, Role.MERCHANT_MANAGEMENT):
        raise NotAllowed(_("Only Merchant Management staff can do this."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": _("Give the reason for overriding the review.")})
    if outcome not in Outcome.values:
        raise DomainError({"outcome": _("Choose pass, extend or terminate.")})
    probation = Probation.objects.select_for_update().get(pk=probation.pk)
    if probation.status != Probation.Status.OPEN:
        raise DomainError(_("This probation has already been decided."))
    version, policy = _policy()
    figures = figures_for(now=timezone.now(), policy=policy, probation_ids=[probation.pk])[0]
    recommended, reasons = recommend(figures, policy)
    evaluation = ProbationEvaluation.objects.create(
        probation=probation,
        merchant_id=probation.merchant_id,
        mode=ProbationEvaluation.Mode.OVERRIDE,
        recommended=recommended,
        outcome=outcome,
        figures=_evidence(figures, version=version, recommended=recommended, reasons=reasons),
        reasons=reasons,
        reason=reason,
        policy_version=version,
        decided_by=by,
        period_end=probation.ends_at,
    )
    decide_probation(
        probation=probation,
        outcome=outcome,
        reason=reason,
        actor=by,
        evidence={**evaluation.figures, "evaluation": evaluation.pk, "override": True},
        extend_days=extend_days,
    )
    return evaluation
