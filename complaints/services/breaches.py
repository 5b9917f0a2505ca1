"""Violation points for merchant-answer deadlines the sweep found breached."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import (
    Case,
)

MERCHANT_BREACH_RULE = "sla_breach_merchant"


def record_merchant_breaches() -> int:
    """Violation points for merchant-answer deadlines the sweep found breached.

    Kept out of the sweep so the sweep stays a constant number of statements. It looks for
    merchant-answer breach alerts whose case has no `sla_breach_merchant` entry yet, so it
    is idempotent and catches up after any failure; one entry per case (the rule counts
    the case, however many of its questions went unanswered).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Min

    from core.models import Alert
    from merchants.models import ViolationEntry
    from merchants.services import record_violation

    case_type = ContentType.objects.get_for_model(Case)
    recorded = ViolationEntry.objects.filter(
        evidence_type=case_type, rule_code=MERCHANT_BREACH_RULE
    ).values("evidence_id")
    first_breach = dict(
        Alert.objects.filter(
            kind="sla_breached",
            key__startswith="sla_breached:merchant_answer:",
            content_type=case_type,
        )
        .exclude(object_id__in=recorded)
        .values("object_id")
        .annotate(at=Min("created_at"))
        .values_list("object_id", "at")
    )
    count = 0
    cases = Case.objects.filter(pk__in=[int(pk) for pk in first_breach]).select_related("merchant")
    for case in cases:
        with transaction.atomic():
            entry = record_violation(
                merchant=case.merchant,
                rule_code=MERCHANT_BREACH_RULE,
                evidence=case,
                occurred_at=first_breach[str(case.pk)],
                note=_("The merchant did not answer case %(reference)s in time.")
                % {"reference": case.reference},
            )
        count += entry is not None
    return count


# --- staff pages and merchant portal ----------------------------------------------------------
