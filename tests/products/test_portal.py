import pytest
from django.urls import reverse

from products.models import ClaimFlag, Product
from tests import files
from tests.factories.products import ProductFactory


@pytest.fixture
def portal_a(client, owner_a, seller_a):
    client.force_login(owner_a)
    return client


def test_the_product_list_shows_only_the_merchants_own_products(portal_a, seller_a, seller_b, food):
    ProductFactory(merchant=seller_a, category=food, title="A 的大米")
    ProductFactory(merchant=seller_b, category=food, title="B 的面粉")
    page = portal_a.get(reverse("products:merchant-products")).content.decode()
    assert "A 的大米" in page
    assert "B 的面粉" not in page


def test_another_merchants_product_cannot_be_opened_or_edited(portal_a, seller_b, food):
    other = ProductFactory(merchant=seller_b, category=food, title="B 的面粉")
    url = reverse("products:merchant-product-edit", args=[other.pk])
    assert portal_a.get(url).status_code == 404
    response = portal_a.post(
        url, {"category": food.pk, "sku": "X", "title": "hijacked", "price": "1"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.title == "B 的面粉"


def test_listing_through_the_editor_flags_claims_and_warns_without_blocking(
    portal_a, seller_a, food
):
    response = portal_a.post(
        reverse("products:merchant-product-new"),
        {
            "category": food.pk,
            "sku": "RICE-1",
            "title": "全网最低价 五常大米",
            "description": "",
            "price": "59.90",
            "images": [files.png()],
        },
        follow=True,
    )
    product = Product.objects.get(sku="RICE-1")
    assert product.status == "listed"
    assert product.images.count() == 1
    assert product.claim_flags.get().status == ClaimFlag.Status.OPEN
    assert "art. 9(3)" in response.content.decode()


def test_the_editor_only_offers_the_merchants_approved_categories(portal_a, phones, food):
    page = portal_a.get(reverse("products:merchant-product-new")).content.decode()
    assert "Food" in page and "Phones" in page
    from tests.factories.core import CategoryFactory

    other = CategoryFactory(code="t-apparel", name_en="Apparel")
    response = portal_a.post(
        reverse("products:merchant-product-new"),
        {"category": other.pk, "sku": "X-1", "title": "T-shirt", "price": "9"},
    )
    assert response.status_code == 200
    assert not Product.objects.exists()


def test_a_restricted_merchant_sees_why_listing_is_refused(portal_a, seller_a, food):
    from merchants.models import Restriction
    from merchants.services import restrict

    restrict(merchant=seller_a, kind="suspension", reason=Restriction.Reason.MANUAL, source="t:1")
    response = portal_a.post(
        reverse("products:merchant-product-new"),
        {"category": food.pk, "sku": "X-1", "title": "米", "price": "9"},
    )
    assert response.status_code == 200
    assert "may not list products" in response.content.decode()
    assert not Product.objects.exists()


def test_the_live_check_explains_hits_before_saving(portal_a):
    response = portal_a.post(
        reverse("products:merchant-claim-check"), {"title": "最 佳口感", "description": ""}
    )
    (hit,) = response.json()["hits"]
    assert hit["term"] == "最佳"
    assert hit["matched"] == "最 佳"
    assert "art. 9(3)" in hit["explanation"]
    assert not ClaimFlag.objects.exists()


def test_the_editor_loads_its_script_from_static_not_inline(portal_a):
    page = portal_a.get(reverse("products:merchant-product-new")).content.decode()
    assert "products/claim-check.js" in page
    assert "<script>" not in page


def test_portal_pages_are_for_merchant_users_only(client, role_user):
    client.force_login(role_user("quality_management"))
    for name in ("merchant-products", "merchant-product-new", "merchant-standards"):
        assert client.get(reverse(f"products:{name}")).status_code == 403


def test_the_standards_page_shows_the_version_in_force_for_the_merchants_categories(
    portal_a, food, role_user
):
    from products import services

    qm = role_user("quality_management")
    standard = services.create_standard(
        category=food, code="f", name_zh="食品", name_en="Food standard", by=qm
    )
    draft = standard.versions.get()
    services.save_requirement(
        version=draft,
        code="MOIST",
        description="Moisture content",
        kind="measured",
        unit="%",
        max_value="14.5",
        severity="critical",
    )
    services.publish_version(version=draft, by=qm)
    page = portal_a.get(reverse("products:merchant-standards")).content.decode()
    assert "Moisture content" in page
    assert "≤ 14.5 %" in page


def test_staff_queue_clears_and_restricts_in_bulk(client, role_user, seller_a, food):
    from products import services

    reviewer = role_user("quality_management")
    one = services.create_product(
        merchant=seller_a, category=food, sku="1", title="销量第一 卫衣", price="9"
    )
    two = services.create_product(
        merchant=seller_a, category=food, sku="2", title="顶级羊绒", price="9"
    )
    client.force_login(reviewer)
    url = reverse("products:staff-claims")
    page = client.get(url).content.decode()
    assert "销量第一 卫衣" in page and "顶级羊绒" in page
    response = client.post(url, {"flags": [one.claim_flags.get().pk], "decision": "clear"})
    assert response.status_code == 200  # reason missing
    assert one.claim_flags.get().status == "open"
    client.post(
        url,
        {"flags": [two.claim_flags.get().pk], "decision": "restrict", "reason": "9(3)"},
    )
    two.refresh_from_db()
    assert two.status == "restricted"


def test_merchants_cannot_reach_the_staff_queue(portal_a):
    assert portal_a.get(reverse("products:staff-claims")).status_code == 403
    assert portal_a.post(reverse("products:staff-rescan")).status_code == 403
