"""The quality incident pages: the staff list with filters (a fixed number of queries),
the incident page with one form per allowed step, opening one from a case page, and the
merchant's read-only list."""

import pytest

from complaints.models import QualityIncident
from complaints.services import incidents
from products.models import Product
from tests.complaints.incident_world import file_complaint, incident_of, listed_product
from tests.factories.standing import rules_catalogue  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


def signed_in(client, user, language="en"):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


@pytest.fixture
def product(merchant_a):
    return listed_product(merchant_a)


@pytest.fixture
def incident(product):
    return incident_of(file_complaint(product))


def test_the_list_filters_by_status_kind_merchant_product_and_source(
    client, qm, incident, merchant_b
):
    other = incident_of(
        file_complaint(listed_product(merchant_b, "Kettle B"), complaint_type="safety")
    )
    page = signed_in(client, qm)

    def refs(query=""):
        response = page.get(f"/staff/incidents/{query}")
        assert response.status_code == 200
        return {i.reference for i in response.context["rows"]}

    assert refs() == {incident.reference, other.reference}
    assert refs("?kind=safety") == {other.reference}
    assert refs("?merchant=Merchant+A") == {incident.reference}
    assert refs("?q=Kettle") == {other.reference}
    assert refs("?source=staff") == set()
    assert refs("?status=open") == {incident.reference, other.reference}
    assert "Counterfeit" in page.get("/staff/incidents/").content.decode()


def test_the_list_takes_the_same_number_of_queries_for_5_or_30_incidents(
    client, qm, merchant_a, django_assert_max_num_queries
):
    for n in range(30):
        file_complaint(listed_product(merchant_a, f"Bag {n}"))
    page = signed_in(client, qm)
    page.get("/staff/incidents/")  # warm the session and role caches
    with django_assert_max_num_queries(8):
        response = page.get("/staff/incidents/")
    assert len(response.context["rows"]) == 30


def test_staff_contain_and_confirm_through_the_incident_page(client, qm, incident, product):
    page = signed_in(client, qm)
    response = page.get(incident.get_absolute_url())
    assert set(response.context["forms"]) == {"contain", "confirm", "dismiss"}
    assert incident.cases.get().reference in response.content.decode()

    response = page.post(
        f"/staff/incidents/{incident.pk}/contain/", {"contain-reason": "Three fakes."}
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status_cause == Product.Cause.INCIDENT
    response = page.get(incident.get_absolute_url())
    assert set(response.context["forms"]) == {"lift", "confirm", "dismiss"}

    response = page.post(
        f"/staff/incidents/{incident.pk}/confirm/",
        {"confirm-findings": "Fake.", "confirm-delist": "on", "confirm-schedule_inspection": "on"},
    )
    assert response.status_code == 302
    body = page.get(incident.get_absolute_url()).content.decode()
    assert "Counterfeit goods" in body  # the violation entry, by its rule's title
    assert "24 points" in body
    product.refresh_from_db()
    assert product.status == "delisted"


def test_a_step_without_a_reason_comes_back_with_the_error_and_changes_nothing(
    client, qm, incident
):
    response = signed_in(client, qm).post(
        f"/staff/incidents/{incident.pk}/contain/", {"contain-reason": ""}
    )
    assert response.status_code == 400
    assert response.context["forms"]["contain"].errors["reason"]
    incident.refresh_from_db()
    assert incident.status == "open"


def test_containing_a_delisted_listing_shows_the_services_error(client, qm, incident, product):
    from products.services import delist_listing

    delist_listing(product=product, by=qm, reason="Off sale")
    response = signed_in(client, qm).post(
        f"/staff/incidents/{incident.pk}/contain/", {"contain-reason": "Fakes"}
    )
    assert response.status_code == 400
    assert "already delisted" in response.content.decode()


def test_consumer_service_may_contain_but_gets_403_on_confirm(client, agent, incident):
    page = signed_in(client, agent)
    assert set(page.get(incident.get_absolute_url()).context["forms"]) == {"contain"}
    response = page.post(f"/staff/incidents/{incident.pk}/confirm/", {"confirm-findings": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["owner_a", "owner_b"])
def test_merchants_may_not_reach_the_staff_pages(client, incident, who, request):
    page = signed_in(client, request.getfixturevalue(who))
    assert page.get("/staff/incidents/").status_code == 403
    assert page.get(incident.get_absolute_url()).status_code == 403


def test_staff_open_an_incident_from_a_case_page(client, agent, product):
    case = file_complaint(product, complaint_type="not_as_described")
    page = signed_in(client, agent)
    assert "Open quality incident" in page.get(f"/staff/complaints/{case.pk}/").content.decode()
    form = page.get(f"/staff/incidents/new/?case={case.pk}").context["form"]
    assert form.initial["product"] == product.pk
    response = page.post(
        "/staff/incidents/new/",
        {
            "kind": "quality_defect",
            "product": product.pk,
            "summary": "Sizes wrong",
            "case": case.pk,
        },
    )
    assert response.status_code == 302
    incident = QualityIncident.objects.get()
    assert (incident.source, incident.opened_by) == ("staff", agent)
    assert list(incident.cases.all()) == [case]


def test_opening_by_hand_with_an_unknown_product_says_so(client, qm):
    response = signed_in(client, qm).post(
        "/staff/incidents/new/", {"kind": "safety", "product": 999999, "summary": "x"}
    )
    assert response.status_code == 400
    assert "No product with this number." in response.content.decode()
    assert not QualityIncident.objects.exists()


def test_the_merchant_reads_its_own_incidents_in_the_portal(client, owner_a, owner_b, incident, qm):
    incidents.contain(incident=incident, by=qm, reason="Fakes reported.")
    mine = signed_in(client, owner_a).get("/merchant/incidents/")
    assert incident.reference in mine.content.decode()
    assert "Fakes reported." in mine.content.decode()
    theirs = signed_in(client, owner_b).get("/merchant/incidents/")
    assert incident.reference not in theirs.content.decode()


def test_the_incident_page_reads_in_chinese(client, qm, incident):
    body = signed_in(client, qm, "zh-hans").get(incident.get_absolute_url()).content.decode()
    assert "假冒" in body
