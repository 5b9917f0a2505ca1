"""SLA policies through the API: staff read every version, Quality Managers publish the
next one, cases keep the version they pinned; and the whole schema stays valid."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from complaints.models import SLAPolicy
from core.audit import decisions_for
from tests.factories.complaints import BusinessCalendarFactory, CaseFactory

pytestmark = pytest.mark.django_db

POLICIES = "/api/v1/sla-policies/"


def publish(client, **extra):
    body = {
        "kind": "complaint",
        "priority": 2,
        "first_response_hours": "12",
        "resolution_hours": "48",
        "note": "Faster first answers.",
        **extra,
    }
    return client.post(POLICIES, body, format="json")


def test_a_quality_manager_publishes_the_next_version(api, manager):
    case = CaseFactory()  # pins version 1 (the defaults)
    response = publish(api(manager))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 2
    assert body["first_response_hours"] == "12.00"
    assert body["created_by"] == manager.pk
    assert body["in_use"] is False
    policy = SLAPolicy.objects.get(pk=body["id"])
    assert [d.action for d in decisions_for(policy)] == ["publish"]
    case.refresh_from_db()
    assert case.policy.version == 1
    assert CaseFactory().policy_id == policy.pk


def test_versions_are_listed_with_what_is_in_use_and_in_force(api, manager, agent, analyst):
    CaseFactory()
    later = datetime.now(UTC) + timedelta(days=7)
    publish(api(manager), effective_from=later.isoformat())
    for reader in (agent, analyst, manager):
        rows = api(reader).get(f"{POLICIES}?kind=complaint&priority=2").json()["results"]
        assert [(row["version"], row["in_use"]) for row in rows] == [(2, False), (1, True)]
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    in_force = api(agent).get(f"{POLICIES}?in_force_at={now}").json()["results"]
    assert [row["version"] for row in in_force] == [1]
    version_one = in_force[0]["id"]
    assert api(agent).get(f"{POLICIES}{version_one}/").json()["in_use"] is True


def test_only_quality_managers_publish(api, agent, analyst, owner_a):
    for user in (agent, analyst, owner_a):
        assert publish(api(user)).status_code == 403
    assert api(None).get(POLICIES).status_code in (401, 403)
    assert not SLAPolicy.objects.exists()


def test_bad_targets_are_refused(api, manager):
    client = api(manager)
    assert publish(client, first_response_hours="0").status_code == 400
    assert publish(client, at_risk_percent=0).status_code == 400
    assert publish(client, note="").status_code == 400
    response = publish(client, calendar_kind="business")
    assert response.status_code == 400
    assert "business calendar" in str(response.json())
    assert not SLAPolicy.objects.exists()
    calendar = BusinessCalendarFactory()
    response = publish(client, calendar_kind="business", business_calendar=calendar.pk)
    assert response.status_code == 201
    assert response.json()["business_calendar"] == calendar.pk


def test_the_api_schema_is_valid_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for component in ("CaseFiled", "MerchantCase", "SLAPolicyPublishRequest", "CaseStatusEnum"):
        assert f"    {component}:" in schema
    for path in ("/api/v1/cases/{id}/ask-consumer/", "/api/v1/ad-reports/{id}/substantiate/"):
        assert path in schema
