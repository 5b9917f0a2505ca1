"""Rebuild the dashboards' daily figures for a range of local days (a backfill after an
import, a definition change, or a late correction to an old case)."""

import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.services.dashboards import refresh_daily_figures

# One statement per chunk: a year of a million cases stays well inside a statement timeout,
# and the lock that orders refreshes is never held for long.
CHUNK_DAYS = 31


class Command(BaseCommand):
    help = "Recompute the dashboards' daily figures for the days --from .. --to (local)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
        parser.add_argument(
            "--to", dest="last", type=date.fromisoformat, help="last day (default: today)"
        )

    def handle(self, *args, first, last=None, **options):
        last = last or timezone.localdate()
        if last < first:
            raise CommandError("--to is before --from")
        started = time.perf_counter()
        written = 0
        chunk_first = first
        while chunk_first <= last:
            chunk_last = min(chunk_first + timedelta(days=CHUNK_DAYS - 1), last)
            written += refresh_daily_figures(first=chunk_first, last=chunk_last)
            chunk_first = chunk_last + timedelta(days=1)
        self.stdout.write(
            f"{written} daily figure rows for {first}..{last} "
            f"in {time.perf_counter() - started:.1f} s"
        )
