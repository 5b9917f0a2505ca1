"""Expected values transcribed from the published ISO 2859-1:1999 tables.

Written independently of ``inspections/sampling.py``: that module encodes the master tables
as printed (cells "Ac/Re", "↓", "↑") and follows the arrows in code; here every cell is the
*resolved* plan a reader of the standard ends up with, transcribed from GB/T 2828.1-2012
(IDT ISO 2859-1:1999) Tables 2-A, 2-B, 2-C (normal, tightened, reduced inspection). A cell
"K7/8" reads: the plan of code letter K (its sample size from ``SAMPLE_SIZES``), Ac 7, Re 8.
Rows are the code letters Table 1 can give (A-R), columns the 26 AQLs, split in two halves
like the printed tables.

Table 1 is transcribed column by column (one inspection level per line), the other way round
from the module's row-per-lot-size layout.
"""

LOT_SIZE_RANGES = (
    (2, 8),
    (9, 15),
    (16, 25),
    (26, 50),
    (51, 90),
    (91, 150),
    (151, 280),
    (281, 500),
    (501, 1200),
    (1201, 3200),
    (3201, 10000),
    (10001, 35000),
    (35001, 150000),
    (150001, 500000),
    (500001, None),
)

# ISO 2859-1:1999 Table 1, one string per inspection level, one letter per lot-size range.
CODE_LETTERS_BY_LEVEL = {
    "S-1": "AAAABBBBCCCCDDD",
    "S-2": "AAABBBCCCDDDEEE",
    "S-3": "AABBCCDDEEFFGGH",
    "S-4": "AABCCDEEFGGHJJK",
    "I": "AABCCDEFGHJKLMN",
    "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}

# Sample size per code letter: Tables 2-A and 2-B (S only in 2-B), Table 2-C.
# fmt: off
_NORMAL_SIZES = {
    "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50,
    "J": 80, "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000,
}
SAMPLE_SIZES = {
    "normal": _NORMAL_SIZES,
    "tightened": {**_NORMAL_SIZES, "S": 3150},
    "reduced": {
        "A": 2, "B": 2, "C": 2, "D": 3, "E": 5, "F": 8, "G": 13, "H": 20,
        "J": 32, "K": 50, "L": 80, "M": 125, "N": 200, "P": 315, "Q": 500, "R": 800,
    },
}
# fmt: on

RESOLVED = {
    # Table 2-A, normal inspection
    "normal": """
    0.010  0.015  0.025  0.040  0.065   0.10   0.15   0.25   0.40   0.65    1.0    1.5    2.5
A    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   C0/1
B    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   C0/1
C    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   C0/1
D    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   C0/1
E    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   F1/2
F    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   G1/2   F1/2
G    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   H1/2   G1/2   G2/3
H    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   J1/2   H1/2   H2/3   H3/4
J    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   K1/2   J1/2   J2/3   J3/4   J5/6
K    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   L1/2   K1/2   K2/3   K3/4   K5/6   K7/8
L    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   M1/2   L1/2   L2/3   L3/4   L5/6   L7/8 L10/11
M    Q0/1   P0/1   N0/1   M0/1   L0/1   N1/2   M1/2   M2/3   M3/4   M5/6   M7/8 M10/11 M14/15
N    Q0/1   P0/1   N0/1   M0/1   P1/2   N1/2   N2/3   N3/4   N5/6   N7/8 N10/11 N14/15 N21/22
P    Q0/1   P0/1   N0/1   Q1/2   P1/2   P2/3   P3/4   P5/6   P7/8 P10/11 P14/15 P21/22 N21/22
Q    Q0/1   P0/1   R1/2   Q1/2   Q2/3   Q3/4   Q5/6   Q7/8 Q10/11 Q14/15 Q21/22 P21/22 N21/22
R    Q0/1   P0/1   R1/2   R2/3   R3/4   R5/6   R7/8 R10/11 R14/15 R21/22 Q21/22 P21/22 N21/22
      4.0    6.5     10     15     25     40     65    100    150    250    400    650   1000
A    B0/1   A0/1   C1/2   B1/2   A1/2   A2/3   A3/4   A5/6   A7/8 A10/11 A14/15 A21/22 A30/31
B    B0/1   A0/1   C1/2   B1/2   B2/3   B3/4   B5/6   B7/8 B10/11 B14/15 B21/22 B30/31 B44/45
C    B0/1   D1/2   C1/2   C2/3   C3/4   C5/6   C7/8 C10/11 C14/15 C21/22 C30/31 C44/45 B44/45
D    E1/2   D1/2   D2/3   D3/4   D5/6   D7/8 D10/11 D14/15 D21/22 D30/31 D44/45 C44/45 B44/45
E    E1/2   E2/3   E3/4   E5/6   E7/8 E10/11 E14/15 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
F    F2/3   F3/4   F5/6   F7/8 F10/11 F14/15 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
G    G3/4   G5/6   G7/8 G10/11 G14/15 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
H    H5/6   H7/8 H10/11 H14/15 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
J    J7/8 J10/11 J14/15 J21/22 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
K  K10/11 K14/15 K21/22 J21/22 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
L  L14/15 L21/22 K21/22 J21/22 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
M  M21/22 L21/22 K21/22 J21/22 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
N  M21/22 L21/22 K21/22 J21/22 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
P  M21/22 L21/22 K21/22 J21/22 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
Q  M21/22 L21/22 K21/22 J21/22 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
R  M21/22 L21/22 K21/22 J21/22 H21/22 G21/22 F21/22 E21/22 E30/31 E44/45 D44/45 C44/45 B44/45
""",
    # Table 2-B, tightened inspection
    "tightened": """
    0.010  0.015  0.025  0.040  0.065   0.10   0.15   0.25   0.40   0.65    1.0    1.5    2.5
A    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1
B    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1
C    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1
D    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1
E    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   G1/2
F    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   H1/2   G1/2
G    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   J1/2   H1/2   G1/2
H    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   K1/2   J1/2   H1/2   H2/3
J    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   L1/2   K1/2   J1/2   J2/3   J3/4
K    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   M1/2   L1/2   K1/2   K2/3   K3/4   K5/6
L    R0/1   Q0/1   P0/1   N0/1   M0/1   L0/1   N1/2   M1/2   L1/2   L2/3   L3/4   L5/6   L8/9
M    R0/1   Q0/1   P0/1   N0/1   M0/1   P1/2   N1/2   M1/2   M2/3   M3/4   M5/6   M8/9 M12/13
N    R0/1   Q0/1   P0/1   N0/1   Q1/2   P1/2   N1/2   N2/3   N3/4   N5/6   N8/9 N12/13 N18/19
P    R0/1   Q0/1   P0/1   R1/2   Q1/2   P1/2   P2/3   P3/4   P5/6   P8/9 P12/13 P18/19 N18/19
Q    R0/1   Q0/1   S1/2   R1/2   Q1/2   Q2/3   Q3/4   Q5/6   Q8/9 Q12/13 Q18/19 P18/19 N18/19
R    R0/1   Q0/1   S1/2   R1/2   R2/3   R3/4   R5/6   R8/9 R12/13 R18/19 Q18/19 P18/19 N18/19
      4.0    6.5     10     15     25     40     65    100    150    250    400    650   1000
A    C0/1   B0/1   A0/1   C1/2   B1/2   A1/2   A2/3   A3/4   A5/6   A8/9 A12/13 A18/19 A27/28
B    C0/1   B0/1   D1/2   C1/2   B1/2   B2/3   B3/4   B5/6   B8/9 B12/13 B18/19 B27/28 B41/42
C    C0/1   E1/2   D1/2   C1/2   C2/3   C3/4   C5/6   C8/9 C12/13 C18/19 C27/28 C41/42 B41/42
D    F1/2   E1/2   D1/2   D2/3   D3/4   D5/6   D8/9 D12/13 D18/19 D27/28 D41/42 C41/42 B41/42
E    F1/2   E1/2   E2/3   E3/4   E5/6   E8/9 E12/13 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
F    F1/2   F2/3   F3/4   F5/6   F8/9 F12/13 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
G    G2/3   G3/4   G5/6   G8/9 G12/13 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
H    H3/4   H5/6   H8/9 H12/13 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
J    J5/6   J8/9 J12/13 J18/19 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
K    K8/9 K12/13 K18/19 J18/19 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
L  L12/13 L18/19 K18/19 J18/19 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
M  M18/19 L18/19 K18/19 J18/19 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
N  M18/19 L18/19 K18/19 J18/19 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
P  M18/19 L18/19 K18/19 J18/19 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
Q  M18/19 L18/19 K18/19 J18/19 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
R  M18/19 L18/19 K18/19 J18/19 H18/19 G18/19 F18/19 E18/19 E27/28 E41/42 D41/42 C41/42 B41/42
""",
    # Table 2-C, reduced inspection
    "reduced": """
    0.010  0.015  0.025  0.040  0.065   0.10   0.15   0.25   0.40   0.65    1.0    1.5    2.5
A    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   C0/1
B    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   C0/1
C    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   C0/1
D    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   C0/1
E    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   D0/1   G1/2
F    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   E0/1   H1/2   G1/2
G    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   F0/1   J1/2   H1/2   G1/2
H    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   G0/1   K1/2   J1/2   H1/2   H2/3
J    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   H0/1   L1/2   K1/2   J1/2   J2/3   J3/4
K    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   J0/1   M1/2   L1/2   K1/2   K2/3   K3/4   K5/6
L    Q0/1   P0/1   N0/1   M0/1   L0/1   K0/1   N1/2   M1/2   L1/2   L2/3   L3/4   L5/6   L6/7
M    Q0/1   P0/1   N0/1   M0/1   L0/1   P1/2   N1/2   M1/2   M2/3   M3/4   M5/6   M6/7   M8/9
N    Q0/1   P0/1   N0/1   M0/1   Q1/2   P1/2   N1/2   N2/3   N3/4   N5/6   N6/7   N8/9 N10/11
P    Q0/1   P0/1   N0/1   R1/2   Q1/2   P1/2   P2/3   P3/4   P5/6   P6/7   P8/9 P10/11 N10/11
Q    Q0/1   P0/1   N0/1   R1/2   Q1/2   Q2/3   Q3/4   Q5/6   Q6/7   Q8/9 Q10/11 P10/11 N10/11
R    Q0/1   P0/1   N0/1   R1/2   R2/3   R3/4   R5/6   R6/7   R8/9 R10/11 Q10/11 P10/11 N10/11
      4.0    6.5     10     15     25     40     65    100    150    250    400    650   1000
A    B0/1   A0/1   D1/2   C1/2   A1/2   A2/3   A3/4   A5/6   A7/8 A10/11 A14/15 A21/22 A30/31
B    B0/1   A0/1   D1/2   C1/2   B1/2   B2/3   B3/4   B5/6   B7/8 B10/11 B14/15 B21/22 B30/31
C    B0/1   E1/2   D1/2   C1/2   C2/3   C3/4   C5/6   C6/7   C8/9 C10/11 C14/15 C21/22 B30/31
D    F1/2   E1/2   D1/2   D2/3   D3/4   D5/6   D6/7   D8/9 D10/11 D14/15 D21/22 C21/22 B30/31
E    F1/2   E1/2   E2/3   E3/4   E5/6   E6/7   E8/9 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
F    F1/2   F2/3   F3/4   F5/6   F6/7   F8/9 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
G    G2/3   G3/4   G5/6   G6/7   G8/9 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
H    H3/4   H5/6   H6/7   H8/9 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
J    J5/6   J6/7   J8/9 J10/11 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
K    K6/7   K8/9 K10/11 J10/11 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
L    L8/9 L10/11 K10/11 J10/11 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
M  M10/11 L10/11 K10/11 J10/11 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
N  M10/11 L10/11 K10/11 J10/11 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
P  M10/11 L10/11 K10/11 J10/11 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
Q  M10/11 L10/11 K10/11 J10/11 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
R  M10/11 L10/11 K10/11 J10/11 H10/11 G10/11 F10/11 E10/11 E14/15 E21/22 D21/22 C21/22 B30/31
""",
}


def parse_resolved(text):
    """{(code letter, AQL): (plan letter, Ac, Re)} for every cell of one table."""
    cells = {}
    aqls = ()
    for line in text.strip().splitlines():
        tokens = line.split()
        if not tokens[0].isalpha():
            aqls = tuple(tokens)
            continue
        letter, row = tokens[0], tokens[1:]
        assert len(row) == len(aqls), line
        for aql, cell in zip(aqls, row, strict=True):
            accept, reject = cell[1:].split("/")
            cells[(letter, aql)] = (cell[0], int(accept), int(reject))
    return cells


EXPECTED_CELLS = {severity: parse_resolved(text) for severity, text in RESOLVED.items()}
