"""Switching rules of ISO 2859-1:1999, clause 9, as a pure state machine.

No Django, no database: the inspections service stores the state (per merchant and product
category) and calls :func:`next_state` after every lot judged on original inspection.

States and rules (ISO 2859-1:1999):
  * normal -> tightened (9.3.1): 2 lots out of 5 or fewer consecutive lots not accepted.
  * tightened -> normal (9.3.2): 5 consecutive lots accepted.
  * normal -> reduced (9.3.3), all three needed: the switching score is at least 30, production
    is at a steady rate, and the responsible authority approves reduced inspection (an
    explicit argument: the switch is optional).
  * reduced -> normal (9.3.4): a lot is not accepted, production becomes irregular or delayed,
    or other conditions warrant normal inspection.
  * tightened -> discontinued (9.4): the cumulative number of lots not accepted while on
    tightened inspection reaches 5. No lot is accepted under the scheme until the supplier's
    corrective action is accepted; inspection then resumes on tightened inspection
    (:func:`resume_after_correction`).

Switching score (9.3.3.2, single sampling): set to 0 at the start of normal inspection and
updated after every lot on normal inspection:
  * plan with Ac >= 2: +3 if the lot would also have been accepted with the AQL one step
    tighter, otherwise reset to 0;
  * plan with Ac 0 or 1: +2 if the lot is accepted, otherwise reset to 0.
The standard states the score for one plan. A platform lot is judged with one plan per class
of nonconformity (critical, major, minor); this module reads that conservatively: the lot earns
points only if every class earns points, and it earns the smallest of their awards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from inspections.sampling import (
    SamplingError,
    SamplingPlan,
    one_step_tighter_aql,
    plan_for_code_letter,
)

__all__ = [
    "DISCONTINUED",
    "NORMAL",
    "REDUCED",
    "STATES",
    "TIGHTENED",
    "ClassResult",
    "InconsistentLotResult",
    "InspectionDiscontinued",
    "InvalidSwitchingState",
    "MissingScoreInput",
    "NotDiscontinued",
    "SwitchingError",
    "SwitchingState",
    "Transition",
    "class_result",
    "initial_state",
    "next_state",
    "resume_after_correction",
    "score_points",
]

NORMAL, TIGHTENED, REDUCED, DISCONTINUED = "normal", "tightened", "reduced", "discontinued"
STATES = (NORMAL, TIGHTENED, REDUCED, DISCONTINUED)

#: Lots in the window of the normal -> tightened rule, and rejections in it that switch.
WINDOW, REJECTIONS_TO_TIGHTEN = 5, 2
#: Consecutive accepted lots on tightened inspection that return to normal inspection.
ACCEPTED_TO_RELAX = 5
#: Cumulative lots not accepted on tightened inspection that discontinue inspection.
REJECTIONS_TO_DISCONTINUE = 5
#: Switching score from which reduced inspection may be authorised.
REDUCED_SCORE = 30

# Reasons recorded in the history (stable codes; the Django layer translates them).
TWO_REJECTED_IN_FIVE = "two_rejected_in_five"
FIVE_CONSECUTIVE_ACCEPTED = "five_consecutive_accepted"
SWITCHING_SCORE_REACHED = "switching_score_reached"
LOT_NOT_ACCEPTED_ON_REDUCED = "lot_not_accepted_on_reduced"
PRODUCTION_IRREGULAR = "production_irregular"
NORMAL_INSPECTION_WARRANTED = "normal_inspection_warranted"
FIVE_REJECTED_ON_TIGHTENED = "five_rejected_on_tightened"
CORRECTIVE_ACTION_ACCEPTED = "corrective_action_accepted"


class SwitchingError(SamplingError):
    code = "switching_error"


class InspectionDiscontinued(SwitchingError):
    code = "inspection_discontinued"


class NotDiscontinued(SwitchingError):
    code = "inspection_not_discontinued"


class MissingScoreInput(SwitchingError):
    code = "switching_score_input_missing"


class InconsistentLotResult(SwitchingError):
    code = "inconsistent_lot_result"


class InvalidSwitchingState(SwitchingError):
    code = "invalid_switching_state"


@dataclass(frozen=True, slots=True)
class ClassResult:
    """The outcome of one class of nonconformity (its own plan) on a lot."""

    #: Ac of the plan used for this class.
    accept_number: int
    #: The class's count was at most Ac.
    accepted: bool
    #: Would the count also be at most the Ac of the plan one AQL step tighter (same code
    #: letter, normal table)? Needed only when ``accept_number >= 2`` and the class accepted.
    accepted_one_step_tighter: bool | None = None


def class_result(plan: SamplingPlan, nonconforming: int) -> ClassResult:
    """The :class:`ClassResult` of one class of a lot, from its plan and its count.

    For a plan with Ac >= 2 the count is also judged against the normal plan one AQL step
    tighter for the same code letter (Table 2-A), which has the same sample size there. The
    score is kept on normal inspection only, so plans of other severities skip that check.
    """
    if nonconforming < 0:
        raise InconsistentLotResult(
            f"A count of nonconforming items cannot be negative, got {nonconforming}.",
            nonconforming=nonconforming,
        )
    accepted = nonconforming <= plan.accept
    tighter_ok = None
    if plan.accept >= 2 and plan.severity == "normal":
        tighter_aql = one_step_tighter_aql(plan.aql)
        tighter = (
            None if tighter_aql is None else plan_for_code_letter(plan.code_letter, tighter_aql)
        )
        if tighter is None or tighter.code_letter != plan.code_letter:
            raise MissingScoreInput(
                f"No plan one AQL step tighter than {plan.aql} with the same sample for code "
                f"letter {plan.code_letter}.",
                aql=plan.aql,
                code_letter=plan.code_letter,
            )
        tighter_ok = nonconforming <= tighter.accept
    return ClassResult(
        accept_number=plan.accept, accepted=accepted, accepted_one_step_tighter=tighter_ok
    )


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of inspection severity, kept in the state's history."""

    #: Sequence number of the lot that caused the switch (the last lot for a manual resume).
    lot: int
    from_state: str
    to_state: str
    reason: str
    #: The caller's reference of the lot (e.g. an inspection id), if given.
    lot_ref: object = None


