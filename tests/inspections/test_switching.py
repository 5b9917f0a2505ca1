"""ISO 2859-1:1999 clause 9 switching rules as a pure state machine."""

import dataclasses

import pytest

from inspections.sampling import (
    AQLS,
    SamplingError,
    plan_for_code_letter,
    single_sampling_plan,
)
from inspections.switching import (
    DISCONTINUED,
    NORMAL,
    REDUCED,
    TIGHTENED,
    ClassResult,
    InconsistentLotResult,
    InspectionDiscontinued,
    InvalidSwitchingState,
    MissingScoreInput,
    NotDiscontinued,
    SwitchingState,
    class_result,
    initial_state,
    next_state,
    resume_after_correction,
    score_points,
)

# A lot judged with one Ac 0/1 plan (scores +2 when accepted).
SMALL_AC_OK = (ClassResult(accept_number=1, accepted=True),)
SMALL_AC_REJECTED = (ClassResult(accept_number=1, accepted=False),)


def run(state, outcomes, **kwargs):
    """Feed a string of lot outcomes: A = accepted, R = not accepted."""
    for outcome in outcomes:
        accepted = outcome == "A"
        classes = SMALL_AC_OK if accepted else SMALL_AC_REJECTED
        state = next_state(state, accepted, classes=classes, **kwargs)
    return state


# ----------------------------------------------------------------- normal -> tightened


def test_reject_accept_reject_within_five_lots_switches_to_tightened():
    state = run(initial_state(), "RA")
    assert state.severity == NORMAL
    state = run(state, "R")
    assert state.severity == TIGHTENED
    assert state.lots == 3
    transition = state.history[-1]
    assert (transition.lot, transition.from_state, transition.to_state) == (3, NORMAL, TIGHTENED)
    assert transition.reason == "two_rejected_in_five"


def test_two_consecutive_rejections_switch_to_tightened():
    assert run(initial_state(), "AARR").severity == TIGHTENED


def test_two_rejections_exactly_five_lots_apart_switch_to_tightened():
    # Lots 1 and 5 are in the same run of 5 consecutive lots.
    state = run(initial_state(), "RAAA")
    assert state.severity == NORMAL
    assert run(state, "R").severity == TIGHTENED


def test_two_rejections_six_lots_apart_stay_on_normal():
    # Lots 1 and 6: no run of 5 consecutive lots holds both.
    state = run(initial_state(), "RAAAAR")
    assert state.severity == NORMAL
    assert state.recent_normal == (False, True, True, True, True, False)[-5:]
    assert state.history == ()


def test_isolated_rejections_never_tighten():
    assert run(initial_state(), "RAAAAR" + "AAAAR" + "AAAAR").severity == NORMAL


# ----------------------------------------------------------------- tightened -> normal


def test_five_consecutive_accepted_lots_on_tightened_return_to_normal():
    state = run(initial_state(), "RR")
    state = run(state, "AAAA")
    assert (state.severity, state.consecutive_accepted) == (TIGHTENED, 4)
    state = run(state, "A")
    assert state.severity == NORMAL
    assert state.history[-1].reason == "five_consecutive_accepted"
    # Normal inspection restarts clean: score 0, empty window.
    assert (state.switching_score, state.recent_normal) == (0, ())


def test_a_rejection_on_tightened_restarts_the_count_of_accepted_lots():
    state = run(initial_state(severity=TIGHTENED), "AAAAR")
    assert (state.severity, state.consecutive_accepted, state.rejected_on_tightened) == (
        TIGHTENED,
        0,
        1,
    )
    state = run(state, "AAAA")
    assert state.severity == TIGHTENED
    assert run(state, "A").severity == NORMAL


def test_window_restarts_after_returning_to_normal():
    # The rejections that caused tightened inspection do not count again on normal.
    state = run(initial_state(), "RR" + "AAAAA")
    assert state.severity == NORMAL
    assert run(state, "R").severity == NORMAL


# -------------------------------------------------------------- tightened -> discontinued


def test_five_cumulative_rejections_on_tightened_discontinue_inspection():
    state = run(initial_state(severity=TIGHTENED), "RARAARAAAR")
    assert (state.severity, state.rejected_on_tightened) == (TIGHTENED, 4)
    state = run(state, "R")
    assert state.severity == DISCONTINUED
    assert state.acceptance_stopped
    assert state.history[-1].reason == "five_rejected_on_tightened"


def test_no_lot_is_judged_while_discontinued():
    state = run(initial_state(severity=TIGHTENED), "RRRRR")
    with pytest.raises(InspectionDiscontinued) as error:
        next_state(state, True, classes=SMALL_AC_OK)
    assert error.value.code == "inspection_discontinued"


