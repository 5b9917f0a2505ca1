"""Suppliers of self-operated goods (screening, approval, re-verification, suspension)
and lots."""

from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from core.audit import decisions_for
from core.decision_labels import reason_label
from core.exceptions import DomainError
from core.models import Decision
from products import services
from products.models import Supplier
from tests.factories.products import ProductFactory
from tests.languages import in_both


@pytest.fixture
def supplier(db):
    today = timezone.localdate()
    return Supplier.objects.create(
        name="Golden Field Mills",
        licence_number="91310000MA1K",
        licence_valid_until=today + timedelta(days=400),
        certificates="ISO 9001",
        factory_audit_date=today - timedelta(days=10),
        factory_audit_passed=True,
    )


def test_an_incomplete_screening_cannot_be_approved(db, role_user):
    bare = Supplier.objects.create(name="Nobody Ltd", licence_number="X1")
    with pytest.raises(DomainError, match="not complete"):
        services.approve_supplier(supplier=bare, by=role_user("quality_management"))


def test_approval_sets_the_reverification_date_and_records_the_decision(supplier, role_user):
    qm = role_user("quality_management")
    services.approve_supplier(supplier=supplier, by=qm)
    supplier.refresh_from_db()
    assert supplier.status == "approved" and supplier.reason_code == "documents_complete"
    assert supplier.reverify_by == timezone.localdate() + timedelta(days=365)
    assert decisions_for(supplier).filter(action="approve").exists()


def test_rejection_and_suspension_need_a_reason_code(supplier, role_user):
    qm = role_user("quality_management")
    with pytest.raises(DomainError):
        services.reject_supplier(supplier=supplier, reason_code="", reason="x", by=qm)
    services.approve_supplier(supplier=supplier, by=qm)
    services.suspend_supplier(supplier=supplier, reason_code="quality", reason="Lots failed", by=qm)
    supplier.refresh_from_db()
    assert supplier.status == "suspended" and supplier.reason_code == "quality"


def test_only_an_approved_supplier_supplies_a_product_or_a_lot(supplier, merchant_a, role_user):
    product = ProductFactory(merchant=merchant_a)
    with pytest.raises(DomainError):
        services.link_supplier(product=product, supplier=supplier)
    supplier = services.approve_supplier(supplier=supplier, by=role_user("quality_management"))
    services.link_supplier(product=product, supplier=supplier)
    lot = services.register_lot(product=product, number="GF-2026-01", quantity=1000)
    assert lot.supplier == supplier and len(lot.code) == 12


def test_the_sweep_suspends_overdue_suppliers_and_reminds_before(supplier, role_user):
    qm = role_user("quality_management")
    services.approve_supplier(supplier=supplier, by=qm)
    Supplier.objects.filter(pk=supplier.pk).update(
        reverify_by=timezone.localdate() + timedelta(days=10)
    )
    outcome = services.sweep_suppliers()
    assert outcome == {"alerts": 1, "suspended": 0}
    later = timezone.localdate() + timedelta(days=11)
    assert services.sweep_suppliers(today=later)["suspended"] == 1
    supplier.refresh_from_db()
    assert supplier.status == "suspended" and supplier.reason_code == "reverification_overdue"


def test_a_lot_number_names_one_product_per_merchant(merchant_a, merchant_b):
    rice = ProductFactory(merchant=merchant_a)
    oil = ProductFactory(merchant=merchant_a)
    other = ProductFactory(merchant=merchant_b)
    lot = services.register_lot(product=rice, number="L-1")
    assert services.register_lot(product=rice, number="L-1") == lot
    with pytest.raises(DomainError, match="already used for another product"):
        services.register_lot(product=oil, number="L-1")
    assert services.register_lot(product=other, number="L-1").merchant_id == merchant_b.pk


def test_quality_management_decides_on_a_supplier_through_the_api(client, supplier, role_user):
    client.force_login(role_user("quality_management"))
    url = f"/api/v1/suppliers/{supplier.pk}/"
    missing_code = client.post(url + "reject/", {"reason": "Licence forged"})
    assert missing_code.status_code == 400 and "reason_code" in missing_code.json()
    approved = client.post(url + "approve/", {"reason": "Audit passed"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    suspended = client.post(
        url + "suspend/", {"reason_code": "quality", "reason": "Two lots failed"}
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert decisions_for(supplier).filter(action="suspended").exists()

    client.force_login(role_user("data_analysis"))
    assert client.post(url + "approve/", {}).status_code == 403


def test_the_sweeps_suspension_names_its_reason_in_the_readers_language(supplier, role_user):
    services.approve_supplier(supplier=supplier, by=role_user("quality_management"))
    later = timezone.localdate() + timedelta(days=366)
    assert services.sweep_suppliers(today=later)["suspended"] == 1
    decision = decisions_for(supplier).get(action="suspend")
    assert decision.reason == "" and decision.actor_id is None
    assert in_both(lambda: reason_label(decision)) == ("Re-verification overdue", "复核已逾期")


def test_staff_words_stay_the_reason_of_their_decision(supplier, role_user):
    qm = role_user("quality_management")
    services.approve_supplier(supplier=supplier, by=qm)
    services.suspend_supplier(
        supplier=supplier, reason_code="reverification_overdue", reason="Audit late", by=qm
    )
    decision = decisions_for(supplier).get(to_state="suspended")
    assert decision.data["screening_code"] == "reverification_overdue"
    # Not the merchants' sentence of the same code ("Licence re-verification overdue: ").
    assert in_both(lambda: reason_label(decision)) == ("Audit late", "Audit late")


def test_supplier_decisions_stored_before_the_codes_are_converted(supplier, role_user):
    qm = role_user("quality_management")
    content_type = ContentType.objects.get_for_model(Supplier)
    swept, typed = (
        Decision.objects.create(
            content_type=content_type,
            object_id=str(supplier.pk),
            action="suspend",
            actor=actor,
            actor_label="" if actor else "system",
            reason=reason,
            data={"reason_code": code},
        )
        for actor, reason, code in (
            (None, "执照已过期", "licence_expired"),
            (qm, "Two lots failed", "quality"),
        )
    )
    migration = import_module("products.migrations.0017_supplier_decision_reasons")
    migration.forwards(apps, SimpleNamespace(connection=connection))
    swept.refresh_from_db()
    typed.refresh_from_db()
    assert swept.reason == "" and swept.data["reason_params"] == {"reason": "licence_expired"}
    assert in_both(lambda: reason_label(swept))[0] == "Licence expired"
    assert typed.data == {"screening_code": "quality"} and reason_label(typed) == "Two lots failed"
