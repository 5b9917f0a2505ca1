"""/api/v1/incidents/ and /api/v1/merchant-incidents/: reading, opening by hand and the
steps, each permission-checked by the service."""

import pytest

from complaints.models import QualityIncident
from tests.complaints.incident_world import file_complaint, incident_of, listed_product
from tests.factories.standing import rules_catalogue  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(merchant_a):
    return listed_product(merchant_a)


@pytest.fixture
def incident(product):
    return incident_of(file_complaint(product))


def test_staff_list_and_filter_incidents(api, qm, incident, merchant_b):
    other = incident_of(file_complaint(listed_product(merchant_b), complaint_type="safety"))
    rows = api(qm).get("/api/v1/incidents/").json()["results"]
    assert {r["reference"] for r in rows} == {incident.reference, other.reference}
    rows = api(qm).get("/api/v1/incidents/?kind=safety").json()["results"]
    assert [r["reference"] for r in rows] == [other.reference]
    one = api(qm).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert one["kind_label"] == "Counterfeit"
    assert one["cases"] == [incident.cases.get().reference]


def test_the_steps_through_the_api(api, qm, incident, product):
    client = api(qm)
    response = client.post(f"/api/v1/incidents/{incident.pk}/contain/", {"reason": "Fakes"})
    assert response.status_code == 200
    assert response.json()["status"] == "contained"
    response = client.post(f"/api/v1/incidents/{incident.pk}/lift/", {"reason": "Genuine"})
    assert response.json()["status"] == "open"
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/confirm/",
        {"findings": "Fake after all", "schedule_inspection": False},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    product.refresh_from_db()
    assert product.status == "delisted"
    # The incident has moved on: a conflict, nothing changes.
    response = client.post(f"/api/v1/incidents/{incident.pk}/dismiss/", {"reason": "x"})
    assert response.status_code == 409


def test_missing_reason_is_a_400_on_the_field(api, qm, incident):
    response = api(qm).post(f"/api/v1/incidents/{incident.pk}/contain/", {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()


def test_staff_open_an_incident_and_a_second_one_joins_it(api, qm, product):
    body = {"kind": "safety", "product": product.pk, "summary": "Charger overheats"}
    first = api(qm).post("/api/v1/incidents/", body)
    assert first.status_code == 201
    second = api(qm).post("/api/v1/incidents/", body)
    assert second.json()["id"] == first.json()["id"]
    assert QualityIncident.objects.count() == 1


def test_who_may_do_what(api, agent, analyst, owner_a, incident):
    url = f"/api/v1/incidents/{incident.pk}/"
    assert api(analyst).get(url).status_code == 200
    assert api(analyst).post(url + "contain/", {"reason": "x"}).status_code == 403
    assert api(agent).post(url + "confirm/", {"findings": "x"}).status_code == 403
    assert api(owner_a).get(url).status_code == 403
    assert api(None).get(url).status_code in (401, 403)
    assert api(agent).post(url + "contain/", {"reason": "Burn marks"}).status_code == 200


def test_merchants_read_only_their_own_incidents(api, owner_a, owner_b, incident):
    mine = api(owner_a).get("/api/v1/merchant-incidents/").json()["results"]
    assert [r["reference"] for r in mine] == [incident.reference]
    assert "summary" not in mine[0]
    assert api(owner_b).get("/api/v1/merchant-incidents/").json()["results"] == []
    assert api(owner_b).get(f"/api/v1/merchant-incidents/{incident.pk}/").status_code == 404
    assert api(owner_a).post("/api/v1/merchant-incidents/", {}).status_code == 405


def test_the_schema_documents_the_incident_steps(api, qm):
    schema = api(qm).get("/api/schema/?format=json").json()
    assert "/api/v1/incidents/{id}/contain/" in schema["paths"]
    assert "/api/v1/merchant-incidents/" in schema["paths"]
