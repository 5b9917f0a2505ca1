"""Single sampling plans by attributes, ISO 2859-1:1999 (identical: GB/T 2828.1-2012).

Pure module: no Django, no database. Everything the inspections app needs to turn a lot size,
an inspection level, an AQL and an inspection severity into a sample size ``n``, an acceptance
number ``Ac`` and a rejection number ``Re``.

Edition followed: ISO 2859-1:1999 (second edition). For single sampling, ANSI/ASQ Z1.4-2008
has the same Table 1 and the same normal and tightened master tables (its II-A, II-B); it
differs in the reduced table, where Z1.4 keeps the gap between Ac and Re of MIL-STD-105E (e.g.
1/3, 2/5). The 1999 edition removed that gap: every plan has Re = Ac + 1, so a lot is either
accepted or not accepted, on reduced inspection too. This module follows the 1999 edition.

Sources (the tests check every resolved cell, 1248 in all, against an independent
transcription in tests/inspections/iso2859_expected.py; ``python -m bench.sampling_tables``
prints the counts):
  * ISO 2859-1:1999, Table 1 (sample size code letters) and Tables 2-A, 2-B, 2-C (single
    sampling plans for normal, tightened and reduced inspection, master tables);
  * GB/T 2828.1-2012, the identical (IDT) national adoption, same tables and numbering, in a
    public cell-by-cell transcription checked against the standard's scan;
  * the tables' own structure: one row down and one AQL step tighter gives the same plan, so
    every interior cell was also checked against its diagonal. The only cells that break the
    diagonal are arrows at the table's edges (an arrow cannot point past row A or R), and, on
    reduced inspection, rows A and B for AQLs of 25 and above, which carry the plans of
    Table 2-A row A (the same sample of 2).
Public implementations that disagree (several keep the code letter's own sample size under an
arrow, some use Z1.4's reduced table) were not followed: the standard wins.

Arrow cells ("↓": use the first sampling plan below the arrow; "↑": use the first plan above)
take the plan *and its sample size* from the row the arrow points to, so the code letter of the
resulting plan can differ from the one Table 1 gives. If the sample size equals or exceeds the
lot size, every item of the lot is inspected (``full_inspection``); Ac and Re stay those of the
plan.

AQLs above 10 are only meaningful for nonconformities per 100 items (ISO 2859-1:1999, 5.2);
they are encoded as published and accepted by the look-up.

An AQL of ``0`` is the platform's convention for critical nonconformities: zero acceptance
(Ac 0, Re 1) with the sample size of the code letter in the table for the given severity.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

__all__ = [
    "AQLS",
    "LEVELS",
    "SEVERITIES",
    "InvalidAQL",
    "InvalidCodeLetter",
    "InvalidLevel",
    "InvalidLotSize",
    "InvalidSeverity",
    "SamplingError",
    "SamplingPlan",
    "code_letter",
    "one_step_tighter_aql",
    "plan_for_code_letter",
    "single_sampling_plan",
]


# --------------------------------------------------------------------------------------------
# Errors. Each carries a stable ``code`` (and the offending value in ``params``) so the Django
# layer can translate it into a DomainError with a localised message.
# --------------------------------------------------------------------------------------------


class SamplingError(ValueError):
    """Bad input to a sampling, switching or verdict rule."""

    code = "sampling_error"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class InvalidLotSize(SamplingError):
    code = "invalid_lot_size"


class InvalidAQL(SamplingError):
    code = "invalid_aql"


class InvalidLevel(SamplingError):
    code = "invalid_inspection_level"


class InvalidSeverity(SamplingError):
    code = "invalid_severity"


class InvalidCodeLetter(SamplingError):
    code = "invalid_code_letter"


# --------------------------------------------------------------------------------------------
# ISO 2859-1:1999, Table 1 — Sample size code letters.
# Columns: special inspection levels S-1..S-4, general inspection levels I, II, III.
# --------------------------------------------------------------------------------------------

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITIES = ("normal", "tightened", "reduced")

_TABLE_1 = """
lot size           S-1  S-2  S-3  S-4    I   II  III
2-8                  A    A    A    A    A    A    B
9-15                 A    A    A    A    A    B    C
16-25                A    A    B    B    B    C    D
26-50                A    B    B    C    C    D    E
51-90                B    B    C    C    C    E    F
91-150               B    B    C    D    D    F    G
151-280              B    C    D    E    E    G    H
281-500              B    C    D    E    F    H    J
501-1200             C    C    E    F    G    J    K
1201-3200            C    D    E    G    H    K    L
3201-10000           C    D    F    G    J    L    M
10001-35000          C    D    F    H    K    M    N
35001-150000         D    E    G    J    L    N    P
150001-500000        D    E    G    J    M    P    Q
500001+              D    E    H    K    N    Q    R
"""


def _parse_table_1(text: str) -> tuple[tuple[int, ...], dict[str, tuple[str, ...]]]:
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0][2:], lines[1:]
    assert tuple(header) == LEVELS, header
    upper_bounds: list[int] = []
    letters: dict[str, list[str]] = {level: [] for level in LEVELS}
    previous_upper = 1
    for row in rows:
        lot_range, cells = row[0], row[1:]
        if lot_range.endswith("+"):
            lower, upper = int(lot_range[:-1]), None
        else:
            low, high = lot_range.split("-")
            lower, upper = int(low), int(high)
        assert lower == previous_upper + 1, lot_range  # ranges are contiguous
        if upper is not None:
            upper_bounds.append(upper)
            previous_upper = upper
        for level, letter in zip(LEVELS, cells, strict=True):
            letters[level].append(letter)
    return tuple(upper_bounds), {level: tuple(col) for level, col in letters.items()}


# Upper bound of every lot-size range but the open last one; letters per level, one per range.
_LOT_UPPER_BOUNDS, _CODE_LETTERS = _parse_table_1(_TABLE_1)


# --------------------------------------------------------------------------------------------
# ISO 2859-1:1999, Tables 2-A, 2-B and 2-C — Single sampling plans (master tables).
# Rows: sample size code letter and its sample size in that table; columns: AQL (in percent
# nonconforming up to 10, in nonconformities per 100 items for every column). A cell holds
# "Ac/Re", "↓" (use the first plan below the arrow), "↑" (use the first plan above) or "-" (no
# entry: the extra tightened letter S has a plan only under AQL 0.025). The published tables
# are wide; each is split into two halves (AQL 0.010-2.5 and 4.0-1000), one header each.
# --------------------------------------------------------------------------------------------

# Table 2-A — Single sampling plans for normal inspection (master table).
_TABLE_2A = """
       0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
