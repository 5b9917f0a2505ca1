"""Fault injection with real processes: every test here carries the `faults` marker
(`pytest -m faults` runs them alone; `make test` runs them with the rest)."""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)
