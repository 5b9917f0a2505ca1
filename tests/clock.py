"""Running the tests on any date: the application's clock, shifted for a whole session.

With QUALITY_CLOCK_SHIFT_DAYS=N the test session (tests/conftest.py) and every Python process
a test starts through `python_module()` (Celery workers, beat) see a clock N days from the
real date, ticking. PostgreSQL's now() stays on the real date, so code that mixes the two
clocks, and tests that pass only because today is near the dates they travel to, fail.

    python -m tests.clock celery -A config worker ...   # what python_module("celery") runs
"""

from __future__ import annotations

import os
import runpy
import sys
from datetime import UTC, datetime, timedelta

import time_machine

ENV = "QUALITY_CLOCK_SHIFT_DAYS"


def shift_days() -> int:
    raw = os.environ.get(ENV, "").strip()
    try:
        return int(raw or 0)
    except ValueError:
        raise ValueError(f"{ENV} must be whole days, got {raw!r}") from None


def shifted() -> time_machine.travel | None:
    """A ticking travel to now + the shift (not started), or None when there is no shift."""
    days = shift_days()
    if not days:
        return None
    return time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)


def python_module(module: str) -> list[str]:
    """`python -m module`, on the session's shifted clock when there is one."""
    if shift_days():
        return [sys.executable, "-m", "tests.clock", module]
    return [sys.executable, "-m", module]


if __name__ == "__main__":
    module = sys.argv.pop(1)
    traveller = shifted()
    if traveller is not None:
        traveller.start()
    runpy.run_module(module, run_name="__main__", alter_sys=True)
