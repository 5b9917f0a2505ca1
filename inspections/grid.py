"""The Quality Management result grid: filling the attribute items that remain as conforming,
a preview of the verdict and of what saving it does, and the inspection's history in words.

Kept apart from `services` (which stores results and gives verdicts) so the grid's helpers
read as one piece; everything that writes goes through `services.record_results`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core.audit import decisions_for
from core.exceptions import DomainError
from inspections import services
from inspections.models import Inspection, InspectionPlan
from inspections.sampling import SamplingError
from inspections.verdict import lot_verdict
from merchants.services import rule_in_force
from products.models import Product, Requirement

ACTION_LABELS = {
    "start": gettext_lazy("Inspection started"),
    "verdict": gettext_lazy("Verdict given"),
    "overturn": gettext_lazy("Verdict overturned"),
    Inspection.Status.RECORDED: gettext_lazy("Every result recorded"),
}


def empty_attribute_cells(inspection: Inspection) -> list[tuple[int, int]]:
    """(sample, requirement) of the pass/fail cells with no result yet."""
    stored = set(inspection.results.values_list("sample_number", "requirement_id"))
    plans = inspection.sampling_plans
    return [
        (sample, requirement.pk)
        for requirement in inspection.standard_version.requirements.filter(
            kind=Requirement.Kind.PASS_FAIL
        ).order_by("severity", "position", "code")
        for sample in range(1, plans[requirement.severity]["sample_size"] + 1)
        if (sample, requirement.pk) not in stored
    ]


@transaction.atomic
def fill_conforming(*, inspection: Inspection, by) -> int:
    """Record every pass/fail cell that has no result yet as conforming; results already
    given and measured items are left alone. Returns how many results were stored."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    cells = empty_attribute_cells(inspection)
    if not cells:
        return 0
    return services.record_results(
        inspection=inspection,
        results=[
            {"sample_number": sample, "requirement": requirement, "passed": True}
            for sample, requirement in cells
        ],
        by=by,
    )


def verdict_preview(inspection: Inspection) -> dict:
    """What saving the verdict now gives and does, in the reader's language:
    {"accepted": bool, "label": str, "consequences": [str, ...]}."""
    try:
        verdict = lot_verdict(
            services.stored_plans(inspection), services.nonconforming_counts(inspection)
        )
    except SamplingError as exc:
        raise services.sampling_error(exc) from None
    accepted = verdict.accepted
    label = str(Inspection.Status.ACCEPTED.label if accepted else Inspection.Status.REJECTED.label)
    consequences = []
    product = inspection.product
    if inspection.plan.kind == InspectionPlan.Kind.RETEST:
        if accepted:
            if (
                product.status_cause == Product.Cause.QUALITY
                and product.status != Product.Status.LISTED
            ):
                consequences.append(
                    _("“%(product)s” goes back on sale (unless the merchant may not sell now).")
                    % {"product": product}
                )
            consequences.append(
                _(
                    "An objection answered by this re-test is upheld: the earlier verdict is "
                    "overturned and its violation points are withdrawn."
                )
            )
        else:
            consequences.append(
                _("An objection answered by this re-test is dismissed: the earlier verdict stands.")
            )
            consequences.append(_("The merchant's owners and Quality Management are alerted."))
    else:
        if accepted:
            consequences.append(
                _("The lot is accepted; “%(product)s” stays as it is.") % {"product": product}
            )
        else:
            if product.status != Product.Status.DELISTED:
                consequences.append(
                    _("“%(product)s” is taken off sale (delisted for quality).")
                    % {"product": product}
                )
            try:
                rule = rule_in_force(services.LOT_REJECTED_RULE)
            except DomainError:
                rule = None
            if rule is not None:
                consequences.append(
                    _("%(merchant)s gets %(points)d violation points (“%(rule)s”).")
                    % {"merchant": inspection.merchant, "points": rule.points, "rule": rule.title}
                )
            consequences.append(_("The merchant's owners and Quality Management are alerted."))
        consequences.append(
            _(
                "The lot counts towards the merchant's switching between normal, tightened and "
                "reduced inspection in this category (now: %(severity)s)."
            )
            % {"severity": inspection.get_severity_display()}
        )
    consequences.append(_("The verdict cannot be changed here afterwards."))
    return {"accepted": accepted, "label": label, "consequences": consequences}


def history(inspection: Inspection) -> list:
    """The inspection's decisions with their action and states in words."""
    statuses = dict(Inspection.Status.choices)
    decisions = list(decisions_for(inspection).order_by("created_at", "pk"))
    for decision in decisions:
        decision.label = str(
            ACTION_LABELS.get(decision.action) or pgettext("inspection history", "Changed")
        )
        decision.from_label = (
            str(statuses.get(decision.from_state, "")) if decision.from_state else ""
        )
        decision.to_label = str(statuses.get(decision.to_state, "")) if decision.to_state else ""
    return decisions