@dataclass(frozen=True, slots=True)
class SwitchingState:
    """Where a supplier stands in the switching scheme. Immutable; see :func:`next_state`."""

    severity: str = NORMAL
    #: Lots judged under the scheme so far.
    lots: int = 0
    #: Outcomes (True = accepted) of the last lots on normal inspection, at most 5, since
    #: normal inspection (re)started.
    recent_normal: tuple[bool, ...] = ()
    #: Switching score (only meaningful on normal inspection).
    switching_score: int = 0
    #: Consecutive lots accepted on tightened inspection.
    consecutive_accepted: int = 0
    #: Lots not accepted since tightened inspection started.
    rejected_on_tightened: int = 0
    history: tuple[Transition, ...] = ()

    @property
    def acceptance_stopped(self) -> bool:
        """Inspection is discontinued: no lot may be accepted until corrective action."""
        return self.severity == DISCONTINUED

    @property
    def reduced_eligible(self) -> bool:
        """On normal inspection with a switching score of at least 30."""
        return self.severity == NORMAL and self.switching_score >= REDUCED_SCORE


def initial_state(severity: str = NORMAL) -> SwitchingState:
    """A fresh scheme. Inspection normally starts on normal inspection (9.2); a supplier on
    probation may start on tightened inspection."""
    if severity not in (NORMAL, TIGHTENED, REDUCED):
        raise InvalidSwitchingState(
            f"A switching scheme starts on normal, tightened or reduced inspection, "
            f"not {severity!r}.",
            severity=severity,
        )
    return SwitchingState(severity=severity)


def score_points(classes: Sequence[ClassResult]) -> int | None:
    """Points one lot adds to the switching score; ``None`` means reset to 0 (9.3.3.2)."""
    if not classes:
        raise MissingScoreInput(
            "The switching score needs the plan result of at least one class of nonconformity.",
        )
    awards: list[int] = []
    for result in classes:
        if result.accept_number < 0:
            raise MissingScoreInput(
                f"An acceptance number cannot be negative, got {result.accept_number}.",
                accept_number=result.accept_number,
            )
        if not result.accepted:
            return None
        if result.accept_number >= 2:
            if result.accepted_one_step_tighter is None:
                raise MissingScoreInput(
                    f"A plan with Ac {result.accept_number} scores only if the lot would "
                    f"also be accepted one AQL step tighter; that result is missing.",
                    accept_number=result.accept_number,
                )
            if not result.accepted_one_step_tighter:
                return None
            awards.append(3)
        else:
            awards.append(2)
    return min(awards)


