"""The source commitment's typical case (C5): a consumer reports a counterfeit, Quality
Management suspends the listing at once while investigating, confirms the counterfeit, and
the merchant's 24 points and the delisting show on the incident page and in the portal."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from complaints.models import QualityIncident
from merchants.services import current_points
from products.models import Product
from tests.e2e.conftest import LANGUAGES, assert_page_in, log_in, translated
from tests.factories import ProductFactory, UserFactory
from tests.factories.core import PASSWORD, CategoryFactory
from tests.factories.merchants import MembershipFactory, MerchantFactory, sells_in
from tests.factories.reviews import PurchaseFactory
from tests.factories.standing import rules_catalogue  # noqa: F401 (autouse)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_counterfeit_complaint_is_contained_then_confirmed_with_points_and_delisting(
    make_page, language
):
    merchant = MerchantFactory(legal_name=f"Bag shop {language}", status="active")
    owner = MembershipFactory(merchant=merchant, role="owner").user
    category = CategoryFactory()
    sells_in(merchant, category)
    product = ProductFactory(merchant=merchant, category=category, title="Designer handbag")
    purchase = PurchaseFactory(
        order_number=f"SO-{language}-0077",
        consumer="li@example.test",
        product=product,
        paid_at=timezone.now() - timedelta(days=5),
        delivered_at=timezone.now() - timedelta(days=3),
    )
    manager = UserFactory(username=f"qm-{language}", is_staff=True)
    manager.groups.add(Group.objects.get(name="quality_management"))

    # The consumer files a counterfeit complaint on the public form.
    consumer = make_page(language)
    consumer.goto("/complaints/new/")
    form = consumer.get_by_test_id("complaint-form")
    form.locator("[name=consumer_name]").fill("李娜")
    form.locator("[name=consumer_email]").fill("li@example.test")
    form.locator("[name=order_number]").fill(purchase.order_number)
    form.locator("[name=complaint_type]").select_option("counterfeit")
    form.locator("[name=description]").fill("商标印错了, 是假货。 The logo is wrong: a fake.")
    consumer.get_by_test_id("complaint-submit").click()
    consumer.wait_for_url("**/complaints/case/**")
    incident = QualityIncident.objects.get(product=product)
    assert incident.kind == "counterfeit"

    # Quality Management finds it in the incident list and suspends the listing at once.
    page = make_page(language)
    log_in(page, manager, PASSWORD)
    page.get_by_role("link", name=translated(language, "Quality incidents")).first.click()
    page.wait_for_url("**/staff/incidents/")
    assert_page_in(page, language)
    row = page.get_by_test_id("incident-row").filter(has_text=incident.reference)
    assert translated(language, "Counterfeit") in row.inner_text()
    row.get_by_role("link", name=incident.reference).click()
    page.wait_for_url(f"**/staff/incidents/{incident.pk}/")
    assert_page_in(page, language)
    assert incident.cases.get().reference in page.get_by_test_id("incident-cases").inner_text()
    page.get_by_test_id("incident-action-contain").locator("[name=contain-reason]").fill(
        "Three buyers report fakes."
    )
    page.get_by_test_id("submit-contain").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("listing-status").inner_text() == translated(language, "Restricted")
    assert "Three buyers report fakes." in page.get_by_test_id("containment").inner_text()

    # The brand owner confirms: counterfeit. Points, delisting and an inspection follow.
    confirm = page.get_by_test_id("incident-action-confirm")
    confirm.locator("[name=confirm-findings]").fill("Brand owner's test: not genuine.")
    page.get_by_test_id("submit-confirm").click()
    page.wait_for_load_state()
    assert_page_in(page, language)
    assert page.get_by_test_id("listing-status").inner_text() == translated(language, "Delisted")
    violations = page.get_by_test_id("incident-violations").inner_text()
    assert "24" in violations
    assert ("销售假冒商品" if language == "zh-hans" else "Counterfeit goods") in violations
    assert "Brand owner's test: not genuine." in page.get_by_test_id("findings").inner_text()
    assert current_points(merchant) == 24
    product.refresh_from_db()
    assert product.status == Product.Status.DELISTED

    # The merchant reads the decision in the portal.
    shop = make_page(language)
    log_in(shop, owner, PASSWORD)
    shop.goto("/merchant/incidents/")
    assert_page_in(shop, language)
    mine = shop.get_by_test_id("portal-incidents").inner_text()
    assert incident.reference in mine and "Brand owner's test: not genuine." in mine
