"""Downloads: CSV (UTF-8 with BOM) and PDF, in Chinese and English, rendered from the
frozen snapshot alone, so regenerating gives the same bytes."""

import csv
import io

import pytest
import time_machine
from pypdf import PdfReader

from complaints.models import Case
from reports.models.snapshots import Snapshot
from reports.services import render
from reports.services import snapshots as services
from tests.reports.snapshot_quarter import (
    AS_OF,
    CONSUMER_EMAIL,
    MERCHANT_EMAIL,
    quarter_fixture,  # noqa: F401 - the `quarter` fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(quarter, role_user, django_capture_on_commit_callbacks):
    manager = role_user("quality_manager")
    with time_machine.travel(AS_OF, tick=False), django_capture_on_commit_callbacks(execute=True):
        made = services.request_snapshot(year=2026, quarter=2, by=manager)
    made.refresh_from_db()
    return made


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_csv_starts_with_a_bom_and_round_trips_chinese(snapshot):
    data, name, content_type = services.download(
        snapshot=snapshot, file_format="csv", language="zh-hans", audience="staff"
    )
    assert data.startswith(b"\xef\xbb\xbf")
    assert name == "quality-report-2026-q2-zh-hans-staff.csv"
    assert content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["商家质量报告 2026 Q2"]
    by_label = {row[0]: row[1:] for row in rows if row}
    assert by_label["受理投诉数"] == ["4", "1", "3"]
    assert by_label["24 小时内首次响应占比"][0] == "66.7"
    assert ["Alpha Trading Co.", str(snapshot.figures["merchants"][0]["merchant_id"])] == (
        next(row for row in rows if row and row[0] == "Alpha Trading Co.")[:2]
    )


def test_english_csv_has_english_labels(snapshot):
    data = render.render_csv(services.document(snapshot), language="en", audience="staff")
    text = data.decode("utf-8-sig")
    assert "Complaints filed,4,1,3" in text
    assert "Inspection pass rate,60.0,100.0,-40.0" in text


def test_pdf_text_contains_the_figures_in_both_languages(snapshot):
    zh = pdf_text(
        render.render_pdf(services.document(snapshot), language="zh-hans", audience="staff")
    )
    en = pdf_text(render.render_pdf(services.document(snapshot), language="en", audience="staff"))
    assert "商家质量报告" in zh
    assert "受理投诉数" in zh
    assert "Alpha Trading Co." in zh
    assert "Merchant quality report 2026 Q2" in en
    assert "Inspection pass rate" in en
    assert "60.0%" in en


def test_regenerating_from_the_stored_snapshot_gives_identical_bytes(snapshot):
    first = {
        (fmt, lang): render.render(
            services.document(snapshot), file_format=fmt, language=lang, audience="staff"
        )
        for fmt in render.FORMATS
        for lang in render.LANGUAGES
    }
    # Live data changes after the snapshot; the report does not.
    Case.objects.update(status="closed")
    stored = Snapshot.objects.get(pk=snapshot.pk)
    with time_machine.travel("2031-01-01 12:00Z"):
        again = {
            (fmt, lang): render.render(
                services.document(stored), file_format=fmt, language=lang, audience="staff"
            )
            for fmt in render.FORMATS
            for lang in render.LANGUAGES
        }
    assert again == first
    assert services.checksum(stored.figures) == snapshot.checksum


def test_public_downloads_leave_out_scorecards_and_personal_data(snapshot):
    for fmt in render.FORMATS:
        data = render.render(
            services.document(snapshot), file_format=fmt, language="en", audience="public"
        )
        text = data.decode("utf-8-sig") if fmt == "csv" else pdf_text(data)
        assert "Alpha Trading Co." not in text
        assert "scorecard" not in text.lower()
        assert MERCHANT_EMAIL not in text
        assert CONSUMER_EMAIL not in text
        assert "Complaints filed" in text


def test_csv_neutralises_a_merchant_name_that_is_a_spreadsheet_formula(snapshot):
    figures = services.document(snapshot)
    evil = '=HYPERLINK("http://evil.example","x")'
    figures["merchants"][0]["name"] = evil
    data = render.render_csv(figures, language="en", audience="staff")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + evil in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    # Negative figures stay numbers.
    assert "Inspection pass rate,60.0,100.0,-40.0" in data.decode("utf-8-sig")
