"""The admin pages of every inspections model open, with their decisions."""

import pytest

from inspections import services
from inspections.models import SwitchingRecord
from tests.factories.core import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_admin_lists_and_change_pages_open(admin_client, product_a, owner_a, inspect):
    rejected = inspect(product_a, failures={"critical": 1})
    objection = services.submit_objection(inspection=rejected, reason="x", by=owner_a)
    record = SwitchingRecord.objects.get()
    pages = {
        "inspectionplan": rejected.plan_id,
        "inspection": rejected.pk,
        "switchingrecord": record.pk,
        "objection": objection.pk,
    }
    for model, pk in pages.items():
        assert admin_client.get(f"/admin/inspections/{model}/").status_code == 200, model
        page = admin_client.get(f"/admin/inspections/{model}/{pk}/change/")
        assert page.status_code == 200, model
    inspection_page = admin_client.get(f"/admin/inspections/inspection/{rejected.pk}/change/")
    assert "verdict" in inspection_page.content.decode()  # the decision inline
    assert admin_client.get("/admin/inspections/inspectionplan/add/").status_code == 200
