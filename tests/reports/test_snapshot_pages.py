"""Staff pages and API of the quarterly reports."""

import pytest
import time_machine
from django.urls import reverse

from reports.models.snapshots import QuarterlyReport, Snapshot
from reports.services import snapshots as services
from tests.reports.snapshot_quarter import (
    AS_OF,
    quarter_fixture,  # noqa: F401 - the `quarter` fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(role_user):
    return role_user("quality_manager")


@pytest.fixture
def report(quarter, manager, django_capture_on_commit_callbacks):
    with time_machine.travel(AS_OF, tick=False), django_capture_on_commit_callbacks(execute=True):
        snapshot = services.request_snapshot(year=2026, quarter=2, by=manager)
    return QuarterlyReport.objects.get(snapshot=snapshot)


def test_list_shows_state_and_progress_and_refreshes_while_running(client, manager):
    Snapshot.objects.create(year=2026, quarter=2, trigger="on_demand", state="running", progress=42)
    client.force_login(manager)
    page = client.get(reverse("reports:snapshot-list")).content.decode()
    assert 'value="42"' in page
    assert 'http-equiv="refresh"' in page


def test_generate_from_the_list(client, manager, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with time_machine.travel(AS_OF, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:snapshot-generate"), {"year": 2026, "quarter": 2})
    snapshot = Snapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:snapshot-detail", args=[snapshot.pk])
    assert snapshot.state == Snapshot.State.READY


def test_detail_shows_figures_charts_and_scorecards(client, manager, report):
    client.force_login(manager)
    with time_machine.travel(AS_OF):
        page = client.get(reverse("reports:snapshot-detail", args=[report.snapshot_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("<svg") == 3
    assert "Alpha Trading Co." in text
    assert "66.7%" in text


def test_pages_are_for_report_staff_only(client, role_user, report):
    client.force_login(role_user("consumer_service"))
    assert client.get(reverse("reports:snapshot-list")).status_code == 403
    assert (
        client.get(reverse("reports:snapshot-detail", args=[report.snapshot_id])).status_code == 403
    )
    url = reverse("reports:snapshot-download", args=[report.snapshot_id, "en", "csv"])
    assert client.get(url).status_code == 403


def test_staff_download(client, manager, report):
    client.force_login(manager)
    response = client.get(
        reverse("reports:snapshot-download", args=[report.snapshot_id, "zh-hans", "pdf"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="quality-report-2026-q2-zh-hans-staff.pdf"' in response["Content-Disposition"]


# --- API ------------------------------------------------------------------------------------
def test_api_lists_and_details_snapshots(client, manager, report):
    client.force_login(manager)
    listing = client.get("/api/v1/quarterly-snapshots/").json()
    row = listing["results"][0] if "results" in listing else listing[0]
    assert row["state"] == "ready" and row["progress"] == 100 and row["report"] == report.pk
    assert "figures" not in row
    detail = client.get(f"/api/v1/quarterly-snapshots/{report.snapshot_id}/").json()
    assert detail["figures"]["platform"]["complaints_filed"] == 4


def test_api_generates_for_report_staff(client, manager, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with time_machine.travel(AS_OF, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/quarterly-snapshots/",
            {"year": 2026, "quarter": 2},
            content_type="application/json",
        )
    assert response.status_code == 202
    assert Snapshot.objects.get(pk=response.json()["id"]).state == "ready"


def test_api_refuses_other_staff_and_merchants(client, role_user, owner_a, report):
    for user in (role_user("consumer_service"), owner_a):
        client.force_login(user)
        assert client.get("/api/v1/quarterly-reports/").status_code == 403
        assert (
            client.post(
                "/api/v1/quarterly-snapshots/",
                {"year": 2026, "quarter": 2},
                content_type="application/json",
            ).status_code
            == 403
        )


def test_api_publish_is_for_quality_managers(client, role_user, manager, report):
    client.force_login(role_user("data_analysis"))
    url = f"/api/v1/quarterly-reports/{report.pk}/publish/"
    assert client.post(url, {}, content_type="application/json").status_code == 403
    client.force_login(manager)
    response = client.post(url, {"reason": "ok"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "published"


def test_api_report_has_download_links_that_work(client, manager, report):
    client.force_login(manager)
    body = client.get(f"/api/v1/quarterly-reports/{report.pk}/").json()
    assert set(body["downloads"]) == {"csv_zh_hans", "csv_en", "pdf_zh_hans", "pdf_en"}
    response = client.get(body["downloads"]["csv_en"])
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    bad = client.get(f"/api/v1/quarterly-reports/{report.pk}/download/?file_format=xls&language=en")
    assert bad.status_code == 400
