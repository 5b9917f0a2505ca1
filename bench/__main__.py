"""Run the benchmarks: `python -m bench [name ...]` (see bench/__init__.py)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(path.stem for path in BENCH_DIR.glob("*.py") if not path.stem.startswith("_"))


def verdict(met: bool | None) -> str:
    return "-" if met is None else ("pass" if met else "short")


def render(rows: list[tuple[str, str, str, str, str]]) -> str:
    """One plain-text table: benchmark, figure, goal, value, pass/short."""
    header = ("benchmark", "figure", "goal", "value", "result")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = [
        "  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)),
        line,
    ]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)


class Progress:
    """Progress on stderr while the benchmarks run: rich's bar on a terminal when rich is
    installed (it is, through schemathesis), else one line per step (logs, CI). Never on
    stdout, which keeps the table."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.rich = None
        if not sys.stderr.isatty():  # a log file or CI: plain lines read better than a bar
            return
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )
        except ImportError:
            return
        self.rich = RichProgress(
            TextColumn("[bold]bench[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.rich.add_task("setting up the database", total=total)

    def __enter__(self):
        if self.rich is not None:
            self.rich.start()
        return self

    def __exit__(self, *exc):
        if self.rich is not None:
            self.rich.stop()

    def start(self, name: str) -> None:
        if self.rich is not None:
            self.rich.update(self.task, description=f"running {name}")
        else:
            print(f"[{self.done + 1}/{self.total}] {name} ...", file=sys.stderr, flush=True)

    def finish(self, name: str, seconds: float) -> None:
        self.done += 1
        if self.rich is not None:
            self.rich.update(self.task, advance=1, description=f"{name} done ({seconds:.1f} s)")
            self.rich.console.log(f"{name}: {seconds:.1f} s")
        else:
            print(f"[{self.done}/{self.total}] {name}: {seconds:.1f} s", file=sys.stderr)


def _reset_connection() -> None:
    """After a module died mid-transaction, start the next one on a clean connection."""
    from django.db import connection

    if connection.in_atomic_block:
        connection.set_rollback(True)
    connection.close()


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
    rows, results, failed = [], [], False
    with Progress(len(names)) as progress:
        old_config = setup_databases(verbosity=0, interactive=False)
        try:
            for name in names:
                progress.start(name)
                started = time.perf_counter()
                try:
                    module = importlib.import_module(f"bench.{name}")
                    figures = module.main() or []  # a module may only print
                except Exception as exc:  # one broken module must not hide the others
                    traceback.print_exc(file=sys.stderr)
                    failed = True
                    rows.append((name, "(module failed)", "-", type(exc).__name__, "error"))
                    results.append({"benchmark": name, "error": f"{type(exc).__name__}: {exc}"})
                    _reset_connection()
                    progress.finish(name, time.perf_counter() - started)
                    continue
                progress.finish(name, time.perf_counter() - started)
                for f in figures:
                    failed |= f.met is False
                    rows.append((name, f.figure, f.goal, f"{f.value:g} {f.unit}", verdict(f.met)))
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
