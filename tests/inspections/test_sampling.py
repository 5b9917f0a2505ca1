"""ISO 2859-1:1999 single sampling plans, checked against the published tables.

Expected values come from ``tests/inspections/iso2859_expected.py``, a transcription of the
published tables in resolved form, written independently of the module under test.
"""

import ast
import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from inspections import sampling
from inspections.sampling import (
    InvalidAQL,
    InvalidCodeLetter,
    InvalidLevel,
    InvalidLotSize,
    InvalidSeverity,
    SamplingError,
    code_letter,
    one_step_tighter_aql,
    plan_for_code_letter,
    single_sampling_plan,
)
from tests.inspections.iso2859_expected import (
    CODE_LETTERS_BY_LEVEL,
    EXPECTED_CELLS,
    LOT_SIZE_RANGES,
    SAMPLE_SIZES,
)

LETTERS = "ABCDEFGHJKLMNPQR"
AQLS = (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
    "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250",
    "400", "650", "1000",
)  # fmt: skip
PERCENT_AQLS = AQLS[:16]  # 0.010 ... 10: the percent-nonconforming range


# ---------------------------------------------------------------- Table 1: code letters


def _boundaries():
    for level, letters in CODE_LETTERS_BY_LEVEL.items():
        for (low, high), letter in zip(LOT_SIZE_RANGES, letters, strict=True):
            yield level, low, letter
            yield level, (high if high is not None else 10_000_000), letter


BOUNDARY_CASES = list(_boundaries())


@pytest.mark.parametrize(("level", "lot_size", "letter"), BOUNDARY_CASES)
def test_code_letter_at_every_lot_size_boundary(level, lot_size, letter):
    assert code_letter(lot_size, level) == letter


def test_every_boundary_of_every_level_is_covered():
    # 15 ranges x 2 ends x 7 levels
    assert len(BOUNDARY_CASES) == 210


@pytest.mark.parametrize("level", list(CODE_LETTERS_BY_LEVEL))
def test_code_letter_changes_exactly_one_past_each_upper_bound(level):
    letters = CODE_LETTERS_BY_LEVEL[level]
    for index, (_, high) in enumerate(LOT_SIZE_RANGES[:-1]):
        assert code_letter(high, level) == letters[index]
        assert code_letter(high + 1, level) == letters[index + 1]


def test_a_single_item_lot_uses_the_first_range_and_is_fully_inspected():
    plan = single_sampling_plan(1, "2.5")
    assert plan.initial_code_letter == "A"
    assert (plan.sample_size, plan.full_inspection) == (1, True)
    assert code_letter(1, "III") == "B"


def test_default_level_is_general_level_ii():
    assert single_sampling_plan(1000, "2.5").initial_code_letter == "J"
    assert single_sampling_plan(1000, "2.5").level == "II"


# ------------------------------------------------------- Tables 2-A, 2-B, 2-C cell by cell


@pytest.mark.parametrize("severity", ["normal", "tightened", "reduced"])
@pytest.mark.parametrize("letter", list(LETTERS))
def test_every_cell_of_the_master_tables_matches_the_published_plan(severity, letter):
    sizes = SAMPLE_SIZES[severity]
    mismatches = []
    for aql in AQLS:
        plan_letter, accept, reject = EXPECTED_CELLS[severity][(letter, aql)]
        plan = plan_for_code_letter(letter, aql, severity=severity)
        got = (plan.code_letter, plan.sample_size, plan.accept, plan.reject)
        want = (plan_letter, sizes[plan_letter], accept, reject)
        if got != want:
            mismatches.append((aql, got, want))
        assert plan.initial_code_letter == letter
        assert plan.table_sample_size == sizes[plan_letter]
        assert not plan.full_inspection
    assert mismatches == []


def test_number_of_table_cells_checked_against_the_published_tables():
    checked = sum(len(cells) for cells in EXPECTED_CELLS.values())
    # 16 code letters x 26 AQLs x 3 tables; 16 x 16 x 3 = 768 of them in the percent range.
    assert checked == 1248
    percent = sum(
        1 for cells in EXPECTED_CELLS.values() for (_, aql) in cells if aql in PERCENT_AQLS
    )
    assert percent == 768
    print(f"\nISO 2859-1 table cells checked: {checked} ({percent} with AQL 0.010-10)")


