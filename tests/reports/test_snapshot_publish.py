"""Generating on demand and at quarter end, progress, and publishing (Quality Managers)."""

from datetime import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from core.audit import decisions_for
from core.decision_labels import reason_label
from core.exceptions import DomainError, InvalidTransition, NotAllowed
from reports.models.snapshots import QuarterlyReport, Snapshot
from reports.services import figures as defs
from reports.services import snapshots as services
from tests.languages import in_both
from tests.reports.snapshot_quarter import (
    AS_OF,
    CST,
    quarter_fixture,  # noqa: F401 - the `quarter` fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(role_user):
    return role_user("quality_manager")


@pytest.fixture
def analyst(role_user):
    return role_user("data_analysis")


def generate(by, capture, quarter_number=2) -> QuarterlyReport:
    with time_machine.travel(AS_OF, tick=False), capture(execute=True):
        snapshot = services.request_snapshot(year=2026, quarter=quarter_number, by=by)
    return QuarterlyReport.objects.get(snapshot=snapshot)


def test_progress_is_written_while_the_task_runs(
    quarter, manager, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    real = defs.run_group

    def observing(name, **kwargs):
        snapshot = Snapshot.objects.order_by("-id").first()
        seen.append((snapshot.state, snapshot.step, snapshot.progress))
        return real(name, **kwargs)

    monkeypatch.setattr(defs, "run_group", observing)
    generate(manager, django_capture_on_commit_callbacks)
    assert seen[0] == ("running", "cases", 0)
    assert [step for _state, step, _p in seen[:7]] == defs.group_names()
    progress = [p for _state, _step, p in seen]
    assert progress == sorted(progress) and progress[-1] > progress[0]
    snapshot = Snapshot.objects.get()
    assert (snapshot.state, snapshot.progress, snapshot.step) == ("ready", 100, "")


def test_a_failed_computation_is_recorded(manager, monkeypatch, django_capture_on_commit_callbacks):
    def broken(name, **kwargs):
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(defs, "run_group", broken)
    with pytest.raises(RuntimeError):
        generate(manager, django_capture_on_commit_callbacks)
    snapshot = Snapshot.objects.get()
    assert snapshot.state == Snapshot.State.FAILED
    assert "statement timeout" in snapshot.error
    assert not QuarterlyReport.objects.exists()


def test_a_quarter_that_has_not_begun_cannot_be_generated(manager):
    with time_machine.travel(AS_OF, tick=False), pytest.raises(DomainError):
        services.request_snapshot(year=2026, quarter=4, by=manager)


def test_only_report_staff_generate(role_user):
    with pytest.raises(NotAllowed):
        services.request_snapshot(year=2026, quarter=1, by=role_user("consumer_service"))


def test_quarter_end_beat_makes_one_scheduled_snapshot(db, django_capture_on_commit_callbacks):
    entry = settings.CELERY_BEAT_SCHEDULE["reports.quarterly-snapshot"]
    assert entry["task"] == "reports.tasks.snapshots.quarterly_snapshot"
    from reports.tasks.snapshots import quarterly_snapshot

    with (
        time_machine.travel(datetime(2026, 7, 1, 0, 30, tzinfo=CST), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = quarterly_snapshot.delay().get()
        second = quarterly_snapshot.delay().get()
    snapshot = Snapshot.objects.get(pk=first)
    assert second is None
    assert (snapshot.year, snapshot.quarter, snapshot.trigger) == (2026, 2, "schedule")
    assert snapshot.state == Snapshot.State.READY
    assert QuarterlyReport.objects.get(snapshot=snapshot).status == "draft"


def test_only_a_quality_manager_publishes(
    quarter, manager, analyst, django_capture_on_commit_callbacks
):
    report = generate(analyst, django_capture_on_commit_callbacks)
    with pytest.raises(NotAllowed):
        services.publish_report(report=report, by=analyst)
    report.refresh_from_db()
    assert report.status == QuarterlyReport.Status.DRAFT

    services.publish_report(report=report, by=manager, reason="Reviewed with the board")
    report.refresh_from_db()
    assert report.status == QuarterlyReport.Status.PUBLISHED
    assert report.published_by == manager
    decision = list(decisions_for(report))[-1]
    assert (decision.from_state, decision.to_state, decision.actor) == (
        "draft",
        "published",
        manager,
    )
    assert decision.reason == "Reviewed with the board"
    with pytest.raises(InvalidTransition):
        services.publish_report(report=report, by=manager)


def test_publishing_a_newer_report_supersedes_the_older(
    client, quarter, manager, django_capture_on_commit_callbacks
):
    older = generate(manager, django_capture_on_commit_callbacks)
    services.publish_report(report=older, by=manager)
    newer = generate(manager, django_capture_on_commit_callbacks)
    services.publish_report(report=newer, by=manager)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.status == QuarterlyReport.Status.SUPERSEDED
    assert newer.status == QuarterlyReport.Status.PUBLISHED
    decision = list(decisions_for(older))[-1]
    assert decision.data["replaced_by"] == newer.pk and decision.reason == ""
    # The reason is a code, read in each reader's language.
    assert in_both(lambda: reason_label(decision)) == (
        f"Replaced by report #{newer.pk}.",
        f"已由报告 #{newer.pk} 取代。",
    )
    # The report's page says it too, in the reader's language.
    client.force_login(manager)
    for language, words in (("en", "Replaced by report #"), ("zh-hans", "已由报告 #")):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(reverse("reports:snapshot-detail", args=[older.snapshot_id]))
        assert f"{words}{newer.pk}" in page.content.decode()


def test_publish_page_is_forbidden_to_data_analysis(
    client, quarter, analyst, django_capture_on_commit_callbacks
):
    report = generate(analyst, django_capture_on_commit_callbacks)
    client.force_login(analyst)
    response = client.post(reverse("reports:report-publish", args=[report.pk]))
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == QuarterlyReport.Status.DRAFT


def test_publish_page_publishes_for_a_quality_manager(
    client, quarter, manager, django_capture_on_commit_callbacks
):
    report = generate(manager, django_capture_on_commit_callbacks)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:report-publish", args=[report.pk]), {"reason": "ok"}
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == QuarterlyReport.Status.PUBLISHED
