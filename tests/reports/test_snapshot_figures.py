"""Quarterly figures against a hand-computed quarter (tests/reports/snapshot_quarter.py)."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models.snapshots import QuarterlyReport, Snapshot
from reports.services import snapshots as services
from reports.services.figures import quarter_of, quarter_period
from tests.reports.snapshot_quarter import (
    AS_OF,
    EXPECTED_PLATFORM,
    EXPECTED_PREVIOUS,
    quarter_fixture,  # noqa: F401 - the `quarter` fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(role_user):
    return role_user("quality_manager")


def make_snapshot(manager, capture, *, year=2026, quarter_number=2) -> Snapshot:
    with time_machine.travel(AS_OF, tick=False), capture(execute=True):
        snapshot = services.request_snapshot(year=year, quarter=quarter_number, by=manager)
    snapshot.refresh_from_db()
    return snapshot


def test_quarter_bounds_are_china_time():
    period = quarter_period(2026, 2)
    assert period.start.isoformat() == "2026-04-01T00:00:00+08:00"
    assert period.end.isoformat() == "2026-07-01T00:00:00+08:00"
    assert period.previous().label == "2026 Q1"
    assert quarter_period(2026, 1).previous().label == "2025 Q4"
    assert quarter_of(AS_OF).label == "2026 Q3"


def test_platform_figures_match_the_hand_computed_quarter(
    quarter,
    manager,
    django_capture_on_commit_callbacks,
):
    snapshot = make_snapshot(manager, django_capture_on_commit_callbacks)
    assert snapshot.state == Snapshot.State.READY
    assert snapshot.progress == 100
    platform = snapshot.figures["platform"]
    assert {key: platform[key] for key in EXPECTED_PLATFORM} == EXPECTED_PLATFORM
    assert snapshot.figures["months"] == [
        {"month": "2026-04", "complaints_filed": 3},
        {"month": "2026-05", "complaints_filed": 0},
        {"month": "2026-06", "complaints_filed": 1},
    ]
    assert snapshot.figures["sanctions_by_kind"] == {
        "warning": 1,
        "sales_restriction": 1,
        "product_delisting": 0,
        "suspension": 0,
        "termination": 0,
    }


def test_change_is_against_the_previous_quarter(
    quarter,
    manager,
    django_capture_on_commit_callbacks,
):
    figures = make_snapshot(manager, django_capture_on_commit_callbacks).figures
    previous = figures["previous"]
    assert previous["label"] == "2026 Q1"
    assert previous["source"] == "computed"
    assert {k: previous["platform"][k] for k in EXPECTED_PREVIOUS} == EXPECTED_PREVIOUS
    change = figures["change"]
    assert change["complaints_filed"] == 3
    assert change["complaints_resolved"] == 4
    assert change["response_within_target_share"] == -0.3333
    assert change["inspection_pass_rate"] == -0.4
    assert change["products_delisted"] == 0
    assert change["sanctions"] == 1
    assert change["average_stars"] == 0.6667
    assert change["average_service_rating"] is None  # no service ratings in Q1


def test_a_later_snapshot_compares_with_the_frozen_previous_one(
    quarter,
    manager,
    django_capture_on_commit_callbacks,
):
    q1 = make_snapshot(manager, django_capture_on_commit_callbacks, quarter_number=1)
    q2 = make_snapshot(manager, django_capture_on_commit_callbacks)
    assert q2.figures["previous"]["source"] == f"snapshot:{q1.pk}"
    assert q2.figures["previous"]["platform"] == q1.figures["platform"]


def test_each_merchant_gets_a_scorecard(
    quarter,
    manager,
    django_capture_on_commit_callbacks,
):
    cards = make_snapshot(manager, django_capture_on_commit_callbacks).figures["merchants"]
    assert [c["name"] for c in cards] == ["Alpha Trading Co.", "Beta Goods Co."]
    alpha, beta = cards
    assert alpha["merchant_id"] == quarter["alpha"].pk
    expected_alpha = {
        "complaints_filed": 3,
        "complaints_resolved": 2,
        "response_within_target_share": 0.5,
        "resolution_within_target_share": 0.5,
        "median_response_hours": 16.0,
        "inspections_done": 2,
        "inspection_pass_rate": 0.5,
        "products_delisted": 1,
        "sanctions": 2,
        "violation_points": 12,
        "average_stars": 4.5,
        "average_service_rating": 4.0,
        "ad_reports_substantiated": 0,
    }
    expected_beta = {
        "complaints_filed": 1,
        "complaints_resolved": 2,
        "response_within_target_share": 1.0,
        "resolution_within_target_share": 1.0,
        "median_response_hours": 4.0,
        "inspections_done": 3,
        "inspection_pass_rate": 0.6667,
        "products_delisted": 0,
        "sanctions": 0,
        "violation_points": 3,
        "average_stars": 2.0,
        "average_service_rating": 3.0,
        "ad_reports_substantiated": 1,
    }
    assert {k: alpha[k] for k in expected_alpha} == expected_alpha
    assert {k: beta[k] for k in expected_beta} == expected_beta
    # No contact data in a scorecard.
    assert set(alpha) - set(expected_alpha) <= {
        "merchant_id",
        "name",
        "response_met",
        "response_judged",
        "resolution_met",
        "resolution_judged",
        "inspections_passed",
        "inspections_rejected",
        "review_count",
        "service_rating_count",
    }


def test_each_figure_group_is_one_statement_whatever_the_row_count(
    quarter,
    manager,
    django_capture_on_commit_callbacks,
):
    with CaptureQueriesContext(connection) as queries:
        make_snapshot(manager, django_capture_on_commit_callbacks)
    case_scans = [q for q in queries.captured_queries if "FROM complaints_case c" in q["sql"]]
    review_scans = [
        q for q in queries.captured_queries if "FROM reviews_productreview r" in q["sql"]
    ]
    # This quarter and the previous one (no frozen snapshot of it yet): one statement each.
    assert len(case_scans) == 2
    assert len(review_scans) == 2


def test_a_ready_snapshot_is_frozen_and_opens_a_draft_report(
    quarter,
    manager,
    django_capture_on_commit_callbacks,
):
    snapshot = make_snapshot(manager, django_capture_on_commit_callbacks)
    report = QuarterlyReport.objects.get(snapshot=snapshot)
    assert report.status == QuarterlyReport.Status.DRAFT
    assert snapshot.checksum == services.checksum(snapshot.figures)
    # Running the task again (a re-delivered message) changes nothing.
    services.generate(snapshot_id=snapshot.pk)
    again = Snapshot.objects.get(pk=snapshot.pk)
    assert again.figures == snapshot.figures
    assert again.as_of == snapshot.as_of
    assert QuarterlyReport.objects.filter(snapshot=snapshot).count() == 1