A    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B    3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C    5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
D    8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑
E   13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
F   20     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2
G   32     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3
H   50     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4
J   80     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6
K  125     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8
L  200     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11
M  315     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15
N  500     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
P  800     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑
Q 1250   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑
R 2000     ↑     ↑   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑
         4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A    2     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B    3   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
C    5     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑
D    8     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑
E   13   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑     ↑
F   20   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑
G   32   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H   50   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   80   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K  125 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L  200 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M  315 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N  500     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P  800     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q 1250     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R 2000     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
"""

# Table 2-B — Single sampling plans for tightened inspection (master table). Letter S (3150)
# exists only in this table.
_TABLE_2B = """
       0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
A    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B    3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C    5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
D    8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
E   13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓
F   20     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓
G   32     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2
H   50     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3
J   80     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4
K  125     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6
L  200     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9
M  315     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13
N  500     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19
P  800     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑
Q 1250     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑
R 2000   0/1     ↑     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑
S 3150     -     -   1/2     -     -     -     -     -     -     -     -     -     -
         4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A    2     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28
B    3     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42
C    5   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑
D    8     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑     ↑
E   13     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑     ↑     ↑
F   20   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑
G   32   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H   50   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   80   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K  125   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L  200 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M  315 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N  500     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P  800     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q 1250     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R 2000     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
S 3150     -     -     -     -     -     -     -     -     -     -     -     -     -
"""

# Table 2-C — Single sampling plans for reduced inspection (master table). Reduced sample
# sizes are smaller than normal (e.g. letter K: 125 on normal, 50 on reduced); since the 1999
# edition Re = Ac + 1 on reduced inspection too.
_TABLE_2C = """
       0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
