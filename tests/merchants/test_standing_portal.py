"""The standing pages and API: explainable, scoped to the merchant, staff see history."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from merchants import services
from merchants.models import Appeal, Sanction
from tests import files
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger_a(merchant_a):
    evidence = EvidenceFactory(original_name="lot-42-report.pdf")
    entry = services.record_violation(
        merchant=merchant_a, rule_code="counterfeit", evidence=evidence, note="Lot 42"
    )
    return entry


@pytest.fixture
def ledger_b(merchant_b):
    return services.record_violation(
        merchant=merchant_b, rule_code="sla_breach_merchant", evidence=EvidenceFactory()
    )


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_standing_page_explains_points_rule_version_evidence_expiry_and_sanctions(
    client, owner_a, ledger_a, ledger_b
):
    client.force_login(owner_a)
    page = client.get("/merchant/standing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">24<" in page
    assert "version 1" in page and "Counterfeit goods" in page
    assert "counterfeit v1" not in page  # a rule is named by its title, never its code
    assert "lot-42-report.pdf" in page and f"/files/{ledger_a.evidence_id}/" in page
    assert timezone.localtime(ledger_a.expires_at).strftime("%Y-%m-%d") in page
    assert "Sales restriction" in page and "How to appeal" in page
    assert f"/merchant/standing/appeal/entry/{ledger_a.pk}/" in page
    # Merchant B's entry is not on A's page.
    assert f'entry-{ledger_b.pk}"' not in page


def test_evidence_upload_is_downloadable_by_the_merchant_only(client, owner_a, owner_b, ledger_a):
    client.force_login(owner_a)
    assert client.get(f"/files/{ledger_a.evidence_id}/").status_code == 200
    client.force_login(owner_b)
    assert client.get(f"/files/{ledger_a.evidence_id}/").status_code == 404


def test_portal_isolation_merchant_b_cannot_reach_a(client, owner_b, ledger_a):
    sanction = Sanction.objects.get(merchant=ledger_a.merchant, kind="sales_restriction")
    client.force_login(owner_b)
    assert client.get(f"/merchant/standing/appeal/entry/{ledger_a.pk}/").status_code == 404
    response = client.post(
        f"/merchant/standing/appeal/sanction/{sanction.pk}/", {"statement": "mine?"}
    )
    assert response.status_code == 404 and not Appeal.objects.exists()
    assert client.get(f"/staff/merchants/{ledger_a.merchant_id}/standing/").status_code == 403
    assert client.get("/staff/standing/appeals/").status_code == 403
    b = api(owner_b)
    assert b.get("/api/v1/standing/entries/").json()["results"] == []
    assert b.get(f"/api/v1/standing/entries/{ledger_a.pk}/").status_code == 404
    assert b.get(f"/api/v1/standing/sanctions/{sanction.pk}/").status_code == 404
    created = b.post("/api/v1/standing/appeals/", {"entry": ledger_a.pk, "statement": "x"})
    assert created.status_code == 403 and not Appeal.objects.exists()


def test_staff_standing_page_shows_history(client, role_user, ledger_a):
    staff = role_user("merchant_management")
    client.force_login(staff)
    page = client.get(
        f"/staff/merchants/{ledger_a.merchant_id}/standing/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "History" in page and "record" in page and "impose" in page


def test_merchant_appeals_from_the_portal_with_files(client, owner_a, ledger_a):
    client.force_login(owner_a)
    url = f"/merchant/standing/appeal/entry/{ledger_a.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"statement": "The lot was not ours.", "files": [files.pdf()]})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.entry == ledger_a and appeal.files.count() == 1
    again = client.post(url, {"statement": "Again."}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200 and "already been appealed" in again.content.decode()
    assert Appeal.objects.count() == 1


def test_portal_appeal_with_a_bad_file_shows_the_error_and_stores_nothing(
    client, owner_a, ledger_a
):
    client.force_login(owner_a)
    response = client.post(
        f"/merchant/standing/appeal/entry/{ledger_a.pk}/",
        {"statement": "x", "files": [files.upload("a.pdf", files.ELF_HEADER)]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "Only PDF, JPEG or PNG" in response.content.decode()
    assert not Appeal.objects.exists()


def test_staff_review_page_runs_the_workflow(client, owner_a, role_user, ledger_a):
    appeal = services.submit_appeal(by=owner_a, statement="x", entry=ledger_a)
    reviewer = role_user("merchant_management")
    client.force_login(reviewer)
    url = f"/staff/standing/appeals/{appeal.pk}/"
    assert client.get("/staff/standing/appeals/").status_code == 200
    client.post(url, {"action": "review"})
    client.post(url, {"action": "decide", "outcome": "upheld", "reason": "Wrong shop."})
    appeal.refresh_from_db()
    ledger_a.refresh_from_db()
    assert appeal.status == "upheld" and ledger_a.status == "withdrawn"
    assert services.current_points(ledger_a.merchant) == 0


def test_api_appeal_transitions_and_reviewer_separation(owner_a, role_user, merchant_a):
    recorder = role_user("merchant_management")
    entry = services.record_violation(
        merchant=merchant_a,
        rule_code="inspection_lot_rejected",
        evidence=EvidenceFactory(),
        recorded_by=recorder,
    )
    created = api(owner_a).post(
        "/api/v1/standing/appeals/", {"entry": entry.pk, "statement": "Not ours."}, format="json"
    )
    assert created.status_code == 201, created.content
    appeal_id = created.json()["id"]
    assert api(owner_a).post(f"/api/v1/standing/appeals/{appeal_id}/review/").status_code == 403
    refused = api(recorder).post(f"/api/v1/standing/appeals/{appeal_id}/review/")
    assert refused.status_code == 403
    reviewer = role_user("merchant_management")
    assert api(reviewer).post(f"/api/v1/standing/appeals/{appeal_id}/review/").status_code == 200
    bad = api(reviewer).post(
        f"/api/v1/standing/appeals/{appeal_id}/decide/", {"upheld": False, "reason": ""}
    )
    assert bad.status_code == 400
    decided = api(reviewer).post(
        f"/api/v1/standing/appeals/{appeal_id}/decide/",
        {"upheld": False, "reason": "Confirmed by the lab."},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"
    ledger = api(owner_a).get("/api/v1/standing/entries/").json()["results"]
    assert ledger[0]["rule_version"] == 1 and ledger[0]["evidence"]["type"] == "core.upload"


def test_api_staff_impose_and_revoke_a_sanction(role_user, merchant_a, owner_a):
    manager = role_user("merchant_management")
    evidence = EvidenceFactory()
    payload = {
        "merchant": merchant_a.pk,
        "kind": "sales_restriction",
        "rule_code": "counterfeit",
        "evidence_type": "core.upload",
        "evidence_id": str(evidence.pk),
        "reason": "Fakes found.",
        "days": 3,
    }
    assert api(owner_a).post("/api/v1/standing/sanctions/", payload).status_code == 403
    missing = api(manager).post(
        "/api/v1/standing/sanctions/", {**payload, "evidence_id": "nope"}, format="json"
    )
    assert missing.status_code == 400
    created = api(manager).post("/api/v1/standing/sanctions/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["rule_code"] == "counterfeit"
    sanction_id = created.json()["id"]
    revoked = api(manager).post(
        f"/api/v1/standing/sanctions/{sanction_id}/revoke/", {"reason": "Mistake."}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert services.can_sell(merchant_a)


def test_schema_lists_the_standing_endpoints(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/standing/appeals/{id}/decide/" in schema["paths"]
    assert "/api/v1/standing/entries/" in schema["paths"]


def test_admin_adds_a_rule_version_and_imposes_a_sanction(client, merchant_a, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "r@example.test", "pw")
    client.force_login(admin_user)
    response = client.post(
        "/admin/merchants/violationrule/add/",
        {
            "code": "counterfeit",
            "title_zh": "销售假冒商品",
            "title_en": "Counterfeit goods",
            "points": "0",
            "severity": "critical",
            "effective_from_0": "2030-01-01",
            "effective_from_1": "00:00:00",
            "note": "zero",
        },
    )
    assert response.status_code == 200  # refused: points must be positive
    assert client.get("/admin/merchants/violationrule/").status_code == 200
    evidence = EvidenceFactory()
    from django.contrib.contenttypes.models import ContentType

    response = client.post(
        "/admin/merchants/sanction/add/",
        {
            "merchant": merchant_a.pk,
            "kind": "warning",
            "rule_code": "counterfeit",
            "evidence_model": ContentType.objects.get_for_model(evidence).pk,
            "evidence_pk": str(evidence.pk),
            "reason": "First warning.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sanction = Sanction.objects.get()
    assert sanction.imposed_by == admin_user and sanction.kind == "warning"
    for url in ("sanction", "violationentry", "appeal"):
        assert client.get(f"/admin/merchants/{url}/").status_code == 200
    assert client.get(f"/admin/merchants/sanction/{sanction.pk}/change/").status_code == 200


def test_standing_page_queries_do_not_grow_with_the_ledger(client, owner_a, merchant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/merchant/standing/").status_code == 200
        return len(queries)

    client.force_login(owner_a)
    services.record_violation(
        merchant=merchant_a, rule_code="counterfeit", evidence=EvidenceFactory()
    )
    few = page_queries()
    for _ in range(6):
        services.record_violation(
            merchant=merchant_a, rule_code="sla_breach_merchant", evidence=EvidenceFactory()
        )
    assert page_queries() == few


def test_admin_publishes_a_new_rule_version(client, django_user_model):
    from merchants.models import ViolationRule

    admin_user = django_user_model.objects.create_superuser("root2", "r2@example.test", "pw")
    client.force_login(admin_user)
    response = client.post(
        "/admin/merchants/violationrule/add/",
        {
            "code": "sla_breach_merchant",
            "title_zh": "商家原因导致售后超时",
            "title_en": "After-sales SLA breached by the merchant",
            "points": "3",
            "severity": "major",
            "effective_from_0": "2030-01-01",
            "effective_from_1": "00:00:00",
            "note": "Raised after the quarterly review.",
        },
    )
    assert response.status_code == 302
    versions = ViolationRule.objects.filter(code="sla_breach_merchant").order_by("version")
    assert [(v.version, v.points) for v in versions] == [(1, 2), (2, 3)]
    assert versions[0].effective_until == versions[1].effective_from
    assert versions[1].created_by == admin_user
    # Versions are not edited in place.
    change = client.post(
        f"/admin/merchants/violationrule/{versions[0].pk}/change/", {"points": "9"}
    )
    assert change.status_code == 403
    assert ViolationRule.objects.get(pk=versions[0].pk).points == 2


def test_api_appeal_with_files_as_multipart(owner_a, ledger_a):
    response = api(owner_a).post(
        "/api/v1/standing/appeals/",
        {"entry": ledger_a.pk, "statement": "See the report.", "files": [files.pdf()]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["files"]) == 1
    bad = api(owner_a).post("/api/v1/standing/appeals/", {"entry": ledger_a.pk}, format="multipart")
    assert bad.status_code == 400
