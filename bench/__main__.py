"""Run the benchmarks: `python -m bench [name ...]` (see bench/__init__.py)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(path.stem for path in BENCH_DIR.glob("*.py") if not path.stem.startswith("_"))


def render(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("benchmark", "figure", "goal", "value")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    out = [
        "  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)),
        line,
    ]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    args = parser.parse_args(argv)
    names = args.names or discover()
    unknown = sorted(set(names) - set(discover()))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)} (have: {', '.join(discover())})")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    from config.celery import app

    # Work stays in this process and its throwaway database: no task reaches a broker.
    app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    database = settings.DATABASES["default"]
    database["TEST"] = {**database.get("TEST", {}), "NAME": f"bench_{database['NAME']}"}
    old_config = setup_databases(verbosity=0, interactive=False)
    rows, results, failed = [], [], False
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            started = time.perf_counter()
            figures = module.main() or []  # a module may only print
            print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for f in figures:
                mark = "" if f.met is None else (" ok" if f.met else " MISSED")
                failed |= f.met is False
                rows.append((name, f.figure, f.goal, f"{f.value:g} {f.unit}{mark}"))
                results.append({"benchmark": name, **f.__dict__})
    finally:
        teardown_databases(old_config, verbosity=0)
    print(render(rows))
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
