"""The source commitment's typical case (C5): a consumer reports a counterfeit, Quality
Management suspends the listing at once while investigating, confirms the counterfeit (24
points, delisting, the buyers told), records the refund on the incident page, drafts the
public notice that a Quality Manager approves, and the notice shows on the transparency page
and the product's public quality record; the merchant reads the decision in the portal."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from complaints.models import BuyerNotice, QualityIncident, QualityNotice, Remedy
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
    PurchaseFactory(product=product, consumer="wang@example.test")  # a second buyer
    manager = UserFactory(username=f"qm-{language}", is_staff=True)
    manager.groups.add(Group.objects.get(name="quality_management"))
    approver = UserFactory(username=f"qmgr-{language}", is_staff=True)
    approver.groups.add(Group.objects.get(name="quality_manager"))

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

    # Both buyers of the delisted product are told; the incident page counts them.
    assert BuyerNotice.objects.filter(incident=incident).count() == 2
    assert page.get_by_test_id("buyer-notice-total").inner_text() == "2"

    # The refund is granted on the incident page; the merchant pays it.
    panel = page.get_by_test_id("remedies-panel")
    panel.locator("summary").click()
    grant = panel.get_by_test_id("remedy-grant-form")
    grant.locator("[name=remedy-kind]").select_option("refund")
    grant.locator("[name=remedy-amount]").fill("99.00")
    grant.locator("[name=remedy-payer]").select_option("merchant")
    grant.get_by_role("button", name=translated(language, "Grant")).click()
    page.wait_for_url(f"**/staff/incidents/{incident.pk}/")
    assert_page_in(page, language)
    refund = Remedy.objects.get(incident=incident)
    assert (refund.kind, refund.amount, refund.payer) == ("refund", 99, "merchant")
    row = page.get_by_test_id("remedy-row").inner_text()
    assert translated(language, "Refund") in row and "99" in row

    # Quality Management drafts the public notice from the incident's facts ...
    page.get_by_test_id("notice-prefill").get_by_role("button").click()
    page.wait_for_url(f"**/staff/incidents/{incident.pk}/")
    assert page.get_by_test_id("quality-notice-status").inner_text() == translated(
        language, "Draft"
    )
    assert page.get_by_test_id("notice-approve").count() == 0  # not theirs to approve

    # ... and a Quality Manager approves and publishes it.
    boss = make_page(language)
    log_in(boss, approver, PASSWORD)
    boss.goto(f"/staff/incidents/{incident.pk}/")
    assert_page_in(boss, language)
    boss.get_by_test_id("notice-approve").get_by_role("button").click()
    boss.wait_for_url(f"**/staff/incidents/{incident.pk}/")
    assert boss.get_by_test_id("quality-notice-status").inner_text() == translated(
        language, "Published"
    )
    notice = QualityNotice.objects.get(incident=incident)
    assert notice.status == QualityNotice.Status.PUBLISHED

    # Anyone reads it on the transparency page and on the product's quality record, with
    # no consumer data.
    visitor = make_page(language)
    visitor.goto("/transparency/")
    assert_page_in(visitor, language)
    published = visitor.get_by_test_id("quality-notices").inner_text()
    assert "Designer handbag" in published
    assert "li@example.test" not in published and "李娜" not in published
    visitor.get_by_test_id("quality-notices").get_by_role(
        "link", name=translated(language, "The product's quality record")
    ).first.click()
    visitor.wait_for_url(f"**/quality/products/{product.pk}/")
    assert_page_in(visitor, language)
    record = visitor.get_by_test_id("record-quality-notices").inner_text()
    assert getattr(notice, f"title_{language.replace('-', '_')}") in record
    assert "li@example.test" not in record

    # The merchant reads the decision in the portal.
    shop = make_page(language)
    log_in(shop, owner, PASSWORD)
    shop.goto("/merchant/incidents/")
    assert_page_in(shop, language)
    mine = shop.get_by_test_id("portal-incidents").inner_text()
    assert incident.reference in mine and "Brand owner's test: not genuine." in mine