# Spot checks, each read straight off the printed tables, named for the rule they show.
@pytest.mark.parametrize(
    ("severity", "lot_size", "aql", "expected"),
    [
        # Plain cells.
        ("normal", 1000, "2.5", ("J", 80, 5, 6)),
        ("normal", 1000, "4.0", ("J", 80, 7, 8)),
        ("normal", 1000, "1.0", ("J", 80, 2, 3)),
        ("tightened", 1000, "2.5", ("J", 80, 3, 4)),
        ("tightened", 1000, "1.0", ("J", 80, 1, 2)),
        ("tightened", 1000, "4.0", ("J", 80, 5, 6)),
        ("reduced", 1000, "2.5", ("J", 32, 3, 4)),
        # Reduced sample sizes differ from normal: K is 125 on normal, 50 on reduced.
        ("normal", 2000, "2.5", ("K", 125, 7, 8)),
        ("reduced", 2000, "2.5", ("K", 50, 5, 6)),
        ("reduced", 2000, "4.0", ("K", 50, 6, 7)),
        ("reduced", 2000, "6.5", ("K", 50, 8, 9)),
        ("reduced", 2000, "10", ("K", 50, 10, 11)),
        # Down arrow: the first plan below, with its (larger) sample size.
        ("normal", 1000, "0.10", ("K", 125, 0, 1)),
        ("normal", 100, "0.65", ("F", 20, 0, 1)),
        ("normal", 60, "2.5", ("F", 20, 1, 2)),
        ("normal", 60, "1.5", ("D", 8, 0, 1)),  # E/1.5: up
        ("tightened", 1000, "0.40", ("L", 200, 1, 2)),
        ("reduced", 1000, "0.40", ("L", 80, 1, 2)),
        # Up arrow: the first plan above, with its (smaller) sample size.
        ("normal", 100, "1.0", ("E", 13, 0, 1)),
        ("normal", 1000, "0.25", ("H", 50, 0, 1)),
        ("normal", 5000, "10", ("K", 125, 21, 22)),
        ("tightened", 5000, "10", ("K", 125, 18, 19)),
        ("reduced", 5000, "10", ("K", 50, 10, 11)),
        ("reduced", 1000, "0.25", ("H", 20, 0, 1)),
        # The tightened table's extra letter S (3150) under AQL 0.025.
        ("tightened", 200_000, "0.025", ("P", 800, 0, 1)),
        ("tightened", 600_000, "0.025", ("S", 3150, 1, 2)),
        ("normal", 600_000, "0.025", ("R", 2000, 1, 2)),
        # Edges of the tables: the long arrows that cannot point outside them.
        ("normal", 5, "10", ("C", 5, 1, 2)),  # A/10: down, not up (nothing above A)
        ("normal", 600_000, "0.015", ("P", 800, 0, 1)),  # R/0.015: up, nothing below R
        ("tightened", 100_000, "0.010", ("R", 2000, 0, 1)),
        ("reduced", 200_000, "0.025", ("N", 200, 0, 1)),  # Q/0.025: long up arrow
    ],
)
def test_spot_checks_from_the_printed_tables(severity, lot_size, aql, expected):
    plan = single_sampling_plan(lot_size, aql, severity=severity)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected
    assert plan.severity == severity


def test_plans_carry_the_table_they_come_from():
    assert single_sampling_plan(1000, "2.5").table == "2-A"
    assert single_sampling_plan(1000, "2.5", severity="tightened").table == "2-B"
    assert single_sampling_plan(1000, "2.5", severity="reduced").table == "2-C"


@pytest.mark.parametrize("severity", ["normal", "tightened", "reduced"])
def test_every_plan_has_no_gap_between_acceptance_and_rejection(severity):
    # ISO 2859-1:1999 removed the reduced-inspection gap of earlier editions (and Z1.4).
    for letter in LETTERS:
        for aql in AQLS:
            plan = plan_for_code_letter(letter, aql, severity=severity)
            assert plan.reject == plan.accept + 1


# --------------------------------------------------------------------- full inspection


def test_sample_size_equal_to_the_lot_size_means_full_inspection():
    # Lot 20 at level II is letter C; AQL 0.65 points down to F, n = 20 = lot size.
    plan = single_sampling_plan(20, "0.65")
    assert (plan.code_letter, plan.table_sample_size) == ("F", 20)
    assert (plan.sample_size, plan.full_inspection) == (20, True)
    assert (plan.accept, plan.reject) == (0, 1)


def test_sample_size_above_the_lot_size_inspects_every_item_with_the_plan_numbers():
    plan = single_sampling_plan(5, "0.010")
    assert (plan.code_letter, plan.table_sample_size) == ("Q", 1250)
    assert (plan.sample_size, plan.full_inspection, plan.accept, plan.reject) == (5, True, 0, 1)
    plan = single_sampling_plan(40, "0.40", severity="tightened")  # D -> down to H (50)
    assert (plan.code_letter, plan.sample_size, plan.full_inspection) == ("H", 40, True)


