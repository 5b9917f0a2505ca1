import pytest
from rest_framework.test import APIClient

from products import services
from products.models import Product
from tests.factories.products import ProductFactory


@pytest.fixture
def api():
    def login(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)
        return client

    return login


def test_merchants_list_only_their_products_and_staff_see_all(
    api, owner_a, seller_a, seller_b, food, role_user
):
    mine = ProductFactory(merchant=seller_a, category=food)
    ProductFactory(merchant=seller_b, category=food)
    ids = [p["id"] for p in api(owner_a).get("/api/v1/products/").json()["results"]]
    assert ids == [mine.pk]
    staff = api(role_user("quality_management")).get("/api/v1/products/").json()
    assert staff["count"] == 2


def test_a_merchant_creates_a_product_and_gets_its_open_flags(api, owner_a, seller_a, food):
    response = api(owner_a).post(
        "/api/v1/products/",
        {"category": food.pk, "sku": "N1", "title": "No.1 rice cooker", "price": "199.00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["merchant"], body["status"], body["open_flags"]) == (seller_a.pk, "listed", 1)


def test_creating_in_a_category_the_merchant_may_not_sell_in_is_a_400_with_the_reason(
    api, owner_b, seller_b, phones
):
    response = api(owner_b).post(
        "/api/v1/products/",
        {"category": phones.pk, "sku": "P1", "title": "Phone", "price": "999"},
        format="json",
    )
    assert response.status_code == 400
    assert "not approved to sell in" in response.json()["category"][0]
    assert not Product.objects.exists()


def test_a_merchant_cannot_update_another_merchants_product(api, owner_b, seller_a, seller_b, food):
    other = ProductFactory(merchant=seller_a, category=food, title="A's")
    response = api(owner_b).patch(
        f"/api/v1/products/{other.pk}/", {"title": "hijacked"}, format="json"
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.title == "A's"


def test_a_merchant_updates_its_own_product_and_the_text_is_rescanned(api, owner_a, seller_a, food):
    product = services.create_product(
        merchant=seller_a, category=food, sku="S", title="plain rice", price="9"
    )
    response = api(owner_a).patch(
        f"/api/v1/products/{product.pk}/", {"title": "The best rice"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["open_flags"] == 1


def test_staff_cannot_create_products_and_merchants_cannot_restrict(
    api, owner_a, seller_a, food, role_user
):
    staff = api(role_user("quality_management"))
    response = staff.post(
        "/api/v1/products/",
        {"category": food.pk, "sku": "X", "title": "x", "price": "1"},
        format="json",
    )
    assert response.status_code == 403
    product = ProductFactory(merchant=seller_a, category=food)
    response = api(owner_a).post(f"/api/v1/products/{product.pk}/restrict/", {"reason": "x"})
    assert response.status_code == 403
    response = staff.post(f"/api/v1/products/{product.pk}/restrict/", {"reason": "Mislabelled"})
    assert response.status_code == 200
    assert response.json()["status"] == "restricted"


def test_claim_scan_endpoint_reports_hits_with_exemption_hints(api, owner_a):
    response = api(owner_a).post(
        "/api/v1/claims/scan/", {"title": "顶级®保温杯", "description": "第一次用"}, format="json"
    )
    assert response.status_code == 200
    (hit,) = response.json()["hits"]
    assert (hit["term"], hit["exemption"], hit["field"]) == ("顶级", "trademark", "title")


def test_claim_flags_are_scoped_and_decided_by_staff_only(
    api, owner_a, owner_b, seller_a, food, role_user
):
    product = services.create_product(
        merchant=seller_a, category=food, sku="S", title="销量第一", price="9"
    )
    flag = product.claim_flags.get()
    assert [f["id"] for f in api(owner_a).get("/api/v1/claim-flags/").json()["results"]] == [
        flag.pk
    ]
    assert api(owner_b).get("/api/v1/claim-flags/").json()["results"] == []
    assert api(owner_a).post(f"/api/v1/claim-flags/{flag.pk}/clear/", {"reason": "x"}).status_code
    assert product.claim_flags.get().status == "open"
    reviewer = api(role_user("merchant_management"))
    response = reviewer.post(f"/api/v1/claim-flags/{flag.pk}/clear/", {"reason": ""})
    assert response.status_code == 400
    response = reviewer.post(f"/api/v1/claim-flags/{flag.pk}/clear/", {"reason": "Own range"})
    assert response.json()["status"] == "cleared"


def test_standard_versions_show_published_ones_to_merchants_and_answer_in_force(
    api, owner_a, food, role_user
):
    qm = role_user("quality_management")
    standard = services.create_standard(
        category=food, code="f", name_zh="食品", name_en="Food", by=qm
    )
    v1 = standard.versions.get()
    services.save_requirement(
        version=v1, code="LBL", description="Label", kind="pass_fail", severity="major"
    )
    services.publish_version(version=v1, by=qm)
    services.new_version(standard=standard, by=qm)
    merchant = api(owner_a)
    versions = merchant.get(f"/api/v1/standard-versions/?category={food.pk}").json()["results"]
    assert [(v["number"], v["status"]) for v in versions] == [(1, "published")]
    assert versions[0]["requirements"][0]["code"] == "LBL"
    staff = api(qm).get(f"/api/v1/standard-versions/?category={food.pk}").json()["results"]
    assert [v["number"] for v in staff] == [2, 1]
    in_force = merchant.get(f"/api/v1/standard-versions/in-force/?category={food.pk}")
    assert in_force.json()["id"] == v1.pk
    past = merchant.get(
        f"/api/v1/standard-versions/in-force/?category={food.pk}&at=2000-01-01T00:00:00Z"
    )
    assert past.status_code == 404


def test_categories_are_listed_with_their_return_exclusion(api, owner_a, food):
    body = api(owner_a).get("/api/v1/categories/?code=t-food").json()
    assert body["results"][0]["excluded_from_no_reason_return"] is False


def test_anonymous_callers_get_nothing(client):
    assert client.get("/api/v1/products/").status_code in (401, 403)
    assert client.post("/api/v1/claims/scan/", {"title": "最佳"}).status_code in (401, 403)


def test_the_schema_builds_without_warnings(db):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
