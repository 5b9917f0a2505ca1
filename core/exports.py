"""Spreadsheet exports: the one place that makes cell values safe to open (OWASP CSV
injection guidance). Every CSV/XLSX export writes its rows through `safe_row` (or the
`csv_writer` below), so a merchant named `=HYPERLINK(...)` arrives as text, never a formula.
"""

import csv
import re
from decimal import Decimal

# A cell starting with one of these is read as a formula (or DDE) by spreadsheet software.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Plain numbers ("-3", "+1.5", "-12.0%", "1,234") stay numbers: they are not formulas.
_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?%?")


def safe_cell(value):
    """The value itself when harmless (numbers, plain text); otherwise text prefixed with a
    single quote, so that spreadsheet software shows it as text and never evaluates it."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(row) -> list:
    return [safe_cell(value) for value in row]


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> _SafeWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""
    return _SafeWriter(csv.writer(out, **kwargs))