A    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
D    3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑
E    5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
F    8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓
G   13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2
H   20     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3
J   32     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4
K   50     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6
L   80     ↓     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7
M  125     ↓     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9
N  200     ↓     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11
P  315     ↓   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ↑
Q  500   0/1     ↑     ↑     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ↑     ↑
R  800     ↑     ↑     ↑   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ↑     ↑     ↑
         4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A    2     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B    2   0/1     ↑     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
C    2     ↑     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ↑
D    3     ↓     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ↑     ↑
E    5     ↓   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ↑     ↑     ↑
F    8   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑
G   13   2/3   3/4   5/6   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H   20   3/4   5/6   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   32   5/6   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K   50   6/7   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L   80   8/9 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M  125 10/11     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N  200     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P  315     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q  500     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R  800     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
"""

_DOWN, _UP, _BLANK = "↓", "↑", "-"
_TABLE_NAMES = {"normal": "2-A", "tightened": "2-B", "reduced": "2-C"}


def _parse_master(
    text: str,
) -> tuple[tuple[str, ...], dict[str, int], dict[str, tuple[str, ...]]]:
    """Return (AQL column headers, sample size per letter, raw cells per letter)."""
    aqls: list[str] = []
    sizes: dict[str, int] = {}
    cells: dict[str, list[str]] = {}
    width = 0
    for line in text.strip().splitlines():
        tokens = line.split()
        if not tokens[0].isalpha():  # a header line: the AQL columns of this half
            aqls.extend(tokens)
            width = len(tokens)
            continue
        letter, size, row = tokens[0], int(tokens[1]), tokens[2:]
        assert len(row) == width, (letter, row)
        assert sizes.setdefault(letter, size) == size, letter
        cells.setdefault(letter, []).extend(row)
    return tuple(aqls), sizes, {letter: tuple(row) for letter, row in cells.items()}


def _plan_cell(cell: str) -> tuple[int, int] | None:
    if cell in (_DOWN, _UP, _BLANK):
        return None
    accept, reject = (int(part) for part in cell.split("/"))
    assert reject == accept + 1, cell  # ISO 2859-1:1999: no gap between Ac and Re
    return accept, reject


def _resolve(
    letters: tuple[str, ...],
    sizes: dict[str, int],
    cells: dict[str, tuple[str, ...]],
) -> dict[str, tuple[tuple[str, int, int, int] | None, ...]]:
    """Follow the arrows once, at import: (plan letter, n, Ac, Re) for every cell."""
    resolved: dict[str, tuple[tuple[str, int, int, int] | None, ...]] = {}
    for row_index, letter in enumerate(letters):
        row: list[tuple[str, int, int, int] | None] = []
        for column, cell in enumerate(cells[letter]):
            if cell == _BLANK:
                row.append(None)
                continue
            step = 1 if cell == _DOWN else -1 if cell == _UP else 0
            index = row_index
            while (plan := _plan_cell(cells[letters[index]][column])) is None:
                index += step
                # An arrow never points past the edge of the table, nor onto a blank cell.
                assert step and 0 <= index < len(letters), (letter, column)
                assert cells[letters[index]][column] != _BLANK, (letter, column)
            target = letters[index]
            row.append((target, sizes[target], *plan))
        resolved[letter] = tuple(row)
    return resolved


_MASTER_TEXT = {"normal": _TABLE_2A, "tightened": _TABLE_2B, "reduced": _TABLE_2C}
_PARSED = {severity: _parse_master(text) for severity, text in _MASTER_TEXT.items()}

#: The AQL columns of the master tables, as printed (0.010 ... 1000).
AQLS: tuple[str, ...] = _PARSED["normal"][0]
assert all(parsed[0] == AQLS for parsed in _PARSED.values())

#: Sample size per code letter, per severity (Table 2-A/2-B/2-C, second column).
SAMPLE_SIZES: dict[str, dict[str, int]] = {
    severity: parsed[1] for severity, parsed in _PARSED.items()
}
#: Raw cells per severity and code letter, as encoded above (for reports and the benchmark).
MASTER_CELLS: dict[str, dict[str, tuple[str, ...]]] = {
    severity: parsed[2] for severity, parsed in _PARSED.items()
}
_PLANS = {
    severity: _resolve(tuple(parsed[2]), parsed[1], parsed[2])
    for severity, parsed in _PARSED.items()
}

_CRITICAL = -1  # column marker for AQL 0
_AQL_DECIMALS = tuple(Decimal(aql) for aql in AQLS)
_AQL_FAST: dict[object, int] = {}
for _index, _aql in enumerate(AQLS):
    _value = Decimal(_aql)
    for _key in (_aql, format(_value.normalize(), "f"), str(float(_value)), _value):
        _AQL_FAST[_key] = _index
for _key in ("0", 0, Decimal(0)):
    _AQL_FAST[_key] = _CRITICAL


def _aql_column(aql: object) -> int:
    if aql.__class__ is bool:  # True == 1 would otherwise look like AQL 1.0
        raise InvalidAQL(f"AQL {aql!r} is not a number.", aql=aql)
    try:
        return _AQL_FAST[aql]
    except (KeyError, TypeError):
        pass
    if isinstance(aql, str | int | float | Decimal):
        try:
            value = Decimal(str(aql).strip())
        except InvalidOperation:
            raise InvalidAQL(f"AQL {aql!r} is not a number.", aql=aql) from None
        if value.is_finite():
            if value == 0:
                return _CRITICAL
            for index, candidate in enumerate(_AQL_DECIMALS):
                if value == candidate:
                    return index
        raise InvalidAQL(
            f"AQL {aql} is not in the ISO 2859-1 tables (allowed: 0 for critical, "
            f"{', '.join(AQLS)}).",
            aql=aql,
        )
    raise InvalidAQL(f"AQL {aql!r} is not a number.", aql=aql)


def _letters_for_level(level: object) -> tuple[str, ...]:
    try:
        return _CODE_LETTERS[level]
    except (KeyError, TypeError):
        raise InvalidLevel(
            f"Unknown inspection level {level!r} (expected one of {', '.join(LEVELS)}).",
            level=level,
        ) from None


def _check_severity(severity: object) -> str:
    try:
        if severity in _PLANS:
            return severity
    except TypeError:
        pass
    raise InvalidSeverity(
        f"Unknown inspection severity {severity!r} (expected one of {', '.join(SEVERITIES)}).",
        severity=severity,
    )


def _check_lot_size(lot_size: object) -> int:
    if lot_size.__class__ is bool or not isinstance(lot_size, int):
        raise InvalidLotSize(
            f"Lot size must be a whole number, got {lot_size!r}.", lot_size=lot_size
        )
    if lot_size <= 0:
        raise InvalidLotSize(f"Lot size must be at least 1, got {lot_size}.", lot_size=lot_size)
    return lot_size


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """A single sampling plan ready to use on one lot. Immutable; equal plans compare equal."""

    #: Code letter of the plan used: Table 1's letter, or the one an arrow pointed to.
    code_letter: str
    #: Items to draw and inspect (the lot size when ``full_inspection``).
    sample_size: int
    #: Acceptance number Ac: accept the lot with at most this many nonconforming items.
    accept: int
    #: Rejection number Re: do not accept with this many or more (Re = Ac + 1).
    reject: int
    #: The plan's sample size reached the lot size: every item is inspected.
    full_inspection: bool
    #: Code letter from Table 1 (lot size and inspection level), before any arrow.
    initial_code_letter: str
    #: The plan's sample size as published (before capping at the lot size).
    table_sample_size: int
    #: AQL column used ("0" for critical nonconformities).
    aql: str
    #: Inspection severity: normal, tightened or reduced.
    severity: str
    #: Inspection level the code letter was read for (None when given a code letter).
    level: str | None = None

    @property
    def table(self) -> str:
        """The ISO 2859-1 table the plan comes from ("2-A", "2-B" or "2-C")."""
        return _TABLE_NAMES[self.severity]

    def accepts(self, nonconforming: int) -> bool:
        """True when a sample with ``nonconforming`` nonconforming items accepts the lot."""
        return nonconforming <= self.accept


# Plans are immutable values: each (severity, letter, AQL column, level) is built once.
_PLAN_CACHE: dict[tuple[str, str, int, str | None], SamplingPlan] = {}


def _plan(
    severity: str, letter: str, column: int, level: str | None, lot_size: int | None
) -> SamplingPlan:
    key = (severity, letter, column, level)
    plan = _PLAN_CACHE.get(key)
    if plan is None:
        if column == _CRITICAL:
            target, size, accept, reject = letter, SAMPLE_SIZES[severity][letter], 0, 1
            label = "0"
        else:
            target, size, accept, reject = _PLANS[severity][letter][column]
            label = AQLS[column]
        plan = _PLAN_CACHE[key] = SamplingPlan(
            code_letter=target,
            sample_size=size,
            accept=accept,
            reject=reject,
            full_inspection=False,
            initial_code_letter=letter,
            table_sample_size=size,
            aql=label,
            severity=severity,
            level=level,
        )
    if lot_size is not None and plan.table_sample_size >= lot_size:
        # "If sample size equals or exceeds lot size, carry out 100 % inspection."
        return replace(plan, sample_size=lot_size, full_inspection=True)
    return plan


def code_letter(lot_size: int, level: str = "II") -> str:
    """ISO 2859-1:1999 Table 1: the sample size code letter for a lot size and level.

    A lot of a single item (below Table 1's first range, 2-8) gets the first range's letter;
    its plan is then a full inspection.
    """
    letters = _letters_for_level(level)
    return letters[bisect_left(_LOT_UPPER_BOUNDS, _check_lot_size(lot_size))]


def plan_for_code_letter(
    letter: str,
    aql: object,
    *,
    severity: str = "normal",
    lot_size: int | None = None,
) -> SamplingPlan:
    """The plan of Table 2-A/2-B/2-C for a code letter and an AQL, arrows followed.

    With ``lot_size`` the sample is capped at the lot size (full inspection).
    """
    _check_severity(severity)
    try:
        known = letter in _CODE_LETTERS_ALL
    except TypeError:
        known = False
    if not known:
        raise InvalidCodeLetter(f"Unknown sample size code letter {letter!r}.", letter=letter)
    if lot_size is not None:
        _check_lot_size(lot_size)
    return _plan(severity, letter, _aql_column(aql), None, lot_size)


def single_sampling_plan(
    lot_size: int, aql: object, *, level: str = "II", severity: str = "normal"
) -> SamplingPlan:
    """ISO 2859-1:1999 single sampling plan for a lot.

    ``aql``: a column of the master tables (``"2.5"``, ``2.5``, ``Decimal("2.5")``; 0.010 to
    1000) or ``0`` for critical nonconformities (Ac 0, Re 1 on the code letter's sample).
    ``level``: S-1, S-2, S-3, S-4, I, II (default) or III. ``severity``: normal, tightened or
    reduced. Raises a :class:`SamplingError` subclass on bad input.
    """
    _check_severity(severity)
    letters = _letters_for_level(level)
    letter = letters[bisect_left(_LOT_UPPER_BOUNDS, _check_lot_size(lot_size))]
    return _plan(severity, letter, _aql_column(aql), level, lot_size)


def one_step_tighter_aql(aql: object) -> str | None:
    """The next smaller AQL column (for the switching score), or None for 0.010 and 0."""
    column = _aql_column(aql)
    if column <= 0:  # 0.010 has nothing tighter; critical (0) has no switching score
        return None
    return AQLS[column - 1]


# Letters usable as a Table 1 result (A-R); S only appears at the end of a tightened arrow.
_CODE_LETTERS_ALL = frozenset(SAMPLE_SIZES["normal"]) - {"S"}
