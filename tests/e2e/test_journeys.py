"""What exists today, driven through a real browser in both languages:
a merchant signs up, uploads a licence and accepts the agreement; Merchant Management
accepts the document in the review queue; a merchant lists a product and sees the live
advertising-claim warning before saving."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone, translation

from core.models import Upload
from merchants import services
from merchants.models import AgreementAcceptance, Application, Document, Merchant
from products.models import ClaimFlag, ClaimTerm, Product
from products.services.listings import MAX_IMAGES
from tests import files
from tests.e2e.conftest import LANGUAGES, assert_page_in, log_in, translated
from tests.factories.core import PASSWORD, CategoryFactory
from tests.factories.merchants import AgreementVersionFactory, MembershipFactory, sells_in
from tests.merchants.onboarding_helpers import signed_up, upload, valid_code


def shown(language, document):
    with translation.override(language):
        return document.get_status_display()


# Transactional: the live server thread must see committed data. Each test flushes the
# database afterwards, so rows that migrations seed are put back by the tests that need
# them (post_migrate, which re-creates the role groups, runs again after every flush).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_merchant_signs_up_uploads_a_licence_and_accepts_the_agreement(
    make_page, language, tmp_path
):
    category = CategoryFactory(name_en="Tea", name_zh="茶叶")
    AgreementVersionFactory()
    page = make_page(language)

    page.goto("/merchant/")
    assert_page_in(page, language)
    page.get_by_role("link", name=translated(language, "Start your application")).first.click()
    page.wait_for_url("**/merchant/signup/")
    form = page.get_by_test_id("signup-form")
    form.locator("[name=username]").fill(f"shop-{language}")
    form.locator("[name=email]").fill(f"shop-{language}@example.test")
    form.locator("[name=password1]").fill("Tea-leaves-2026!")
    form.locator("[name=password2]").fill("Tea-leaves-2026!")
    form.locator("[name=legal_name]").fill(f"Fuzhou Tea {language} Co., Ltd.")
    form.locator("[name=credit_code]").fill(valid_code(11 if language == "en" else 12))
    form.locator("[name=contact_name]").fill("Li Na")
    form.locator("[name=contact_email]").fill("li@example.test")
    form.locator(f"[name=categories][value='{category.pk}']").check()
    page.get_by_test_id("signup-submit").click()

    page.wait_for_url("**/merchant/documents/")
    assert_page_in(page, language)
    assert translated(language, "Your merchant is registered. Now add your documents.") in (
        page.get_by_test_id("messages").inner_text()
    )
    merchant = Merchant.objects.get(legal_name=f"Fuzhou Tea {language} Co., Ltd.")
    today = timezone.localdate()
    licence = tmp_path / "营业执照 licence.pdf"
    licence.write_bytes(files.pdf_bytes())
    form = page.get_by_test_id("document-form")
    form.locator("[name=document_type]").select_option("business_licence")
    form.locator("[name=number]").fill("91350100M000100Y43")
    form.locator("[name=issuer]").fill("Fuzhou AMR")
    form.locator("[name=issued_on]").fill((today - datetime.timedelta(days=90)).isoformat())
    form.locator("[name=expires_on]").fill((today + datetime.timedelta(days=700)).isoformat())
    form.locator("[name=file]").set_input_files(str(licence))
    page.get_by_test_id("document-submit").click()
    page.wait_for_load_state()
    assert translated(language, "The document is uploaded and waits for review.") in (
        page.get_by_test_id("messages").inner_text()
    )
    document = Document.objects.get(merchant=merchant)
    assert document.document_type == "business_licence"
    assert document.status == Document.Status.PENDING
    assert document.file.original_name == "营业执照 licence.pdf"
    row = page.get_by_test_id(f"document-{document.pk}")
    assert "营业执照 licence.pdf" in row.inner_text()

    page.goto("/merchant/agreement/")
    assert_page_in(page, language)
    page.locator("[name=confirm]").check()
    page.get_by_test_id("agreement-accept").click()
    page.wait_for_load_state()
    accepted = page.get_by_test_id("agreement-accepted")
    assert f"shop-{language}" in accepted.inner_text()
    acceptance = AgreementAcceptance.objects.get(merchant=merchant)
    assert acceptance.user.username == f"shop-{language}"
    assert acceptance.ip_address == "127.0.0.1"


@pytest.mark.parametrize("language", LANGUAGES)
def test_merchant_management_accepts_a_document_in_the_review_queue(make_page, role_user, language):
    AgreementVersionFactory()
    owner, merchant, category = signed_up(n=30 + LANGUAGES.index(language))
    licence = upload(merchant, owner)
    services.accept_agreement(
        merchant=merchant,
        actor=owner,
        version=services.current_agreement(),
        ip_address="203.0.113.9",
    )
    upload(merchant, owner, "test_report", category, number="TR-1", issuer="CQC")
    application = services.open_application(merchant)
    application.status = Application.Status.SUBMITTED
    application.submitted_at = timezone.now()
    application.save(update_fields=["status", "submitted_at"])
    staff = role_user("merchant_management")
    page = make_page(language)

    log_in(page, staff, PASSWORD)
    page.goto("/staff/merchants/review/")
    assert_page_in(page, language)
    item = page.get_by_test_id("queue-item").filter(has_text=merchant.legal_name)
    row = item.get_by_test_id(f"document-{licence.pk}")
    assert row.get_by_test_id("document-status").inner_text() == shown(language, licence)
    row.locator("[name=verdict]").select_option("accepted")
    row.locator("[name=note]").fill("Matches the registry.")
    row.get_by_test_id("document-review-submit").click()
    page.wait_for_load_state()

    assert translated(language, "Review saved: %(document)s.").split("%")[0] in (
        page.get_by_test_id("messages").inner_text()
    )
    licence.refresh_from_db()
    assert licence.status == Document.Status.ACCEPTED
    assert licence.reviewed_by == staff
    row = page.get_by_test_id(f"document-{licence.pk}")
    assert licence.status == Document.Status.ACCEPTED
    assert row.get_by_test_id("document-status").inner_text() == shown(language, licence)
    assert row.get_by_test_id("document-review-submit").count() == 0


@pytest.fixture
def claim_list():
    """The maintained list of absolute terms, as the products migration seeds it."""
    if not ClaimTerm.objects.exists():
        seed = importlib.import_module("products.migrations.0003_seed_claim_list").seed
        seed(django_apps, None)
    assert ClaimTerm.objects.filter(text="最佳", active=True).exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_merchant_sees_the_claim_warning_before_saving_a_best_product(
    make_page, language, claim_list
):
    category = CategoryFactory(code=f"e2e-tea-{language}", name_en="Tea", name_zh="茶叶")
    owner = MembershipFactory(merchant__status=Merchant.Status.ACTIVE).user
    merchant = owner.membership.merchant
    sells_in(merchant, category)
    uploads = Upload.objects.count()  # the category's test report
    page = make_page(language)

    log_in(page, owner, PASSWORD)
    page.goto("/merchant/products/new/")
    assert_page_in(page, language)
    images_help = translated(
        language, "JPEG or PNG, at most 10 MB each, %(n)d images per product."
    ) % {"n": MAX_IMAGES}
    assert images_help in page.inner_text("#product-form")
    feedback = page.locator("#claim-feedback")
    feedback.get_by_text(translated(language, "No absolute terms found.")).wait_for()
    page.locator("[name=category]").select_option(str(category.pk))
    page.locator("[name=sku]").fill("TEA-1")
    page.locator("[name=title]").fill("武夷山最佳大红袍 250g")
    page.locator("[name=price]").fill("168.00")
    # The warning appears as the merchant types, before anything is saved.
    feedback.locator("strong", has_text="最佳").wait_for()
    assert Product.objects.count() == 0
    assert "最佳" in feedback.inner_text()

    page.get_by_test_id("product-submit").click()
    page.wait_for_url("**/merchant/products/*/")
    product = Product.objects.get(merchant=merchant, sku="TEA-1")
    assert product.status == Product.Status.LISTED
    assert list(product.claim_flags.values_list("matched", "status")) == [
        ("最佳", ClaimFlag.Status.OPEN)
    ]
    assert page.get_by_test_id("messages").is_visible()
    assert Upload.objects.count() == uploads  # no image was sent, none stored
