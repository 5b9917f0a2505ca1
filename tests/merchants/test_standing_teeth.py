"""Sanctions with teeth: violations recorded by hand (admin, staff page, API), product
delisting sanctions, suspension and termination moving the merchant's status (selling
rights, the inspection planner, a read-only portal), automatic reinstatement, and
multi-step ladder crossings."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.audit import decisions_for
from core.models import Alert, Upload
from merchants import services
from merchants.models import Merchant, MerchantStanding, Restriction, Sanction, ViolationEntry
from products.models import Product
from tests.factories.core import CategoryFactory
from tests.factories.merchants import sells_in
from tests.factories.products import ProductFactory
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def manager(role_user):
    return role_user("merchant_management")


@pytest.fixture
def colleague(role_user):
    return role_user("merchant_management")


@pytest.fixture
def quality(role_user):
    return role_user("quality_management")


@pytest.fixture
def food(db):
    return CategoryFactory(code="t-food", name_en="Food", name_zh="食品")


@pytest.fixture
def product_a(merchant_a, food):
    sells_in(merchant_a, food)
    return ProductFactory(merchant=merchant_a, category=food)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def a_pdf(name="proof.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def suspend(merchant, by, days=21):
    return services.impose_sanction(
        merchant=merchant,
        kind="suspension",
        rule_code="counterfeit",
        evidence=EvidenceFactory(),
        by=by,
        reason="Counterfeit phones found.",
        days=days,
    )


def delist(product, by):
    return services.impose_sanction(
        merchant=product.merchant,
        kind="product_delisting",
        rule_code="counterfeit",
        evidence=EvidenceFactory(),
        by=by,
        reason="Counterfeit charger.",
        product=product,
    )


# --- recording by hand: the service ------------------------------------------------------
def test_staff_record_a_counterfeit_with_a_linked_product_and_a_file(
    merchant_a, owner_a, product_a, quality
):
    entry = services.record_violation_by_hand(
        merchant=merchant_a,
        rule_code="counterfeit",
        by=quality,
        note="Test purchase: fake charger.",
        evidence=product_a,
        evidence_file=a_pdf(),
    )
    assert (entry.rule_code, entry.points, entry.recorded_by) == ("counterfeit", 24, quality)
    assert entry.evidence == product_a
    assert entry.evidence_file.original_name == "proof.pdf"
    assert services.current_points(merchant_a) == 24
    assert [d.action for d in decisions_for(entry)] == ["record"]
    assert Alert.objects.filter(kind="violation_recorded", recipient_user=owner_a).exists()
    # Crossing the 12 and 24 steps at once: the 12 step's warning lasts.
    kinds = set(Sanction.objects.filter(merchant=merchant_a).values_list("kind", "step_points"))
    assert kinds == {("warning", 12), ("sales_restriction", 24)}


def test_a_second_record_of_the_same_evidence_and_rule_is_refused_clearly(
    merchant_a, product_a, manager
):
    first = services.record_violation_by_hand(
        merchant=merchant_a, rule_code="counterfeit", by=manager, note="x", evidence=product_a
    )
    with pytest.raises(services.standing.DomainError) as error:
        services.record_violation_by_hand(
            merchant=merchant_a, rule_code="counterfeit", by=manager, note="y", evidence=product_a
        )
    assert error.value.code == "already_recorded"
    assert f"#{first.pk}" in error.value.messages[0]
    # The same file again (file-only evidence) is the same evidence too.
    services.record_violation_by_hand(
        merchant=merchant_a,
        rule_code="sla_breach_merchant",
        by=manager,
        note="x",
        evidence_file=a_pdf(),
    )
    uploads = Upload.objects.count()
    with pytest.raises(services.standing.DomainError) as error:
        services.record_violation_by_hand(
            merchant=merchant_a,
            rule_code="sla_breach_merchant",
            by=manager,
            note="again",
            evidence_file=a_pdf("same-content.pdf"),
        )
    assert error.value.code == "already_recorded"
    assert ViolationEntry.objects.count() == 2 and Upload.objects.count() == uploads


def test_a_rule_not_in_force_at_the_time_is_refused_and_nothing_is_stored(merchant_a, manager):
    with pytest.raises(services.standing.DomainError) as error:
        services.record_violation_by_hand(
            merchant=merchant_a,
            rule_code="counterfeit",
            by=manager,
            note="Old case.",
            evidence_file=a_pdf(),
            occurred_at=timezone.now().replace(year=2025, month=6),
        )
    assert "rule_code" in error.value.message_dict
    assert "was in force" in error.value.message_dict["rule_code"][0]
    assert not ViolationEntry.objects.exists() and not Upload.objects.exists()


def test_bad_manual_records_are_refused(merchant_a, merchant_b, manager, role_user, food):
    other_product = ProductFactory(merchant=merchant_b, category=food)
    common = {"merchant": merchant_a, "rule_code": "counterfeit", "note": "x"}
    with pytest.raises(services.standing.NotAllowed):
        services.record_violation_by_hand(
            by=role_user("consumer_service"), evidence_file=a_pdf(), **common
        )
    for bad in ({}, {"evidence": other_product}, {"evidence": EvidenceFactory()}):
        with pytest.raises(services.standing.DomainError) as error:
            services.record_violation_by_hand(by=manager, **common, **bad)
        assert "evidence" in error.value.message_dict
    with pytest.raises(services.standing.DomainError) as error:
        services.record_violation_by_hand(
            by=manager, **{**common, "note": " "}, evidence_file=a_pdf()
        )
    assert "note" in error.value.message_dict
    assert not ViolationEntry.objects.exists()


# --- recording by hand: the three channels -----------------------------------------------
def test_staff_page_records_a_violation_and_says_so_on_a_second_try(
    client, merchant_a, product_a, quality
):
    client.force_login(quality)
    url = f"/staff/merchants/{merchant_a.pk}/standing/"
    page = client.get(url)
    assert page.status_code == 200 and b'data-testid="record-violation"' in page.content
    assert b'data-testid="merchant-status"' in page.content and b"Active" in page.content
    data = {
        "rule_code": "counterfeit",
        "evidence_type": "products.product",
        "evidence_id": str(product_a.pk),
        "note": "Fake charger bought on the shop.",
        "evidence_file": a_pdf(),
    }
    response = client.post(url, data, follow=True)
    assert b"The violation was recorded: 24 points" in response.content
    entry = ViolationEntry.objects.get()
    assert entry.evidence == product_a and entry.evidence_file is not None
    again = client.post(url, {**data, "evidence_file": a_pdf()})
    assert again.status_code == 400
    assert b"already recorded for this evidence" in again.content
    assert ViolationEntry.objects.count() == 1


def test_staff_page_form_errors_and_refusal_for_readers_without_the_right(
    client, merchant_a, role_user, manager
):
    url = f"/staff/merchants/{merchant_a.pk}/standing/"
    client.force_login(role_user("quality_manager"))  # reads standing, records nothing
    assert b'data-testid="record-violation"' not in client.get(url).content
    assert client.post(url, {"rule_code": "counterfeit", "note": "x"}).status_code == 403
    client.force_login(manager)
    response = client.post(
        url,
        {
            "rule_code": "counterfeit",
            "note": "x",
            "evidence_file": a_pdf(),
            "occurred_at": "2025-06-01T10:00",
        },
    )
    assert response.status_code == 400 and b"was in force" in response.content
    assert not ViolationEntry.objects.exists()


def test_admin_records_a_violation_by_hand(client, merchant_a, product_a, manager, role_user):
    client.force_login(manager)
    add = "/admin/merchants/violationentry/add/"
    assert client.get(f"{add}?merchant={merchant_a.pk}").status_code == 200
    data = {
        "merchant": merchant_a.pk,
        "rule_code": "counterfeit",
        "evidence_type": "products.product",
        "evidence_id": str(product_a.pk),
        "note": "Recorded in the admin.",
    }
    response = client.post(add, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = ViolationEntry.objects.get()
    assert entry.recorded_by == manager and entry.points == 24
    again = client.post(add, data)
    assert again.status_code == 200 and b"already recorded for this evidence" in again.content
    assert ViolationEntry.objects.count() == 1
    merchant_page = client.get(f"/admin/merchants/merchant/{merchant_a.pk}/change/")
    assert f"{add}?merchant={merchant_a.pk}".encode() in merchant_page.content
    client.force_login(role_user("data_analysis"))
    assert client.get(add).status_code == 403


def test_api_records_a_violation_403_for_other_roles_409_on_a_repeat(
    merchant_a, product_a, quality, role_user, owner_a
):
    body = {
        "merchant": merchant_a.pk,
        "rule_code": "counterfeit",
        "evidence_type": "products.product",
        "evidence_id": str(product_a.pk),
        "note": "Via the API.",
    }
    url = "/api/v1/standing/entries/"
    for outsider in (role_user("consumer_service"), role_user("data_analysis"), owner_a):
        assert api(outsider).post(url, body, format="json").status_code == 403
    created = api(quality).post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert created.data["points"] == 24 and created.data["merchant_status_display"] == "Active"
    repeat = api(quality).post(url, body, format="json")
    assert repeat.status_code == 409 and "already recorded" in repeat.data["detail"]
    with_file = api(quality).post(
        url,
        {
            "merchant": merchant_a.pk,
            "rule_code": "sla_breach_merchant",
            "note": "x",
            "evidence_file": a_pdf(),
        },
        format="multipart",
    )
    assert with_file.status_code == 201, with_file.content
    old = api(quality).post(
        url,
        {**body, "rule_code": "sla_breach_merchant", "occurred_at": "2025-06-01T10:00:00Z"},
        format="json",
    )
    assert old.status_code == 400 and "rule_code" in old.data
    assert ViolationEntry.objects.count() == 2


# --- product delisting -------------------------------------------------------------------
def test_a_product_delisting_delists_and_an_upheld_appeal_relists(
    merchant_a, owner_a, product_a, manager, colleague
):
    sanction = delist(product_a, manager)
    product_a.refresh_from_db()
    assert product_a.status == Product.Status.DELISTED
    assert product_a.status_cause == Product.Cause.SANCTION
    assert product_a.status_evidence == f"merchants.sanction:{sanction.pk}"
    assert services.can_sell(merchant_a)  # the merchant keeps selling its other products
    appeal = services.submit_appeal(by=owner_a, statement="Genuine.", sanction=sanction)
    services.start_appeal_review(appeal=appeal, by=colleague)
    services.decide_appeal(appeal=appeal, by=colleague, upheld=True, reason="Brand confirmed.")
    product_a.refresh_from_db()
    assert product_a.status == Product.Status.LISTED and product_a.status_cause == ""


def test_a_product_delisting_needs_the_merchants_own_product(merchant_a, merchant_b, manager, food):
    common = {
        "merchant": merchant_a,
        "kind": "product_delisting",
        "rule_code": "counterfeit",
        "evidence": EvidenceFactory(),
        "by": manager,
        "reason": "x",
    }
    for product in (None, ProductFactory(merchant=merchant_b, category=food)):
        with pytest.raises(services.standing.DomainError) as error:
            services.impose_sanction(product=product, **common)
        assert "product" in error.value.message_dict
    with pytest.raises(services.standing.DomainError):
        services.impose_sanction(
            **{**common, "kind": "warning"}, product=ProductFactory(merchant=merchant_a)
        )
    assert not Sanction.objects.exists()


# --- suspension and termination ----------------------------------------------------------
def test_suspension_stops_selling_planning_and_portal_writes_but_not_appeals(
    client, merchant_a, owner_a, product_a, manager
):
    from inspections.models import InspectionPlan
    from inspections.services import plan_due_inspections

    sanction = suspend(merchant_a, manager)
    merchant_a.refresh_from_db()
    assert merchant_a.status == Merchant.Status.SUSPENDED
    assert [d.to_state for d in decisions_for(merchant_a)][-1] == "suspended"
    assert MerchantStanding.objects.get(merchant=merchant_a).status_before_sanction == "active"
    assert not services.can_sell(merchant_a)
    product_a.refresh_from_db()
    assert product_a.status == Product.Status.RESTRICTED
    plan_due_inspections()
    assert not InspectionPlan.objects.filter(merchant=merchant_a).exists()

    client.force_login(owner_a)
    page = client.get("/merchant/products/")
    assert b'data-testid="read-only"' in page.content and b"suspended" in page.content
    standing = client.get("/merchant/standing/")
    assert b'data-testid="merchant-status"' in standing.content and b"Suspended" in standing.content
    refused = client.post(f"/merchant/products/{product_a.pk}/", {"title": "New title"})
    assert refused.status_code == 403 and b"read-only" in refused.content
    session_api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    session_api.force_login(owner_a)
    token = Token.objects.create(user=owner_a)
    token_api = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token.key}")
    for client_api in (session_api, token_api):
        refused = client_api.post("/api/v1/products/", {"title": "x"}, format="json")
        assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    appealed = client.post(
        f"/merchant/standing/appeal/sanction/{sanction.pk}/", {"statement": "Not ours."}
    )
    assert appealed.status_code == 302
    assert sanction.appeals.count() == 1


def test_suspension_ends_by_itself_and_the_merchant_is_reinstated_and_told(
    merchant_a, owner_a, product_a, manager, django_capture_on_commit_callbacks
):
    suspend(merchant_a, manager, days=21)
    with time_machine.travel(timezone.now() + timedelta(days=22)):
        with django_capture_on_commit_callbacks(execute=True):
            result = services.sweep_standing()
        assert result.merchants_reinstated == 1
        merchant_a.refresh_from_db()
        assert merchant_a.status == Merchant.Status.ACTIVE
        reinstated = [d for d in decisions_for(merchant_a) if d.action == "reinstate"]
        assert len(reinstated) == 1 and reinstated[0].from_state == "suspended"
        assert Alert.objects.filter(kind="merchant_reinstated", recipient_user=owner_a).exists()
        assert services.can_sell(merchant_a)
        product_a.refresh_from_db()
        assert product_a.status == Product.Status.LISTED
        assert MerchantStanding.objects.get(merchant=merchant_a).status_before_sanction == ""
        assert services.sweep_standing().merchants_reinstated == 0


def test_a_merchant_on_probation_returns_to_probation(manager):
    from tests.factories.merchants import MerchantFactory

    merchant = MerchantFactory(status="probation")
    services.start_probation(merchant=merchant, actor=None)
    suspend(merchant, manager, days=3)
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.SUSPENDED
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        services.sweep_standing()
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.PROBATION


def test_termination_is_lasting_and_revoking_it_reinstates(merchant_a, manager):
    termination = services.impose_sanction(
        merchant=merchant_a,
        kind="termination",
        rule_code="counterfeit",
        evidence=EvidenceFactory(),
        by=manager,
        reason="Repeated counterfeits.",
    )
    merchant_a.refresh_from_db()
    assert merchant_a.status == Merchant.Status.TERMINATED and not services.can_sell(merchant_a)
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        services.sweep_standing()
        merchant_a.refresh_from_db()
        assert merchant_a.status == Merchant.Status.TERMINATED
        services.revoke_sanction(sanction=termination, by=manager, reason="Court ruling.")
        merchant_a.refresh_from_db()
        assert merchant_a.status == Merchant.Status.ACTIVE and services.can_sell(merchant_a)


# --- several ladder steps at once --------------------------------------------------------
def test_one_violation_crossing_three_steps_applies_each_lasting_consequence(merchant_a, manager):
    services.record_violation(
        merchant=merchant_a, rule_code="counterfeit", evidence=EvidenceFactory()
    )  # 24: warning (12) + 14-day restriction (24)
    services.record_violation(
        merchant=merchant_a, rule_code="counterfeit", evidence=EvidenceFactory()
    )  # 48: crosses 36 (suspension) and 48 (termination)
    merchant_a.refresh_from_db()
    assert merchant_a.status == Merchant.Status.TERMINATED
    steps = list(
        Sanction.objects.filter(merchant=merchant_a)
        .order_by("id")
        .values_list("kind", "step_points")
    )
    # The suspension is covered by the termination, so only the termination is imposed.
    assert steps == [("warning", 12), ("sales_restriction", 24), ("termination", 48)]
    assert Restriction.objects.filter(
        merchant=merchant_a, kind="termination", lifted_at__isnull=True
    ).exists()


def test_a_lower_step_longer_than_the_top_one_is_imposed_too(merchant_a):
    from core import policies
    from merchants.policies import LADDER

    policies.publish(
        LADDER,
        value={
            "steps": [
                {"points": 12, "sanction": "sales_restriction", "days": 30, "warning": True},
                {"points": 24, "sanction": "suspension", "days": 7},
                {"points": 48, "sanction": "termination", "days": 0},
            ]
        },
        note="test ladder",
    )
    services.record_violation(
        merchant=merchant_a, rule_code="counterfeit", evidence=EvidenceFactory()
    )
    steps = set(Sanction.objects.values_list("kind", "step_points"))
    assert steps == {("warning", 12), ("sales_restriction", 12), ("suspension", 24)}
    merchant_a.refresh_from_db()
    assert merchant_a.status == Merchant.Status.SUSPENDED
