import csv
import io
from decimal import Decimal

import pytest

from core.exports import csv_writer, safe_cell


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_cells_that_a_spreadsheet_would_evaluate_are_written_as_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [12, -3.5, Decimal("-1.20"), "-40.0", "+1.5%", "Acme", ""])
def test_numbers_and_plain_text_are_left_alone(value):
    assert safe_cell(value) == value


def test_csv_writer_neutralises_every_cell():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["=1+1", "ok", -4])
    writer.writerows([["@x", "+y"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["'=1+1", "ok", "-4"], ["'@x", "'+y"]]
