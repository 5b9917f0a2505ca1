"""Lot verdict from the Ac/Re numbers of one plan per class of nonconformity.

Pure module (no Django). A lot is inspected against up to three classes of nonconformity —
critical, major, minor — each with its own AQL and therefore its own single sampling plan
(:func:`inspections.sampling.single_sampling_plan`). Each class is judged on its own plan
(ISO 2859-1:1999, 11.1: accept when the number of nonconforming items is at most Ac, do not
accept when it is at least Re); the lot is accepted only if every class accepts it. With the
platform's default critical AQL of 0 the critical plan is Ac 0 / Re 1: any critical
nonconformity rejects the lot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from inspections.sampling import SamplingError, SamplingPlan

__all__ = [
    "DEFECT_CLASSES",
    "ClassVerdict",
    "InvalidCount",
    "MissingCount",
    "UnknownDefectClass",
    "Verdict",
    "VerdictError",
    "lot_verdict",
]

#: Classes of nonconformity, most severe first (the order in which a rejection is reported).
DEFECT_CLASSES = ("critical", "major", "minor")
_PERCENT_LIMIT = Decimal(10)  # AQLs above 10 count nonconformities per 100 items (5.2)


class VerdictError(SamplingError):
    code = "verdict_error"


class UnknownDefectClass(VerdictError):
    code = "unknown_defect_class"


class MissingCount(VerdictError):
    code = "missing_nonconforming_count"


class InvalidCount(VerdictError):
    code = "invalid_nonconforming_count"


@dataclass(frozen=True, slots=True)
class ClassVerdict:
    """The judgement of one class of nonconformity on its own plan."""

    defect_class: str
    nonconforming: int
    sample_size: int
    accept: int
    reject: int
    accepted: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """The lot's verdict and how each class contributed to it."""

    accepted: bool
    #: The most severe class that rejected the lot; None when the lot is accepted.
    decided_by: str | None
    #: Every class that rejected the lot, most severe first.
    rejected_classes: tuple[str, ...]
    #: One judgement per class that had a plan, most severe first.
    classes: tuple[ClassVerdict, ...]

    def for_class(self, defect_class: str) -> ClassVerdict:
        for result in self.classes:
            if result.defect_class == defect_class:
                return result
        raise UnknownDefectClass(
            f"No plan was used for {defect_class!r} nonconformities.", defect_class=defect_class
        )


def _check_count(defect_class: str, count: object, plan: SamplingPlan) -> int:
    if count.__class__ is bool or not isinstance(count, int) or count < 0:
        raise InvalidCount(
            f"The number of {defect_class} nonconformities must be a whole number of at "
            f"least 0, got {count!r}.",
            defect_class=defect_class,
            count=count,
        )
    # Up to AQL 10 the count is of nonconforming items, which a sample of n cannot exceed;
    # above 10 it counts nonconformities (several per item are possible).
    if plan.aql != "0" and Decimal(plan.aql) > _PERCENT_LIMIT:
        return count
    if count > plan.sample_size:
        raise InvalidCount(
            f"{count} {defect_class} nonconforming items cannot come from a sample of "
            f"{plan.sample_size}.",
            defect_class=defect_class,
            count=count,
            sample_size=plan.sample_size,
        )
    return count


def lot_verdict(plans: Mapping[str, SamplingPlan], nonconforming: Mapping[str, int]) -> Verdict:
    """Judge a lot: ``plans`` and ``nonconforming`` are keyed by class (critical/major/minor).

    Every class with a plan needs a count, and only classes with a plan may have one.
    """
    if not plans:
        raise MissingCount("A verdict needs the plan of at least one class of nonconformity.")
    for defect_class in (*plans, *nonconforming):
        if defect_class not in DEFECT_CLASSES:
            raise UnknownDefectClass(
                f"Unknown class of nonconformity {defect_class!r} (expected one of "
                f"{', '.join(DEFECT_CLASSES)}).",
                defect_class=defect_class,
            )
    for defect_class in nonconforming:
        if defect_class not in plans:
            raise UnknownDefectClass(
                f"A count was given for {defect_class} nonconformities, which have no plan.",
                defect_class=defect_class,
            )
    results: list[ClassVerdict] = []
    for defect_class in DEFECT_CLASSES:
        plan = plans.get(defect_class)
        if plan is None:
            continue
        if defect_class not in nonconforming:
            raise MissingCount(
                f"The number of {defect_class} nonconformities is missing.",
                defect_class=defect_class,
            )
        count = _check_count(defect_class, nonconforming[defect_class], plan)
        results.append(
            ClassVerdict(
                defect_class=defect_class,
                nonconforming=count,
                sample_size=plan.sample_size,
                accept=plan.accept,
                reject=plan.reject,
                # Re = Ac + 1 (ISO 2859-1:1999), so "not accepted" is exactly count >= Re.
                accepted=count <= plan.accept,
            )
        )
    rejected = tuple(result.defect_class for result in results if not result.accepted)
    return Verdict(
        accepted=not rejected,
        decided_by=rejected[0] if rejected else None,
        rejected_classes=rejected,
        classes=tuple(results),
    )