def test_a_full_inspection_leaves_the_same_plan_for_larger_lots_untouched():
    small = single_sampling_plan(5, "0.010")
    large = single_sampling_plan(5000, "0.010")
    again = single_sampling_plan(5, "0.010")
    assert (small.sample_size, small.full_inspection) == (5, True)
    assert (large.code_letter, large.sample_size, large.full_inspection) == ("Q", 1250, False)
    assert again == small


def test_sample_size_below_the_lot_size_is_a_sample():
    plan = single_sampling_plan(21, "0.65")
    assert (plan.code_letter, plan.sample_size, plan.full_inspection) == ("F", 20, False)


def test_a_lot_as_small_as_its_own_letters_sample_is_fully_inspected():
    plan = single_sampling_plan(2, "6.5")
    assert (plan.code_letter, plan.sample_size, plan.full_inspection) == ("A", 2, True)


# --------------------------------------------------------------- critical defects (AQL 0)


@pytest.mark.parametrize("zero", ["0", 0, 0.0, Decimal("0"), "0.000"])
def test_aql_zero_means_zero_acceptance_on_the_code_letters_sample(zero):
    plan = single_sampling_plan(1000, zero)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("J", 80, 0, 1)
    assert plan.aql == "0"


@pytest.mark.parametrize(
    ("severity", "lot_size", "expected"),
    [
        ("normal", 2000, ("K", 125)),
        ("tightened", 2000, ("K", 125)),
        ("reduced", 2000, ("K", 50)),
        ("normal", 600_000, ("Q", 1250)),
    ],
)
def test_critical_plan_uses_the_severitys_sample_size(severity, lot_size, expected):
    plan = single_sampling_plan(lot_size, "0", severity=severity)
    assert (plan.code_letter, plan.sample_size) == expected
    assert (plan.accept, plan.reject) == (0, 1)


def test_critical_plan_on_a_small_lot_inspects_everything():
    plan = single_sampling_plan(6, 0, level="III")  # letter B, n = 3 < 6
    assert (plan.sample_size, plan.full_inspection) == (3, False)
    plan = single_sampling_plan(3, 0, level="III")
    assert (plan.sample_size, plan.full_inspection) == (3, True)


# --------------------------------------------------------------------- AQL spellings


@pytest.mark.parametrize("spelling", ["0.10", "0.1", 0.1, Decimal("0.100"), " 0.10 "])
def test_aql_spellings_of_the_same_column_agree(spelling):
    plan = single_sampling_plan(1000, spelling)
    assert (plan.aql, plan.code_letter, plan.sample_size, plan.accept) == ("0.10", "K", 125, 0)


@pytest.mark.parametrize("spelling", ["10", 10, 10.0, "10.0", Decimal("1E+1")])
def test_whole_number_aqls_are_accepted_in_any_spelling(spelling):
    assert single_sampling_plan(1000, spelling).aql == "10"


def test_one_step_tighter_aql_is_the_previous_column():
    assert one_step_tighter_aql("2.5") == "1.5"
    assert one_step_tighter_aql(1) == "0.65"
    assert one_step_tighter_aql("15") == "10"
    assert one_step_tighter_aql("0.010") is None
    assert one_step_tighter_aql("0") is None


