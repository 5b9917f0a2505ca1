import pytest
from django.urls import reverse

from core.audit import decisions_for
from products import services
from products.models import ClaimTerm, Product, StandardVersion
from tests.factories.core import UserFactory
from tests.factories.products import ProductFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def published_and_draft(food, role_user):
    qm = role_user("quality_management")
    standard = services.create_standard(
        category=food, code="f", name_zh="食品", name_en="Food", by=qm
    )
    v1 = standard.versions.get()
    services.save_requirement(
        version=v1, code="LBL", description="Label", kind="pass_fail", severity="major"
    )
    services.publish_version(version=v1, by=qm)
    return v1, services.new_version(standard=standard, by=qm)


@pytest.mark.parametrize(
    "model",
    [
        "claimterm",
        "claimphrase",
        "claimflag",
        "scanrun",
        "qualitystandard",
        "standardversion",
        "product",
    ],
)
def test_admin_lists_render(admin_client, model, published_and_draft, seller_a, food):
    ProductFactory(merchant=seller_a, category=food, title="最佳")
    response = admin_client.get(reverse(f"admin:products_{model}_changelist"))
    assert response.status_code == 200


def test_a_published_version_is_read_only_in_the_admin(admin_client, published_and_draft):
    v1, v2 = published_and_draft
    url = reverse("admin:products_standardversion_change", args=[v1.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="note"' not in page
    admin_client.post(url, {"note": "changed"})
    v1.refresh_from_db()
    assert v1.note == ""
    draft_page = admin_client.get(
        reverse("admin:products_standardversion_change", args=[v2.pk])
    ).content.decode()
    assert 'name="note"' in draft_page


def test_publishing_a_draft_in_the_admin_goes_through_the_service(
    admin_client, published_and_draft
):
    _v1, v2 = published_and_draft
    requirement = v2.requirements.get()
    url = reverse("admin:products_standardversion_change", args=[v2.pk])
    response = admin_client.post(
        url,
        {
            "note": "Tighter label rules",
            "effective_from_0": "2099-01-01",
            "effective_from_1": "00:00:00",
            "publish": "on",
            "requirements-TOTAL_FORMS": "1",
            "requirements-INITIAL_FORMS": "1",
            "requirements-MIN_NUM_FORMS": "0",
            "requirements-MAX_NUM_FORMS": "1000",
            "requirements-0-id": requirement.pk,
            "requirements-0-version": v2.pk,
            "requirements-0-position": "0",
            "requirements-0-code": "LBL",
            "requirements-0-description": "Label, in Chinese",
            "requirements-0-kind": "pass_fail",
            "requirements-0-severity": "critical",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    v2.refresh_from_db()
    assert v2.status == StandardVersion.Status.PUBLISHED
    assert v2.requirements.get().severity == "critical"
    assert [d.action for d in decisions_for(v2)] == ["create_version", "publish"]


def test_min_above_max_is_shown_next_to_the_requirement(admin_client, published_and_draft):
    _v1, v2 = published_and_draft
    requirement = v2.requirements.get()
    response = admin_client.post(
        reverse("admin:products_standardversion_change", args=[v2.pk]),
        {
            "note": "",
            "requirements-TOTAL_FORMS": "1",
            "requirements-INITIAL_FORMS": "1",
            "requirements-MIN_NUM_FORMS": "0",
            "requirements-MAX_NUM_FORMS": "1000",
            "requirements-0-id": requirement.pk,
            "requirements-0-version": v2.pk,
            "requirements-0-position": "0",
            "requirements-0-code": "LBL",
            "requirements-0-description": "Moisture",
            "requirements-0-kind": "measured",
            "requirements-0-unit": "%",
            "requirements-0-min_value": "10",
            "requirements-0-max_value": "5",
            "requirements-0-severity": "major",
        },
    )
    assert response.status_code == 200
    assert "greater than the maximum" in response.content.decode()
    assert v2.requirements.get().kind == "pass_fail"


def test_adding_a_term_in_the_admin_queues_a_rescan(
    admin_client, seller_a, food, django_capture_on_commit_callbacks
):
    product = ProductFactory(merchant=seller_a, category=food, title="冠军品质")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:products_claimterm_add"),
            {"text": "冠军", "category": "rank_first", "active": "on"},
        )
    assert response.status_code == 302
    assert ClaimTerm.objects.filter(text="冠军").exists()
    assert product.claim_flags.get().term_text == "冠军"


def test_status_actions_need_a_reason(admin_client, seller_a, food):
    product = ProductFactory(merchant=seller_a, category=food)
    url = reverse("admin:products_product_changelist")
    admin_client.post(url, {"action": "restrict", "_selected_action": [product.pk], "reason": ""})
    product.refresh_from_db()
    assert product.status == "listed"
    admin_client.post(
        url, {"action": "restrict", "_selected_action": [product.pk], "reason": "Fake photos"}
    )
    product.refresh_from_db()
    assert (product.status, product.status_reason) == ("restricted", "Fake photos")


def test_closing_a_category_stops_new_listings_and_is_recorded(admin_client, seller_a, food):
    from core.exceptions import DomainError

    admin_client.post(
        reverse("admin:core_category_changelist"),
        {"action": "deactivate", "_selected_action": [food.pk]},
    )
    food.refresh_from_db()
    assert food.active is False
    assert decisions_for(food).get().action == "deactivate"
    with pytest.raises(DomainError, match="closed for new listings"):
        services.create_product(merchant=seller_a, category=food, sku="1", title="x", price="1")
    assert not Product.objects.exists()