def _switch(
    state: SwitchingState, to: str, reason: str, lot_ref: object, **changes: object
) -> SwitchingState:
    transition = Transition(
        lot=state.lots, from_state=state.severity, to_state=to, reason=reason, lot_ref=lot_ref
    )
    return replace(
        state,
        severity=to,
        recent_normal=(),
        switching_score=0,
        consecutive_accepted=0,
        rejected_on_tightened=0,
        history=(*state.history, transition),
        **changes,
    )


def next_state(
    state: SwitchingState,
    lot_accepted: bool,
    *,
    classes: Sequence[ClassResult] = (),
    production_steady: bool = True,
    reduced_approved: bool = False,
    normal_warranted: bool = False,
    lot_ref: object = None,
) -> SwitchingState:
    """The state after one more lot judged on original inspection.

    ``classes``: the per-class plan results of the lot; needed on normal inspection when the
    lot is accepted (for the switching score), checked against ``lot_accepted`` whenever given.
    ``production_steady`` / ``reduced_approved``: the other two conditions of normal ->
    reduced. ``normal_warranted``: the responsible authority's "other conditions" for
    reduced -> normal.
    """
    if state.severity == DISCONTINUED:
        raise InspectionDiscontinued(
            "Inspection is discontinued after 5 lots not accepted on tightened inspection; "
            "no lot can be judged until the corrective action is accepted.",
        )
    if state.severity not in STATES:
        raise InvalidSwitchingState(
            f"Unknown inspection state {state.severity!r}.", severity=state.severity
        )
    if classes and all(result.accepted for result in classes) != bool(lot_accepted):
        raise InconsistentLotResult(
            "The lot verdict does not agree with the results of its classes of nonconformity.",
        )
    state = replace(state, lots=state.lots + 1)

    if state.severity == NORMAL:
        window = (*state.recent_normal, bool(lot_accepted))[-WINDOW:]
        if window.count(False) >= REJECTIONS_TO_TIGHTEN:
            return _switch(state, TIGHTENED, TWO_REJECTED_IN_FIVE, lot_ref)
        if lot_accepted:
            points = score_points(classes)
            score = 0 if points is None else state.switching_score + points
        else:
            score = 0
        state = replace(state, recent_normal=window, switching_score=score)
        if score >= REDUCED_SCORE and production_steady and reduced_approved:
            return _switch(state, REDUCED, SWITCHING_SCORE_REACHED, lot_ref)
        return state

    if state.severity == TIGHTENED:
        if lot_accepted:
            accepted = state.consecutive_accepted + 1
            if accepted >= ACCEPTED_TO_RELAX:
                return _switch(state, NORMAL, FIVE_CONSECUTIVE_ACCEPTED, lot_ref)
            return replace(state, consecutive_accepted=accepted)
        rejected = state.rejected_on_tightened + 1
        if rejected >= REJECTIONS_TO_DISCONTINUE:
            return _switch(state, DISCONTINUED, FIVE_REJECTED_ON_TIGHTENED, lot_ref)
        return replace(state, consecutive_accepted=0, rejected_on_tightened=rejected)

    # Reduced inspection.
    if not lot_accepted:
        return _switch(state, NORMAL, LOT_NOT_ACCEPTED_ON_REDUCED, lot_ref)
    if not production_steady:
        return _switch(state, NORMAL, PRODUCTION_IRREGULAR, lot_ref)
    if normal_warranted:
        return _switch(state, NORMAL, NORMAL_INSPECTION_WARRANTED, lot_ref)
    return state


def resume_after_correction(state: SwitchingState, *, lot_ref: object = None) -> SwitchingState:
    """Corrective action accepted: inspection resumes on tightened inspection (9.4)."""
    if state.severity != DISCONTINUED:
        raise NotDiscontinued(
            f"Only a discontinued inspection can resume; this one is on {state.severity} "
            f"inspection.",
            severity=state.severity,
        )
    return _switch(state, TIGHTENED, CORRECTIVE_ACTION_ACCEPTED, lot_ref)