def test_a_plan_is_immutable():
    plan = single_sampling_plan(1000, "2.5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.accept = 99


def test_plan_accepts_up_to_ac_and_rejects_from_re():
    plan = single_sampling_plan(1000, "2.5")  # Ac 5, Re 6
    assert plan.accepts(0) and plan.accepts(5)
    assert not plan.accepts(6)


# -------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("lot_size", [0, -1, -500, 1.5, 10.0, "100", None, True, False])
def test_bad_lot_size_is_refused(lot_size):
    with pytest.raises(InvalidLotSize) as error:
        single_sampling_plan(lot_size, "2.5")
    assert error.value.code == "invalid_lot_size"
    assert isinstance(error.value, ValueError)
    assert "Lot size" in str(error.value)


@pytest.mark.parametrize(
    "aql", ["3.0", 3, "2.50001", 11, "1001", -1, "-2.5", "abc", "", "NaN", "inf", None, True, []]
)
def test_aql_not_in_the_table_is_refused(aql):
    with pytest.raises(InvalidAQL) as error:
        single_sampling_plan(1000, aql)
    assert error.value.code == "invalid_aql"
    assert error.value.params["aql"] == aql


def test_aql_error_lists_the_allowed_columns():
    with pytest.raises(InvalidAQL, match=r"0\.010.*2\.5.*1000"):
        single_sampling_plan(1000, "3.0")


@pytest.mark.parametrize("level", ["IV", "ii", "S-5", "", None, 2, ["II"]])
def test_unknown_inspection_level_is_refused(level):
    with pytest.raises(InvalidLevel) as error:
        single_sampling_plan(1000, "2.5", level=level)
    assert error.value.code == "invalid_inspection_level"


@pytest.mark.parametrize("severity", ["strict", "Normal", "", None, ["normal"]])
def test_unknown_severity_is_refused(severity):
    with pytest.raises(InvalidSeverity) as error:
        single_sampling_plan(1000, "2.5", severity=severity)
    assert error.value.code == "invalid_severity"


def test_plan_for_code_letter_refuses_a_bad_lot_size():
    with pytest.raises(InvalidLotSize):
        plan_for_code_letter("J", "2.5", lot_size=0)


@pytest.mark.parametrize("letter", ["S", "I", "O", "Z", "a", "", None, ["J"]])
def test_unknown_code_letter_is_refused(letter):
    # S is only reachable through a tightened arrow, never from Table 1.
    with pytest.raises(InvalidCodeLetter):
        plan_for_code_letter(letter, "2.5")


def test_every_error_is_a_sampling_error_with_a_distinct_stable_code():
    classes = [InvalidLotSize, InvalidAQL, InvalidLevel, InvalidSeverity, InvalidCodeLetter]
    assert all(issubclass(cls, SamplingError) for cls in classes)
    assert len({cls.code for cls in classes}) == len(classes)


def test_tightened_letter_s_is_reached_from_r_as_well():
    plan = single_sampling_plan(600_000, "0.025", level="III", severity="tightened")
    assert (plan.initial_code_letter, plan.code_letter, plan.sample_size) == ("R", "S", 3150)
    assert (plan.accept, plan.reject) == (1, 2)


def test_the_module_stays_free_of_django():
    tree = ast.parse(Path(sampling.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert imported <= {"__future__", "bisect", "dataclasses", "decimal"}


# ---------------------------------------------------- the tables' diagonal structure

# Along a diagonal of the master tables (one code letter down, one AQL step tighter) the plan
# is the same. Indexing letters A..R as 0..15 and AQLs 0.010..10 as 0..15, each table is
# therefore one sequence over d = letter + AQL column, read off its printed rows:
DIAGONALS = {
    # Table 2-A: 0/1, up, down, 1/2, 2/3, 3/4, 5/6, 7/8, 10/11, 14/15, 21/22.
    "normal": {14: 0, 15: "up", 16: "down", 17: 1, 18: 2, 19: 3, 20: 5, 21: 7, 22: 10, 23: 14,
               24: 21},
    # Table 2-B: 0/1, down, down, 1/2, 2/3, 3/4, 5/6, 8/9, 12/13, 18/19.
    "tightened": {15: 0, 16: "down", 17: "down", 18: 1, 19: 2, 20: 3, 21: 5, 22: 8, 23: 12,
                  24: 18},
    # Table 2-C (1999, no gap): 0/1, up, down, down, 1/2, 2/3, 3/4, 5/6, 6/7, 8/9, 10/11.
    "reduced": {14: 0, 15: "up", 16: "down", 17: "down", 18: 1, 19: 2, 20: 3, 21: 5, 22: 6,
                23: 8, 24: 10},
}  # fmt: skip
# Arrows at the edges of the tables point the other way (nothing above A, nothing below R).
EDGE_ARROWS = {
    ("normal", "A", "10"): "down",
    ("normal", "R", "0.015"): "up",
    ("tightened", "R", "0.015"): "up",
    ("reduced", "A", "10"): "down",
    ("reduced", "Q", "0.025"): "up",
    ("reduced", "R", "0.015"): "up",
    ("reduced", "R", "0.025"): "up",
}


def _diagonal_expectation(severity, row, column):
    edge = EDGE_ARROWS.get((severity, LETTERS[row], PERCENT_AQLS[column]))
    if edge:
        return edge
    d = row + column
    sequence = DIAGONALS[severity]
    if d < min(sequence):
        return "down"
    return sequence.get(d, "up")


@pytest.mark.parametrize("severity", ["normal", "tightened", "reduced"])
def test_percent_range_follows_the_diagonals_of_the_printed_tables(severity):
    for row, letter in enumerate(LETTERS):
        for column, aql in enumerate(PERCENT_AQLS):
            expected = _diagonal_expectation(severity, row, column)
            plan = plan_for_code_letter(letter, aql, severity=severity)
            target = (LETTERS + "S").index(plan.code_letter)
            if expected == "down":
                assert target > row, (letter, aql)
            elif expected == "up":
                assert target < row, (letter, aql)
            else:
                assert (plan.code_letter, plan.accept) == (letter, expected), (letter, aql)
