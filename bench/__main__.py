"""Run every bench module's main() (python -m bench [name ...])."""

import importlib
import pkgutil
import sys
from pathlib import Path


def run(names: list[str]) -> None:
    here = Path(__file__).parent
    available = [m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")]
    for name in names or available:
        print(f"== bench.{name}")
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    run(sys.argv[1:])
