"""ISO 2859-1 sampling tables: cells encoded, cells checked, and look-up speed.

Pure Python, no database: ``python -m bench.sampling_tables`` (or ``python -m bench``).
"""

import time

from bench import Figure, within
from inspections import sampling
from tests.inspections.iso2859_expected import CODE_LETTERS_BY_LEVEL, EXPECTED_CELLS, SAMPLE_SIZES

LOOKUPS = 1_000_000


def encoded_cells() -> dict[str, int]:
    """Cells of Tables 2-A/2-B/2-C as encoded in the module (Ac/Re, arrows and blanks)."""
    return {
        severity: sum(len(row) for row in rows.values())
        for severity, rows in sampling.MASTER_CELLS.items()
    }


def check_cells() -> tuple[int, list[tuple]]:
    """Compare every resolved cell with the independent transcription of the tables."""
    checked, mismatches = 0, []
    for severity, cells in EXPECTED_CELLS.items():
        for (letter, aql), (plan_letter, accept, reject) in cells.items():
            plan = sampling.plan_for_code_letter(letter, aql, severity=severity)
            want = (plan_letter, SAMPLE_SIZES[severity][plan_letter], accept, reject)
            got = (plan.code_letter, plan.sample_size, plan.accept, plan.reject)
            checked += 1
            if got != want:
                mismatches.append((severity, letter, aql, got, want))
    return checked, mismatches


def check_code_letters() -> int:
    from tests.inspections.iso2859_expected import LOT_SIZE_RANGES

    checked = 0
    for level, letters in CODE_LETTERS_BY_LEVEL.items():
        for (low, high), letter in zip(LOT_SIZE_RANGES, letters, strict=True):
            for lot_size in (low, high or 10_000_000):
                assert sampling.code_letter(lot_size, level) == letter, (level, lot_size)
                checked += 1
    return checked


def time_lookups(count: int = LOOKUPS) -> float:
    """Seconds for ``count`` calls of single_sampling_plan over a spread of inputs."""
    lots = (5, 60, 140, 1000, 2500, 9000, 40_000, 600_000)
    aqls = ("0", "0.65", "1.0", "2.5", "4.0", "6.5", "10", "0.010")
    severities = ("normal", "tightened", "reduced")
    inputs = [
        (lots[i % len(lots)], aqls[(i // 8) % len(aqls)], severities[(i // 64) % 3])
        for i in range(192)
    ]
    plan = sampling.single_sampling_plan
    rounds, rest = divmod(count, len(inputs))
    started = time.perf_counter()
    for _ in range(rounds):
        for lot_size, aql, severity in inputs:
            plan(lot_size, aql, severity=severity)
    for lot_size, aql, severity in inputs[:rest]:
        plan(lot_size, aql, severity=severity)
    return time.perf_counter() - started


def main() -> list[Figure]:
    encoded = encoded_cells()
    checked, mismatches = check_cells()
    letters = check_code_letters()
    print(
        "ISO 2859-1:1999 cells encoded: "
        + ", ".join(f"{severity} {cells}" for severity, cells in encoded.items())
        + f" (total {sum(encoded.values())}, Table 1: "
        f"{len(sampling.LEVELS) * 15} code letters)"
    )
    print(
        f"cells checked against the transcribed published tables: {checked}, "
        f"mismatches: {len(mismatches)}; Table 1 boundaries checked: {letters}"
    )
    for mismatch in mismatches[:20]:
        print("  MISMATCH", mismatch)
    seconds = time_lookups()
    print(
        f"{LOOKUPS:,} single_sampling_plan look-ups: {seconds:.2f} s "
        f"({seconds / LOOKUPS * 1e6:.2f} µs each)"
    )
    return [
        Figure("published table cells checked", "0 mismatches", checked, "cells", not mismatches),
        Figure("Table 1 lot-size boundaries checked", "all", letters, "cases", True),
        within(f"{LOOKUPS:,} plan look-ups", seconds, 5.0),
    ]


if __name__ == "__main__":
    for figure in main():
        print(figure)
