"""API: scoping per merchant, bulk results, verdicts, objections, the schema."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from inspections import services
from inspections.models import SampleResult
from tests.factories.inspections import InspectionPlanFactory
from tests.inspections.conftest import all_results


@pytest.fixture
def api():
    def login(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)
        return client

    return login


@pytest.fixture
def rejected_a(product_a, inspect):
    return inspect(product_a, failures={"critical": 1})


@pytest.fixture
def accepted_b(product_b, inspect):
    return inspect(product_b)


def test_merchants_see_only_their_inspections_and_staff_see_all(
    api, owner_a, owner_b, rejected_a, accepted_b, qm
):
    def ids(user, url="/api/v1/inspections/"):
        return {row["id"] for row in api(user).get(url).json()["results"]}

    assert ids(owner_a) == {rejected_a.pk}
    assert ids(owner_b) == {accepted_b.pk}
    assert ids(qm) == {rejected_a.pk, accepted_b.pk}
    assert api(owner_b).get(f"/api/v1/inspections/{rejected_a.pk}/").status_code == 404
    assert api(owner_b).get(f"/api/v1/inspections/{rejected_a.pk}/results/").status_code == 404
    switching = api(owner_a).get("/api/v1/inspection-switching/").json()["results"]
    assert [row["merchant"] for row in switching] == [rejected_a.merchant_id]


def test_merchants_do_not_see_unannounced_plans(api, owner_a, merchant_a, qm):
    InspectionPlanFactory(merchant=merchant_a)
    assert api(owner_a).get("/api/v1/inspection-plans/").json()["results"] == []
    assert len(api(qm).get("/api/v1/inspection-plans/").json()["results"]) == 1


def test_merchants_cannot_record_results_or_give_verdicts(api, owner_a, product_a, qm):
    plan = InspectionPlanFactory(merchant=product_a.merchant)
    inspection = services.start_inspection(
        plan=plan, product=product_a, lot_size=20, batch="B", by=qm
    )
    body = {"results": all_results(inspection)}
    assert (
        api(owner_a)
        .post(f"/api/v1/inspections/{inspection.pk}/results/", body, format="json")
        .status_code
        == 403
    )
    assert api(owner_a).post(f"/api/v1/inspections/{inspection.pk}/verdict/").status_code == 403
    assert not SampleResult.objects.exists()


def test_quality_management_runs_an_inspection_through_the_api(api, qm, product_a):
    client = api(qm)
    plan = client.post(
        "/api/v1/inspection-plans/",
        {"kind": "random", "merchant": product_a.merchant_id, "due_by": "2099-01-01"},
        format="json",
    ).json()
    created = client.post(
        "/api/v1/inspections/",
        {"plan": plan["id"], "product": product_a.pk, "lot_size": 500, "batch": "API-1"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sampling_plans"]["major"]["sample_size"] == 50
    from inspections.models import Inspection

    inspection = Inspection.objects.get(pk=body["id"])
    rows = all_results(inspection, {"major": 4})
    for row in rows:
        if "value" in row:
            row["value"] = str(row["value"])
    stored = client.post(
        f"/api/v1/inspections/{inspection.pk}/results/", {"results": rows}, format="json"
    )
    assert stored.json() == {"stored": 150, "recorded": 150, "expected": 150, "status": "recorded"}
    verdict = client.post(f"/api/v1/inspections/{inspection.pk}/verdict/").json()
    assert verdict["status"] == "rejected"
    assert verdict["verdict_detail"]["major"]["nonconforming"] == 4


def test_bad_bulk_results_are_a_400_naming_the_row_and_store_nothing(api, qm, product_a, version):
    plan = InspectionPlanFactory(merchant=product_a.merchant)
    inspection = services.start_inspection(
        plan=plan, product=product_a, lot_size=500, batch="B", by=qm
    )
    net = version.requirements.get(code="NET")
    response = api(qm).post(
        f"/api/v1/inspections/{inspection.pk}/results/",
        {
            "results": [
                {"sample_number": 1, "requirement": net.pk, "value": "500", "unit": "g"},
                {"sample_number": 51, "requirement": net.pk, "value": "500", "unit": "g"},
                {"sample_number": 2, "requirement": net.pk, "value": "500"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["results"]
    assert any("Result 2: sample 51 is beyond the sample size of 50" in e for e in errors)
    unit_missing = "Result 3: the measured value of Net content (NET) needs its unit (g)"
    assert any(unit_missing in e for e in errors)
    assert not SampleResult.objects.exists()


def test_a_bad_lot_size_is_a_400(api, qm, product_a):
    plan = InspectionPlanFactory(merchant=product_a.merchant)
    response = api(qm).post(
        "/api/v1/inspections/",
        {"plan": plan.pk, "product": product_a.pk, "lot_size": 0, "batch": "B"},
        format="json",
    )
    assert response.status_code == 400
    assert "at least 1" in response.json()["lot_size"][0]


def test_a_merchant_objects_through_the_api_but_not_to_another_merchants_lot(
    api, owner_a, owner_b, rejected_a
):
    other = api(owner_b).post(
        "/api/v1/inspection-objections/",
        {"inspection": rejected_a.pk, "reason": "not mine"},
        format="json",
    )
    assert other.status_code == 404
    mine = api(owner_a).post(
        "/api/v1/inspection-objections/",
        {"inspection": rejected_a.pk, "reason": "Sample mislabelled at the lab"},
        format="json",
    )
    assert mine.status_code == 201, mine.content
    assert mine.json()["status"] == "retest_scheduled"
    plans = api(owner_a).get("/api/v1/inspection-plans/").json()["results"]
    assert [(p["kind"], p["retest_of"]) for p in plans] == [("retest", rejected_a.pk)]
    assert api(owner_b).get("/api/v1/inspection-objections/").json()["results"] == []


def test_the_schema_builds_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
