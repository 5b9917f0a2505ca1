import os
import subprocess
import sys

import pytest
from django.conf import settings

from core import policies
from core.audit import Workflow, decisions_for
from core.exceptions import DomainError, InvalidTransition
from tests.factories import MerchantFactory, UserFactory


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "商家质量治理"), ("en", "Merchant Quality Governance")]
)
def test_landing_page_renders_in_both_languages(client, db, language, text):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_language_switch_sets_the_language(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Quality you can check" in response.content.decode()


def test_unknown_url_gets_a_translated_404(client, db):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404


def test_api_requires_authentication_and_schema_is_served(client, db):
    assert client.get("/api/v1/alerts/").status_code == 403
    token_user = UserFactory()
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=token_user)
    assert client.get("/api/v1/alerts/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    assert client.get("/api/v1/alerts/", HTTP_AUTHORIZATION="Token nope").status_code == 403
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and "/api/v1/alerts/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


@pytest.mark.external
def test_health_reports_database_redis_and_missing_worker(client, db, settings):
    settings.HEALTH_TOKEN = "ops-token"  # details only for staff or the token's holder
    response = client.get(
        "/health/", HTTP_ACCEPT="application/json", HTTP_X_HEALTH_TOKEN="ops-token"
    )
    body = response.json()
    assert any("Database" in k for k in body) and any("Cache" in k for k in body)
    # No Celery worker runs in this test: the check must say so with a 503.
    assert response.status_code == 503


def test_policy_versions_are_added_and_read_at_a_time(db):
    policies.register("test.policy", label="Test", defaults={"limit": 3, "share": 0.5})
    assert policies.get("test.policy") == {"limit": 3, "share": 0.5}
    v1 = policies.publish("test.policy", value={"limit": 5}, note="raise")
    v2 = policies.publish("test.policy", value={"limit": 7, "share": 1}, note="again")
    assert (v1.version, v2.version) == (1, 2)
    assert policies.get("test.policy") == {"limit": 7, "share": 1}
    assert policies.get("test.policy", at=v1.effective_from)["limit"] == 5
    with pytest.raises(DomainError):
        policies.publish("test.policy", value={"limit": "many"})
    with pytest.raises(DomainError):
        policies.publish("test.policy", value={"unknown": 1})
    with pytest.raises(DomainError):
        policies.publish("test.policy", value={"limit": -1})


def test_workflow_refuses_a_move_and_changes_nothing(db):
    merchant = MerchantFactory(status="onboarding")
    flow = Workflow("status", {"onboarding": {"probation"}})
    with pytest.raises(InvalidTransition):
        flow.apply(merchant, "terminated", reason="no")
    merchant.refresh_from_db()
    assert merchant.status == "onboarding"
    flow.apply(merchant, "probation", reason="approved")
    [decision] = decisions_for(merchant)
    assert (decision.from_state, decision.to_state, decision.reason) == (
        "onboarding",
        "probation",
        "approved",
    )


def test_bulk_updates_are_recorded_in_row_history(db):
    from merchants.models import Merchant

    merchant = MerchantFactory(status="active")
    Merchant.objects.filter(pk=merchant.pk).update(status="suspended")
    events = merchant.events.order_by("pgh_id").values_list("pgh_label", "status")
    assert list(events) == [("insert", "active"), ("update", "suspended")]


def test_check_deploy_is_clean_under_the_production_switch():
    env = {
        **os.environ,
        "DJANGO_PRODUCTION": "1",
        "DJANGO_ALLOWED_HOSTS": "quality.example",
        "DJANGO_SECRET_KEY": "p" * 20 + "-a-long-random-production-secret-" + "q" * 20,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