def test_corrective_action_resumes_on_tightened_inspection():
    state = run(initial_state(severity=TIGHTENED), "RRRRR")
    resumed = resume_after_correction(state, lot_ref="corrective-action-7")
    assert resumed.severity == TIGHTENED
    assert not resumed.acceptance_stopped
    assert (resumed.rejected_on_tightened, resumed.consecutive_accepted) == (0, 0)
    assert resumed.history[-1].reason == "corrective_action_accepted"
    assert resumed.history[-1].lot_ref == "corrective-action-7"
    # After resuming, it again takes 5 rejections to stop.
    assert run(resumed, "RRRR").severity == TIGHTENED
    assert run(resumed, "RRRRR").severity == DISCONTINUED


@pytest.mark.parametrize("severity", [NORMAL, TIGHTENED, REDUCED])
def test_only_a_discontinued_inspection_can_resume(severity):
    with pytest.raises(NotDiscontinued):
        resume_after_correction(initial_state(severity=severity))


def test_full_history_of_a_supplier_is_kept_in_order():
    state = run(initial_state(), "RR" + "RRRRR")
    state = resume_after_correction(state)
    state = run(state, "AAAAA")
    assert [(t.from_state, t.to_state) for t in state.history] == [
        (NORMAL, TIGHTENED),
        (TIGHTENED, DISCONTINUED),
        (DISCONTINUED, TIGHTENED),
        (TIGHTENED, NORMAL),
    ]
    assert [t.lot for t in state.history] == [2, 7, 7, 12]


# --------------------------------------------------------------------- switching score


@pytest.mark.parametrize(
    ("classes", "points"),
    [
        # Ac 0 or 1: +2 when accepted, reset otherwise.
        ((ClassResult(0, True),), 2),
        ((ClassResult(1, True),), 2),
        ((ClassResult(0, False),), None),
        ((ClassResult(1, False),), None),
        # Ac >= 2: +3 when also accepted one AQL step tighter, reset otherwise.
        ((ClassResult(2, True, True),), 3),
        ((ClassResult(5, True, True),), 3),
        ((ClassResult(5, True, False),), None),
        ((ClassResult(5, False, False),), None),
        # Several classes: the lot scores only if every class scores, the smallest award.
        ((ClassResult(0, True), ClassResult(5, True, True)), 2),
        ((ClassResult(7, True, True), ClassResult(5, True, True)), 3),
        ((ClassResult(0, True), ClassResult(5, True, False)), None),
        ((ClassResult(0, False), ClassResult(5, True, True)), None),
    ],
)
def test_switching_score_points_per_lot(classes, points):
    assert score_points(classes) == points


@pytest.mark.parametrize(
    ("lot_size", "aql", "nonconforming", "points"),
    [
        # Lot 1000 (J, n 80), AQL 2.5: Ac 5; one step tighter (1.5) Ac 3.
        (1000, "2.5", 3, 3),
        (1000, "2.5", 4, None),  # accepted at 2.5 but not at 1.5: reset
        (1000, "2.5", 6, None),
        # Lot 1000, AQL 4.0: Ac 7; one step tighter (2.5) Ac 5.
        (1000, "4.0", 5, 3),
        (1000, "4.0", 6, None),
        # Lot 3000 (K, n 125), AQL 1.0: Ac 3; one step tighter (0.65) Ac 2.
        (3000, "1.0", 2, 3),
        (3000, "1.0", 3, None),
        # Lot 1000, AQL 0.65: Ac 1 -> +2 when accepted.
        (1000, "0.65", 1, 2),
        (1000, "0.65", 2, None),
    ],
)
def test_switching_score_from_real_plans(lot_size, aql, nonconforming, points):
    plan = single_sampling_plan(lot_size, aql)
    assert score_points([class_result(plan, nonconforming)]) == points


def test_every_normal_plan_with_ac_two_or_more_has_a_tighter_plan_on_the_same_sample():
    checked = 0
    for letter in "ABCDEFGHJKLMNPQR":
        for aql in AQLS:
            plan = plan_for_code_letter(letter, aql)
            if plan.accept >= 2:
                result = class_result(plan, plan.accept)
                assert result.accepted and result.accepted_one_step_tighter is False
                assert class_result(plan, 0).accepted_one_step_tighter is True
                checked += 1
    assert checked > 200


def test_class_result_without_a_tighter_check_for_small_acceptance_numbers():
    plan = single_sampling_plan(1000, "0.65")  # J, Ac 1
    assert class_result(plan, 1) == ClassResult(1, True, None)
    assert class_result(plan, 2) == ClassResult(1, False, None)
    with pytest.raises(InconsistentLotResult):
        class_result(plan, -1)
    tightened = single_sampling_plan(1000, "4.0", severity="tightened")  # Ac 5, no score
    assert class_result(tightened, 3) == ClassResult(5, True, None)


