"""Run every benchmark module of this package (each one's ``main()``), in name order."""

import importlib
import pkgutil
import sys

import bench


def run(names: list[str]) -> None:
    available = sorted(
        module.name
        for module in pkgutil.iter_modules(bench.__path__)
        if not module.ispkg and not module.name.startswith("_")
    )
    for name in names or available:
        if name not in available:
            raise SystemExit(f"Unknown benchmark {name!r}; available: {', '.join(available)}")
        print(f"== bench.{name}")
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    run(sys.argv[1:])
