"""Violation points for merchant-answer deadlines on record as breached (read from the
SLABreach records the sweep and sync_clocks write, never from alert keys)."""

from __future__ import annotations

from django.db import transaction

from complaints.models import Case, SLABreach, Target

MERCHANT_BREACH_RULE = "sla_breach_merchant"


def record_merchant_breaches() -> int:
    """Violation points for merchant-answer deadlines the sweep found breached.

    Kept out of the sweep so the sweep stays a constant number of statements. It reads the
    breach records (complaints.models.SLABreach, written by the sweep with the deadline as
    the instant) of cases that have no `sla_breach_merchant` entry yet, so it is idempotent
    and catches up after any failure; one entry per case (the rule counts the case, however
    many of its questions went unanswered), at the case's first merchant-answer breach.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Min
    from django.db.models.functions import Cast

    from merchants import reason_texts
    from merchants.models import ViolationEntry
    from merchants.services import record_violation

    case_type = ContentType.objects.get_for_model(Case)
    recorded = ViolationEntry.objects.filter(
        evidence_type=case_type, rule_code=MERCHANT_BREACH_RULE
    ).values("evidence_id")
    first_breach = dict(
        SLABreach.objects.filter(target=Target.MERCHANT_ANSWER)
        .alias(evidence_id=Cast("case_id", CharField()))
        .exclude(evidence_id__in=recorded)
        .values("case_id")
        .annotate(at=Min("breached_at"))
        .values_list("case_id", "at")
    )
    count = 0
    cases = Case.objects.filter(pk__in=list(first_breach)).select_related("merchant")
    for case in cases:
        with transaction.atomic():
            entry = record_violation(
                merchant=case.merchant,
                rule_code=MERCHANT_BREACH_RULE,
                evidence=case,
                occurred_at=first_breach[case.pk],
                note_code=reason_texts.CASE_NOT_ANSWERED,
                note_params={"reference": case.reference},
            )
        count += entry is not None
    return count


# --- staff pages and merchant portal ----------------------------------------------------------
