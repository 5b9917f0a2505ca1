"""Traceability per lot and per product: supplier → lot → inspections → listing changes →
purchases → complaints, as a staff page and as JSON."""

import pytest
from rest_framework.test import APIClient

from products import services as product_services
from products.models import Supplier
from reports.services import traceability
from tests.factories.complaints import CaseFactory
from tests.factories.products import ProductFactory
from tests.factories.reviews import PurchaseFactory


@pytest.fixture
def chain(merchant_a):
    supplier = Supplier.objects.create(
        name="Golden Field", licence_number="GF-1", status="approved"
    )
    product = ProductFactory(merchant=merchant_a, title="Alpharice")
    lot = product_services.register_lot(product=product, number="GF-01", supplier=supplier)
    other = product_services.register_lot(product=product, number="GF-02")
    in_lot = [PurchaseFactory(product=product, lot=lot) for _ in range(3)]
    PurchaseFactory(product=product, lot=other)
    CaseFactory(merchant=merchant_a, product=product, order_number=in_lot[0].order_number)
    CaseFactory(merchant=merchant_a, product=product, order_number="ELSEWHERE-1")
    return product, lot


def test_a_lots_trace_counts_its_own_buyers_and_complaints(chain):
    product, lot = chain
    trace = traceability.trace_lot(lot)
    assert trace["supplier"]["name"] == "Golden Field"
    assert trace["purchases"]["count"] == 3
    assert trace["complaints"]["total"] == 1
    whole = traceability.trace_product(product)
    assert whole["purchases"]["count"] == 4 and whole["complaints"]["total"] == 2
    assert {row["number"]: row["purchases"] for row in whole["lots"]} == {"GF-01": 3, "GF-02": 1}


def test_the_trace_page_and_api_are_for_staff_only(client, chain, role_user, owner_a):
    product, lot = chain
    qm = role_user("quality_management")
    client.force_login(qm)
    page = client.get(f"/staff/trace/lots/{lot.pk}/")
    assert page.status_code == 200 and "GF-01" in page.content.decode()
    assert client.get(f"/staff/trace/products/{product.pk}/").status_code == 200
    api = APIClient()
    api.force_authenticate(qm)
    data = api.get(f"/api/v1/trace/lots/{lot.pk}/").json()
    assert data["purchases"]["count"] == 3 and data["lot"]["number"] == "GF-01"
    api.force_authenticate(owner_a)
    assert api.get(f"/api/v1/trace/lots/{lot.pk}/").status_code == 403