def test_score_accumulates_on_normal_and_resets_on_a_rejected_lot():
    state = run(initial_state(), "AAAA")
    assert state.switching_score == 8
    state = run(state, "R")
    assert (state.severity, state.switching_score) == (NORMAL, 0)


def test_score_resets_when_the_lot_fails_the_one_step_tighter_plan():
    state = initial_state()
    for _ in range(3):
        state = next_state(state, True, classes=[ClassResult(5, True, True)])
    assert state.switching_score == 9
    state = next_state(state, True, classes=[ClassResult(5, True, False)])
    assert state.switching_score == 0
    assert state.severity == NORMAL


def test_score_of_30_needs_steady_production_and_approval_to_reduce():
    state = run(initial_state(), "A" * 15)  # 15 x 2 = 30
    assert (state.severity, state.switching_score, state.reduced_eligible) == (NORMAL, 30, True)
    # Not approved, or approved but production not steady: stays on normal.
    assert run(state, "A").severity == NORMAL
    assert run(state, "A", reduced_approved=True, production_steady=False).severity == NORMAL
    # Approved with steady production: reduced.
    reduced = run(state, "A", reduced_approved=True)
    assert reduced.severity == REDUCED
    assert reduced.history[-1].reason == "switching_score_reached"


def test_score_below_30_does_not_reduce_even_when_approved():
    state = run(initial_state(), "A" * 14, reduced_approved=True)  # 28
    assert (state.severity, state.switching_score) == (NORMAL, 28)
    assert run(state, "A", reduced_approved=True).severity == REDUCED


def test_ten_lots_on_an_ac_two_plan_reach_30():
    state = initial_state()
    for _ in range(10):
        state = next_state(state, True, classes=[ClassResult(2, True, True)], reduced_approved=True)
    assert state.severity == REDUCED


def test_an_accepted_lot_on_normal_needs_the_plan_results_for_the_score():
    with pytest.raises(MissingScoreInput):
        next_state(initial_state(), True)
    with pytest.raises(MissingScoreInput):
        next_state(initial_state(), True, classes=[ClassResult(3, True)])


def test_a_verdict_that_contradicts_its_classes_is_refused():
    with pytest.raises(InconsistentLotResult):
        next_state(initial_state(), True, classes=SMALL_AC_REJECTED)
    with pytest.raises(InconsistentLotResult):
        next_state(initial_state(), False, classes=SMALL_AC_OK)


# ------------------------------------------------------------------- reduced -> normal


def _reduced():
    return run(initial_state(), "A" * 15, reduced_approved=True)


def test_a_lot_not_accepted_on_reduced_returns_to_normal():
    state = run(_reduced(), "AAA")
    assert state.severity == REDUCED
    state = run(state, "R")
    assert state.severity == NORMAL
    assert state.history[-1].reason == "lot_not_accepted_on_reduced"
    assert state.switching_score == 0


def test_irregular_production_on_reduced_returns_to_normal():
    state = run(_reduced(), "A", production_steady=False)
    assert (state.severity, state.history[-1].reason) == (NORMAL, "production_irregular")


def test_other_conditions_on_reduced_return_to_normal():
    state = run(_reduced(), "A", normal_warranted=True)
    assert (state.severity, state.history[-1].reason) == (NORMAL, "normal_inspection_warranted")


def test_reduced_inspection_continues_while_lots_are_accepted():
    state = run(_reduced(), "A" * 20)
    assert state.severity == REDUCED


# -------------------------------------------------------------------------- the state


def test_state_is_immutable_and_next_state_returns_a_new_one():
    before = initial_state()
    after = run(before, "A")
    assert before.lots == 0 and after.lots == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        after.severity = REDUCED


def test_a_scheme_can_start_on_tightened_for_probation():
    assert initial_state(severity=TIGHTENED).severity == TIGHTENED


@pytest.mark.parametrize("severity", [DISCONTINUED, "strict", ""])
def test_a_scheme_cannot_start_discontinued_or_unknown(severity):
    with pytest.raises(InvalidSwitchingState):
        initial_state(severity=severity)


def test_unknown_state_is_refused():
    with pytest.raises(InvalidSwitchingState):
        next_state(SwitchingState(severity="strict"), True, classes=SMALL_AC_OK)


def test_switching_errors_are_sampling_errors_with_codes():
    for cls in (InspectionDiscontinued, NotDiscontinued, MissingScoreInput):
        assert issubclass(cls, SamplingError) and issubclass(cls, ValueError)
        assert cls.code
