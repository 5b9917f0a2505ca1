"""Quality Management records an inspection in the browser: a critical nonconformity rejects
the lot, and the product leaves the merchant's listed products at once."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import translation

from inspections.models import Inspection
from merchants.models import ViolationRule
from products.models import Product, Requirement
from tests.e2e.conftest import LANGUAGES, assert_page_in, log_in, translated
from tests.factories.core import PASSWORD, CategoryFactory, UserFactory
from tests.factories.inspections import (
    InspectionPlanFactory,
    MeasuredRequirementFactory,
    PassFailRequirementFactory,
    PublishedVersionFactory,
)
from tests.factories.merchants import MembershipFactory, MerchantFactory, sells_in
from tests.factories.products import ProductFactory, QualityStandardFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def violation_rules():
    """The rules catalogue as the standing migration seeds it (transactional tests flush it)."""
    from merchants.models import ViolationRule

    if not ViolationRule.objects.filter(code="inspection_lot_rejected").exists():
        importlib.import_module("merchants.migrations.0003_standing").seed_rules(django_apps, None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_quality_management_rejects_a_lot_and_the_product_is_delisted(
    make_page, role_user, language
):
    food = CategoryFactory(code=f"e2e-food-{language}", name_en="Rice", name_zh="大米")
    version = PublishedVersionFactory(standard=QualityStandardFactory(category=food))
    critical = PassFailRequirementFactory(
        version=version, code="PB", severity=Requirement.Severity.CRITICAL
    )
    MeasuredRequirementFactory(version=version, code="NET", severity=Requirement.Severity.MAJOR)
    merchant = MerchantFactory(legal_name=f"Rice Mill {language}", status="active")
    sells_in(merchant, food)
    owner = UserFactory()
    MembershipFactory(user=owner, merchant=merchant, role="owner")
    product = ProductFactory(merchant=merchant, category=food, title=f"Jasmine rice {language}")
    other = ProductFactory(merchant=merchant, category=food, title=f"Brown rice {language}")
    plan = InspectionPlanFactory(merchant=merchant, reason="Quarterly spot check")
    inspector = role_user("quality_management")

    page = make_page(language)
    log_in(page, inspector, PASSWORD)
    page.goto("/staff/inspections/")
    assert_page_in(page, language)
    page.get_by_role("link", name=translated(language, "Start")).first.click()
    page.wait_for_url(f"**/staff/inspections/plans/{plan.pk}/start/")
    page.locator("[name=product]").select_option(str(product.pk))
    page.locator("[name=lot_size]").fill("50")
    page.locator("[name=batch]").fill("B-2026-11")
    page.get_by_role("button", name=translated(language, "Draw the sample")).click()

    page.wait_for_url("**/staff/inspections/*/record/")
    inspection = Inspection.objects.get(plan=plan)
    assert_page_in(page, language)
    for cell in page.locator("input[inputmode=decimal]").all():
        cell.fill("500")
    page.locator(f"input[name='f-1-{critical.pk}']").check()  # sample 1 fails the lead test
    fill = "Save and fill the remaining pass/fail items as conforming"
    with page.expect_navigation():
        page.get_by_role("button", name=translated(language, fill)).click()
    with page.expect_navigation():
        page.get_by_role("button", name=translated(language, "Save and give the verdict")).click()
    # Nothing is decided yet: the page names what saving the verdict does.
    inspection.refresh_from_db()
    assert inspection.status == "recorded"
    confirm = page.get_by_test_id("confirm-verdict")
    with translation.override(language):
        rule = ViolationRule.objects.filter(code="inspection_lot_rejected").first().title
    assert rule in confirm.inner_text()
    with page.expect_navigation():
        confirm.get_by_role("button").click()

    inspection.refresh_from_db()
    assert inspection.status == "rejected"
    with translation.override(language):
        rejected = str(inspection.get_status_display())  # "Rejected" as a lot verdict
    assert rejected in page.get_by_test_id("messages").inner_text()
    product.refresh_from_db()
    assert product.status != Product.Status.LISTED

    merchant_page = make_page(language)
    log_in(merchant_page, owner, PASSWORD)
    merchant_page.goto("/merchant/products/?status=listed")
    assert_page_in(merchant_page, language)
    listed = merchant_page.locator("table").inner_text()
    assert other.title in listed
    assert product.title not in listed
    merchant_page.goto("/merchant/products/")
    with translation.override(language):
        status_shown = product.get_status_display()
    assert status_shown in merchant_page.locator("tr", has_text=product.title).inner_text()


def test_a_block_pasted_from_a_spreadsheet_fills_the_grid(make_page, role_user):
    from inspections import services

    food = CategoryFactory(code="e2e-paste", name_en="Rice", name_zh="大米")
    version = PublishedVersionFactory(standard=QualityStandardFactory(category=food))
    lead = PassFailRequirementFactory(
        version=version, code="PB", severity=Requirement.Severity.CRITICAL
    )
    net = MeasuredRequirementFactory(
        version=version, code="NET", severity=Requirement.Severity.MAJOR
    )
    label = PassFailRequirementFactory(
        version=version, code="LABEL", severity=Requirement.Severity.MINOR
    )
    merchant = MerchantFactory(legal_name="Paste Mill", status="active")
    merchant.categories.add(food)
    product = ProductFactory(merchant=merchant, category=food, title="Paste rice")
    inspector = role_user("quality_management")
    inspection = services.start_inspection(
        plan=InspectionPlanFactory(merchant=merchant),
        product=product,
        lot_size=1200,
        batch="P-1",
        by=inspector,
    )
    page = make_page("en")
    log_in(page, inspector, PASSWORD)
    page.goto(f"/staff/inspections/{inspection.pk}/record/")
    state = page.get_by_test_id("verdict-state")
    assert state.inner_text() == "Incomplete"
    page.locator(f"input[name='f-1-{lead.pk}']").focus()
    page.evaluate(
        """([name, text]) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.querySelector(`input[name='${name}']`).dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true})
            );
        }""",
        [f"f-1-{lead.pk}", "pass\t500\tok\nx\t480\tfail\n合格\t501\tmaybe\n"],
    )
    status = page.get_by_test_id("paste-status").inner_text()
    assert "8 pasted values entered." in status and "1 pasted values" in status
    assert "Incomplete, already rejected" in state.inner_text()
    with page.expect_navigation():
        page.locator("button[name=save]").click()
    stored = {(r.sample_number, r.requirement_id): r for r in inspection.results.all()}
    assert len(stored) == 8
    assert stored[(1, lead.pk)].passed and stored[(1, label.pk)].passed
    assert stored[(1, net.pk)].value == 500
    assert not stored[(2, lead.pk)].passed and not stored[(2, net.pk)].passed
    assert not stored[(2, label.pk)].passed
    assert stored[(3, lead.pk)].passed and (3, label.pk) not in stored
