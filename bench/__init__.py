"""Benchmarks: each bench/<name>.py has `main() -> list[Figure]` and builds its own data.

`make bench` (or `python -m bench [name ...]` with DATABASE_URL/REDIS_URL set) runs them
all in a throwaway database (`bench_<name of the configured database>`, created, migrated
and dropped), prints one table and writes bench/results/latest.json.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    figure: str  # what was measured, with its size
    goal: str  # the target, as text ("< 5 s")
    value: float
    unit: str = "s"
    met: bool | None = None  # None when the goal is not a hard limit


class Stopwatch:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Stopwatch]:
    watch = Stopwatch()
    start = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - start


def within(figure: str, seconds: float, limit: float) -> Figure:
    """A timing with an upper limit as its goal."""
    return Figure(figure, f"< {limit:g} s", round(seconds, 3), "s", seconds < limit)


def bench_merchant():
    """The one active merchant the single-merchant benchmarks file their rows under."""
    from merchants.models import Merchant

    merchant, _created = Merchant.objects.get_or_create(
        credit_code="91310000MA1FL0BE2X",
        defaults={
            "legal_name": "Bench merchant",
            "contact_name": "Bench",
            "contact_email": "bench@example.test",
            "status": "active",
        },
    )
    return merchant
