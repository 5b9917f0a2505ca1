"""A rejected inspection lot opens a quality incident once (inspections calls its
on_lot_rejected listeners after the rejection is committed)."""

import pytest
from django.utils import translation

from complaints.models import QualityIncident
from complaints.services import incidents
from inspections import services as inspections
from inspections.services import LOT_REJECTED_LISTENERS
from tests.factories.inspections import (
    InspectionPlanFactory,
)
from tests.factories.standing import rules_catalogue  # noqa: F401 (autouse)
from tests.inspections.conftest import all_results


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def product(rice):
    return rice


def reject(product, qm, failures):
    plan = InspectionPlanFactory(merchant=product.merchant)
    inspection = inspections.start_inspection(
        plan=plan, product=product, lot_size=500, batch="B-1", by=qm
    )
    inspections.record_results(
        inspection=inspection, results=all_results(inspection, failures), by=qm
    )
    return inspections.decide_verdict(inspection=inspection, by=qm)


def test_complaints_listens_to_rejected_lots():
    assert incidents.open_for_rejected_lot in LOT_REJECTED_LISTENERS


def test_a_rejected_lot_opens_one_incident_after_commit(
    product, qm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inspection = reject(product, qm, {"critical": 1})
    incident = QualityIncident.objects.get(inspection=inspection)
    assert (incident.source, incident.kind, incident.status) == ("lot_rejected", "safety", "open")
    assert incident.product_id == product.pk
    assert f"#{inspection.pk}" in incident.summary_text
    # Replayed (a retried task, a second listener call): still one incident.
    assert incidents.open_for_rejected_lot(inspection).pk == incident.pk
    assert QualityIncident.objects.filter(inspection=inspection).count() == 1


def test_a_lot_rejected_for_minor_nonconformities_is_a_quality_defect(
    product, qm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inspection = reject(product, qm, {"minor": 40})
    assert QualityIncident.objects.get(inspection=inspection).kind == "quality_defect"


def test_an_accepted_lot_opens_nothing(product, qm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reject(product, qm, {})
    assert not QualityIncident.objects.exists()


def test_the_delisted_product_of_a_rejected_lot_cannot_be_contained_again(
    product, qm, django_capture_on_commit_callbacks
):
    from core.exceptions import DomainError

    with django_capture_on_commit_callbacks(execute=True):
        inspection = reject(product, qm, {"critical": 1})
    incident = QualityIncident.objects.get(inspection=inspection)
    with pytest.raises(DomainError) as caught:
        incidents.contain(incident=incident, by=qm, reason="Suspend")
    assert "product" in caught.value.message_dict


def test_a_rejected_lot_tells_the_buyers_of_that_lot_at_once(
    product, qm, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from complaints.models import BuyerNotice
    from tests.factories.notices import lot_of
    from tests.factories.reviews import PurchaseFactory

    lot, other = lot_of(product, "B-1"), lot_of(product, "B-2")
    delivered = timezone.now() - timedelta(days=3)
    buyers = [
        PurchaseFactory(product=product, lot=lot, delivered_at=delivered, consumer=f"b{i}@x.test")
        for i in range(3)
    ]
    PurchaseFactory(product=product, lot=other, delivered_at=delivered, consumer="o@x.test")
    plan = InspectionPlanFactory(merchant=product.merchant)
    with django_capture_on_commit_callbacks(execute=True):
        inspection = inspections.start_inspection(
            plan=plan, product=product, lot_size=500, batch="B-1", by=qm, lot=lot
        )
        inspections.record_results(
            inspection=inspection, results=all_results(inspection, {"critical": 1}), by=qm
        )
        inspections.decide_verdict(inspection=inspection, by=qm)
    incident = QualityIncident.objects.get(inspection=inspection)
    told = set(BuyerNotice.objects.filter(incident=incident).values_list("purchase_id", flat=True))
    assert told == {purchase.pk for purchase in buyers}
