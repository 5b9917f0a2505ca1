"""External assessors: read-only access without personal data, findings, responses, and
both in the next quarterly report."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.exceptions import DomainError, NotAllowed
from reports.models import Finding
from reports.services import assessment
from reports.services.figures import quarter_of
from tests.factories.complaints import CaseFactory
from tests.factories.core import UserFactory


@pytest.fixture
def assessor(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="external_assessor"))
    return user


def test_an_assessor_reads_the_log_and_statistics_but_no_consumer_data(
    client, assessor, merchant_a
):
    CaseFactory(
        merchant=merchant_a, consumer_name="Zhao Secretname", consumer_email="zs@example.test"
    )
    client.force_login(assessor)
    page = client.get("/assess/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Secretname" not in body and "zs@example.test" not in body
    # Read-only: no staff pages.
    assert client.get("/staff/inspections/").status_code == 403
    assert client.get("/staff/complaints/").status_code in (403, 404)


def test_findings_get_a_response_with_a_due_date(assessor, role_user):
    manager = role_user("quality_manager")
    finding = assessment.record_finding(
        title="Complaint clock paused too long",
        detail="Cases wait on consumers for weeks.",
        commitment="C3.3",
        by=assessor,
    )
    with pytest.raises(NotAllowed):
        assessment.record_finding(title="x", detail="y", by=manager)
    with pytest.raises(DomainError):
        assessment.respond(
            finding=finding,
            response="We fix it",
            due_date=timezone.localdate() - timedelta(days=1),
            by=manager,
        )
    with pytest.raises(NotAllowed):
        assessment.respond(
            finding=finding, response="x", due_date=timezone.localdate(), by=assessor
        )
    assessment.respond(
        finding=finding,
        response="Reminder after 3 days.",
        due_date=timezone.localdate() + timedelta(days=30),
        by=manager,
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RESPONDED


def test_findings_and_responses_appear_in_the_quarterly_report(assessor, role_user):
    from reports.services.render import render_csv
    from reports.services.snapshots import build_figures

    finding = assessment.record_finding(
        title="Lab scope unchecked", detail="d", commitment="C2.2", by=assessor
    )
    assessment.respond(
        finding=finding,
        response="Scope check added.",
        due_date=timezone.localdate() + timedelta(days=10),
        by=role_user("quality_manager"),
    )
    period = quarter_of(timezone.now())
    figures = build_figures(period, as_of=timezone.now() + timedelta(seconds=1))
    assert figures["assessment"][0]["title"] == "Lab scope unchecked"
    text = render_csv(figures, language="en", audience="public").decode("utf-8-sig")
    assert "Lab scope unchecked" in text and "Scope check added." in text
