"""Selling under an expired required document records `expired_document_selling` (6
points), found daily from the order lines, once per document (issue 18)."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from merchants.models import CategoryDocumentRule, ViolationEntry
from merchants.services import current_points
from reviews.services.expired_documents import RULE, record_expired_document_selling
from reviews.tasks import record_expired_document_selling as daily_task
from tests.factories import ProductFactory
from tests.factories.core import CategoryFactory
from tests.factories.merchants import DocumentFactory, MerchantFactory
from tests.factories.reviews import PurchaseFactory
from tests.factories.standing import rules_catalogue  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 6, 10, 12, 0))
EXPIRED = date(2026, 6, 1)


def _sale(product, when):
    return PurchaseFactory(product=product, paid_at=when, delivered_at=None)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(NOW)


@pytest.fixture
def shop():
    merchant = MerchantFactory(status="active")
    category = CategoryFactory()
    return merchant, ProductFactory(merchant=merchant, category=category)


def test_a_sale_after_the_licence_expired_records_the_violation_once(shop):
    merchant, product = shop
    licence = DocumentFactory(merchant=merchant, expires_on=EXPIRED)
    _sale(product, timezone.make_aware(datetime(2026, 5, 31, 10, 0)))  # still valid: no
    first = _sale(product, timezone.make_aware(datetime(2026, 6, 2, 9, 30)))
    _sale(product, timezone.make_aware(datetime(2026, 6, 5, 9, 30)))
    result = record_expired_document_selling(now=NOW)
    entry = ViolationEntry.objects.get(merchant=merchant)
    assert result.recorded == [entry.pk]
    assert (entry.rule_code, entry.points) == (RULE, 6)
    assert entry.evidence == licence
    assert entry.occurred_at == first.paid_at
    assert entry.note == "" and entry.note_code == "expired_document_sold"
    assert entry.note_params["number"] == licence.number and entry.note_params["lines"] == 2
    with translation.override("en"):
        assert entry.note_text.startswith(f"{licence.get_document_type_display()} {licence.number}")
    assert current_points(merchant) == 6
    # The next day, and a later sale, add nothing: one violation per document.
    _sale(product, NOW - timedelta(hours=1))
    assert record_expired_document_selling(now=NOW + timedelta(days=1)).recorded == []
    assert ViolationEntry.objects.filter(merchant=merchant).count() == 1


def test_no_violation_without_a_sale_after_expiry_or_with_a_valid_document(shop):
    merchant, product = shop
    DocumentFactory(merchant=merchant, expires_on=EXPIRED)
    _sale(product, timezone.make_aware(datetime(2026, 5, 20, 10, 0)))
    renewed = MerchantFactory(status="active")
    DocumentFactory(merchant=renewed, expires_on=EXPIRED, status="superseded")
    DocumentFactory(merchant=renewed, expires_on=date(2030, 1, 1))
    _sale(ProductFactory(merchant=renewed, category=product.category), NOW - timedelta(days=1))
    assert record_expired_document_selling(now=NOW).recorded == []
    assert not ViolationEntry.objects.exists()


def test_a_category_document_counts_only_for_that_category_and_below(shop):
    merchant, product = shop
    food = CategoryFactory()
    infant = CategoryFactory(parent=food)
    report = DocumentFactory(
        merchant=merchant, document_type="test_report", category=food, expires_on=EXPIRED
    )
    _sale(product, NOW - timedelta(days=2))  # another category: not under this report
    assert record_expired_document_selling(now=NOW).recorded == []
    _sale(ProductFactory(merchant=merchant, category=infant), NOW - timedelta(days=1))
    assert len(record_expired_document_selling(now=NOW).recorded) == 1
    assert ViolationEntry.objects.get().evidence == report


def test_an_optional_document_is_not_required(shop):
    merchant, product = shop
    DocumentFactory(
        merchant=merchant,
        document_type="trademark",
        category=product.category,
        expires_on=EXPIRED,
    )
    _sale(product, NOW - timedelta(days=1))
    assert record_expired_document_selling(now=NOW).recorded == []
    CategoryDocumentRule.objects.create(category=product.category, document_type="trademark")
    assert len(record_expired_document_selling(now=NOW).recorded) == 1


def test_the_daily_task_records_it(shop):
    merchant, product = shop
    DocumentFactory(merchant=merchant, expires_on=EXPIRED)
    _sale(product, NOW - timedelta(days=1))
    assert daily_task() == {"recorded": 1, "refused": 0}
    assert daily_task() == {"recorded": 0, "refused": 0}
