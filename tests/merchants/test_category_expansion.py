"""Category expansion: a live merchant sells in a new category only once that category's test
report is approved, whichever way the category arrives (portal, admin, API), and
`can_sell` is the one check."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from rest_framework.test import APIClient

from core.exceptions import DomainError
from core.models import Alert, Decision
from merchants import services
from merchants.models import CategoryRequest, Document
from products.models import Product
from tests import files
from tests.factories.core import CategoryFactory
from tests.factories.merchants import DocumentFactory, MerchantFactory, sells_in
from tests.factories.products import ProductFactory

pytestmark = pytest.mark.django_db

PORTAL = "/merchant/categories/"
API = "/api/v1/merchants/category-requests/"


@pytest.fixture(autouse=True)
def _english():
    with override("en"):
        yield


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def tea(db):
    return CategoryFactory(code="x-tea", name_en="Tea", name_zh="茶叶")


@pytest.fixture
def kettles(db):
    return CategoryFactory(code="x-kettles", name_en="Kettles", name_zh="水壶")


@pytest.fixture
def staff(role_user):
    return role_user("merchant_management")


def report_fields(**overrides):
    today = timezone.localdate()
    return {
        "number": "TR-2026-001",
        "issuer": "National Tea Testing Centre",
        "issued_on": today - datetime.timedelta(days=10),
        "expires_on": today + datetime.timedelta(days=365),
        "file": files.pdf("report.pdf"),
        **overrides,
    }


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


# --- the gate ---------------------------------------------------------------------------------
def test_a_category_without_an_approved_test_report_gives_no_selling_right(merchant_a, tea):
    merchant_a.categories.add(tea)
    rights = services.selling_rights(merchant_a, tea)
    assert not rights
    assert "no approved test report for Tea" in " ".join(rights.reasons)
    assert list(services.selling_categories(merchant_a)) == []


def test_a_pending_report_is_not_enough_an_accepted_one_is(merchant_a, tea):
    merchant_a.categories.add(tea)
    report = DocumentFactory(
        merchant=merchant_a, document_type="test_report", category=tea, status="pending"
    )
    assert not services.can_sell(merchant_a, tea)
    report.status = Document.Status.ACCEPTED
    report.save(update_fields=["status"])
    assert services.can_sell(merchant_a, tea)
    assert list(services.selling_categories(merchant_a)) == [tea]


def test_listing_in_a_category_without_report_is_refused_with_the_reason(merchant_a, owner_a, tea):
    from products.services import create_product

    merchant_a.categories.add(tea)
    with pytest.raises(DomainError) as refused:
        create_product(
            merchant=merchant_a, category=tea, sku="T1", title="Green tea", price="12", by=owner_a
        )
    assert "no approved test report" in refused.value.message_dict["category"][0]


# --- the request and its decision (service) -------------------------------------------------
def test_request_waits_for_review_then_approval_opens_selling(merchant_a, owner_a, staff, tea):
    request = services.request_category(
        merchant=merchant_a, actor=owner_a, category=tea, **report_fields()
    )
    assert request.status == CategoryRequest.Status.REQUESTED
    assert request.test_report.status == Document.Status.PENDING
    assert request.test_report.category == tea
    assert not services.can_sell(merchant_a, tea)
    assert Alert.objects.filter(
        kind="category_requested", recipient_group__name="merchant_management"
    ).exists()

    services.approve_category_request(category_request=request, actor=staff)
    request.refresh_from_db()
    assert request.status == CategoryRequest.Status.APPROVED
    assert request.decided_by == staff and request.decided_at is not None
    assert request.test_report.status == Document.Status.ACCEPTED
    assert services.can_sell(merchant_a, tea)
    alert = Alert.objects.get(kind="category_request_decided", recipient_user=owner_a)
    assert "Tea" in alert.text and "Approved" in alert.text
    assert Decision.objects.filter(
        content_type__model="categoryrequest", object_id=str(request.pk), to_state="approved"
    ).exists()


def test_rejection_needs_a_reason_and_rejects_the_report(merchant_a, owner_a, staff, tea):
    request = services.request_category(
        merchant=merchant_a, actor=owner_a, category=tea, **report_fields()
    )
    with pytest.raises(DomainError):
        services.reject_category_request(category_request=request, actor=staff, reason=" ")
    services.reject_category_request(
        category_request=request, actor=staff, reason="The report covers another product."
    )
    request.refresh_from_db()
    assert request.status == CategoryRequest.Status.REJECTED
    assert request.test_report.status == Document.Status.REJECTED
    assert not services.can_sell(merchant_a, tea)
    assert not merchant_a.categories.filter(pk=tea.pk).exists()
    alert = Alert.objects.get(kind="category_request_decided", recipient_user=owner_a)
    assert "Rejected" in alert.text and "another product" in alert.text
    with pytest.raises(DomainError, match="already been decided"):
        services.approve_category_request(category_request=request, actor=staff)


def test_listings_held_back_in_the_category_come_back_on_approval(merchant_a, owner_a, staff, tea):
    merchant_a.categories.add(tea)  # an old direct add, without a report
    product = ProductFactory(
        merchant=merchant_a, category=tea, status="restricted", status_cause="selling_rights"
    )
    request = services.request_category(
        merchant=merchant_a, actor=owner_a, category=tea, **report_fields()
    )
    services.approve_category_request(category_request=request, actor=staff)
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED


def test_a_merchant_cannot_decide_its_own_request(merchant_a, owner_a, tea):
    request = services.request_category(
        merchant=merchant_a, actor=owner_a, category=tea, **report_fields()
    )
    with pytest.raises(DomainError):
        services.approve_category_request(category_request=request, actor=owner_a)
    assert not services.can_sell(merchant_a, tea)


# --- bad input --------------------------------------------------------------------------------
def test_a_request_without_a_report_is_refused_and_stores_nothing(merchant_a, owner_a, tea):
    with pytest.raises(DomainError) as refused:
        services.request_category(
            merchant=merchant_a, actor=owner_a, category=tea, **report_fields(file=None)
        )
    assert "test report" in refused.value.message_dict["file"][0]
    assert not CategoryRequest.objects.exists() and not Document.objects.exists()


def test_a_report_for_another_category_is_refused(merchant_a, owner_a, tea, kettles):
    kettle_report = DocumentFactory(
        merchant=merchant_a, document_type="test_report", category=kettles, status="pending"
    )
    with pytest.raises(DomainError) as refused:
        services.request_category(
            merchant=merchant_a, actor=owner_a, category=tea, test_report=kettle_report
        )
    assert refused.value.message_dict["test_report"] == [
        "This test report is for Kettles, not for Tea."
    ]
    assert not CategoryRequest.objects.exists()


def test_another_merchants_report_and_a_licence_are_refused(merchant_a, merchant_b, owner_a, tea):
    foreign = DocumentFactory(merchant=merchant_b, document_type="test_report", category=tea)
    licence = DocumentFactory(merchant=merchant_a)
    for document in (foreign, licence):
        with pytest.raises(DomainError) as refused:
            services.request_category(
                merchant=merchant_a, actor=owner_a, category=tea, test_report=document
            )
        assert "test_report" in refused.value.message_dict


def test_a_second_open_request_and_a_category_already_sold_are_refused(
    merchant_a, owner_a, tea, kettles
):
    services.request_category(merchant=merchant_a, actor=owner_a, category=tea, **report_fields())
    with pytest.raises(DomainError, match="already waiting"):
        services.request_category(
            merchant=merchant_a, actor=owner_a, category=tea, **report_fields()
        )
    sells_in(merchant_a, kettles)
    with pytest.raises(DomainError, match="already sell in Kettles"):
        services.request_category(
            merchant=merchant_a, actor=owner_a, category=kettles, **report_fields()
        )


def test_a_merchant_still_onboarding_chooses_categories_in_its_application(owner_a, tea):
    merchant = owner_a.membership.merchant
    merchant.status = "onboarding"
    merchant.save(update_fields=["status"])
    with pytest.raises(DomainError, match="Only a live merchant"):
        services.request_category(merchant=merchant, actor=owner_a, category=tea, **report_fields())


# --- portal -------------------------------------------------------------------------------------
def test_portal_request_with_report_then_staff_approval(client, merchant_a, owner_a, staff, tea):
    client.force_login(owner_a)
    page = client.get(PORTAL)
    assert page.status_code == 200 and b'data-testid="category-request-form"' in page.content
    response = client.post(PORTAL, {"category": tea.pk, **report_fields()})
    assert response.status_code == 302
    request = CategoryRequest.objects.get(merchant=merchant_a, category=tea)
    assert not services.can_sell(merchant_a, tea)
    page = client.get(PORTAL).content.decode()
    assert "Awaiting review" in page
    services.approve_category_request(category_request=request, actor=staff)
    assert services.can_sell(merchant_a, tea)
    assert "Test report approved" in client.get(PORTAL).content.decode()


def test_portal_request_without_report_shows_the_error_next_to_the_file(
    client, merchant_a, owner_a, tea
):
    client.force_login(owner_a)
    fields = report_fields()
    del fields["file"]
    response = client.post(PORTAL, {"category": tea.pk, **fields})
    assert response.status_code == 200
    assert (
        "a category is requested together with its report"
        in response.context["form"].errors["file"][0]
    )
    assert not CategoryRequest.objects.exists()


def test_portal_shows_only_the_merchants_own_requests(client, merchant_b, owner_a, owner_b, tea):
    services.request_category(merchant=merchant_b, actor=owner_b, category=tea, **report_fields())
    client.force_login(owner_a)
    assert b"category-request-" not in client.get(PORTAL).content.replace(
        b"category-request-form", b""
    ).replace(b"category-request-submit", b"")


def test_product_form_offers_only_categories_with_an_approved_report(
    client, merchant_a, owner_a, tea, kettles
):
    merchant_a.categories.add(tea)
    sells_in(merchant_a, kettles)
    client.force_login(owner_a)
    choices = client.get("/merchant/products/new/").context["form"].fields["category"].queryset
    assert list(choices) == [kettles]


# --- admin --------------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def test_admin_refuses_adding_a_category_to_a_live_merchant_without_its_report(
    admin_client, merchant_a, tea, kettles
):
    sells_in(merchant_a, kettles)
    url = reverse("admin:merchants_merchant_change", args=[merchant_a.pk])
    form = {
        "legal_name": merchant_a.legal_name,
        "credit_code": merchant_a.credit_code,
        "contact_name": merchant_a.contact_name,
        "contact_email": merchant_a.contact_email,
        "contact_phone": "",
        "categories": [kettles.pk, tea.pk],
    }
    for inline in admin_client.get(url).context["inline_admin_formsets"]:  # all empty here
        form[f"{inline.formset.prefix}-TOTAL_FORMS"] = 0
        form[f"{inline.formset.prefix}-INITIAL_FORMS"] = 0
    response = admin_client.post(url, form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["categories"][0]
    assert "No approved test report for Tea" in errors
    assert not merchant_a.categories.filter(pk=tea.pk).exists()
    assert not services.can_sell(merchant_a, tea)
    # With an accepted report for it, the same change goes through.
    DocumentFactory(merchant=merchant_a, document_type="test_report", category=tea)
    response = admin_client.post(url, form)
    assert response.status_code == 302
    assert services.can_sell(merchant_a, tea)


def test_admin_files_a_request_with_the_report_and_approves_it(admin_client, merchant_a, tea):
    add = reverse("admin:merchants_categoryrequest_add")
    assert admin_client.get(add).status_code == 200
    fields = report_fields()
    response = admin_client.post(add, {"merchant": merchant_a.pk, "category": tea.pk, **fields})
    assert response.status_code == 302, response.context["adminform"].form.errors
    request = CategoryRequest.objects.get(merchant=merchant_a, category=tea)
    assert not services.can_sell(merchant_a, tea)
    changelist = reverse("admin:merchants_categoryrequest_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:merchants_categoryrequest_change", args=[request.pk])
        ).status_code
        == 200
    )
    admin_client.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    assert services.can_sell(merchant_a, tea)


def test_admin_request_without_a_report_shows_the_error(admin_client, merchant_a, tea, kettles):
    add = reverse("admin:merchants_categoryrequest_add")
    response = admin_client.post(add, {"merchant": merchant_a.pk, "category": tea.pk})
    assert response.status_code == 200
    assert "file" in response.context["adminform"].form.errors
    other = DocumentFactory(
        merchant=merchant_a, document_type="test_report", category=kettles, status="pending"
    )
    response = admin_client.post(
        add, {"merchant": merchant_a.pk, "category": tea.pk, "test_report": other.pk}
    )
    assert response.context["adminform"].form.errors["test_report"] == [
        "This test report is for Kettles, not for Tea."
    ]
    assert not CategoryRequest.objects.exists()


def test_admin_reject_action_asks_for_the_reason(admin_client, merchant_a, owner_a, tea):
    request = services.request_category(
        merchant=merchant_a, actor=owner_a, category=tea, **report_fields()
    )
    changelist = reverse("admin:merchants_categoryrequest_changelist")
    admin_client.post(
        changelist,
        {
            "action": "reject",
            "_selected_action": [request.pk],
            "apply": "1",
            "reason": "Report is illegible.",
        },
    )
    request.refresh_from_db()
    assert request.status == CategoryRequest.Status.REJECTED
    assert request.reason == "Report is illegible."


# --- API ----------------------------------------------------------------------------------------
def test_api_merchant_requests_and_staff_approves(merchant_a, owner_a, staff, tea):
    response = api(owner_a).post(API, {"category": tea.pk, **report_fields()}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "requested"
    assert not services.can_sell(merchant_a, tea)
    pk = response.json()["id"]
    assert api(owner_a).post(f"{API}{pk}/approve/").status_code == 403
    response = api(staff).post(f"{API}{pk}/approve/", {"reason": "Report checked."})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert services.can_sell(merchant_a, tea)


def test_api_staff_files_a_request_for_a_merchant_with_its_report(merchant_a, staff, tea):
    response = api(staff).post(
        API, {"merchant": merchant_a.pk, "category": tea.pk, **report_fields()}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert not services.can_sell(merchant_a, tea)
    missing = api(staff).post(API, {"category": tea.pk, **report_fields()}, format="multipart")
    assert missing.status_code == 400 and "merchant" in missing.json()


def test_api_bad_input_gets_clear_errors(merchant_a, owner_a, tea, kettles):
    fields = report_fields()
    del fields["file"]
    response = api(owner_a).post(API, {"category": tea.pk, **fields}, format="multipart")
    assert response.status_code == 400
    assert "test report" in response.json()["file"][0]
    kettle_report = DocumentFactory(
        merchant=merchant_a, document_type="test_report", category=kettles, status="pending"
    )
    response = api(owner_a).post(
        API, {"category": tea.pk, "test_report": kettle_report.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["test_report"] == ["This test report is for Kettles, not for Tea."]
    assert not CategoryRequest.objects.exists()


def test_api_scopes_requests_to_the_merchant(merchant_b, owner_a, owner_b, tea):
    request = services.request_category(
        merchant=merchant_b, actor=owner_b, category=tea, **report_fields()
    )
    assert api(owner_a).get(API).json()["results"] == []
    assert api(owner_a).get(f"{API}{request.pk}/").status_code == 404
    assert [r["id"] for r in api(owner_b).get(API).json()["results"]] == [request.pk]


def test_a_direct_category_change_through_the_details_service_needs_the_report(
    merchant_a, staff, tea
):
    with pytest.raises(DomainError, match="No approved test report for Tea"):
        services.update_merchant_details(merchant=merchant_a, actor=staff, categories=[tea])
    onboarding = MerchantFactory(status="onboarding")
    services.update_merchant_details(merchant=onboarding, actor=staff, categories=[tea])
    assert list(onboarding.categories.all()) == [tea]


def test_the_staff_review_queue_lists_waiting_category_requests(
    client, merchant_a, owner_a, staff, tea
):
    request = services.request_category(
        merchant=merchant_a, actor=owner_a, category=tea, **report_fields()
    )
    client.force_login(staff)
    page = client.get(reverse("merchants:review-queue")).content.decode()
    assert f'data-testid="category-request-{request.pk}"' in page and "TR-2026-001" in page
    services.approve_category_request(category_request=request, actor=staff)
    page = client.get(reverse("merchants:review-queue")).content.decode()
    assert "No category requests are waiting." in page
