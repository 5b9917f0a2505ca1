"""What one public filing costs in SQL (issue 21): pinned, so it cannot grow unnoticed.

The filing of bench/complaints_wrk.py: a defect complaint about a product, joining the
product's open quality incident. In a test the filing's transaction is a savepoint, so
SAVEPOINT and RELEASE stand where production sends BEGIN and COMMIT: the count is the
production count. Publishing the tracking-link task is Redis, after commit, not counted."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Case, QualityIncident
from core.audit import decisions_for
from tests.factories.products import ProductFactory
from tests.factories.reviews import PurchaseFactory

pytestmark = pytest.mark.django_db

#: BEGIN; the product; the purchase of the order number; the case (its id and reference
#: drawn in its INSERT), its message, its clocks; the open incident (locked); the incident's
#: case; the case's "open" and the incident's "join" decisions (one INSERT); COMMIT. The SLA
#: policy in force comes from the process's kept versions (complaints.services.policies).
STATEMENTS = 10


def _filing(product, n, **extra):
    return {
        "consumer_name": "Li Na",
        "consumer_email": f"li{n}@example.test",
        "order_number": f"COST-{n}",
        "delivered_on": "",
        "product": str(product.pk),
        "complaint_type": "quality_defect",
        "description": "The kettle leaks from the bottom after two days.",
        "desired_remedy": "other",
        **extra,
    }


def _file(client, data) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/complaints/new/", data)
    assert response.status_code == 302, response.content[:2000]
    return [q["sql"] for q in queries.captured_queries]


def _first_use(client, capture):
    """SLA policy v1 published and committed (in a test the commit is the captured
    callbacks run), content types; then a filing that reads the versions once for the
    process, as the first filing after any change to a policy does."""
    with capture(execute=True):
        _file(client, _filing(ProductFactory(), 0))
    _file(client, _filing(ProductFactory(), "warm"))


def test_a_public_filing_costs_a_fixed_number_of_statements(
    client, django_capture_on_commit_callbacks
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _first_use(client, django_capture_on_commit_callbacks)
    product = ProductFactory()
    first = _file(client, _filing(product, 1))  # opens the product's incident
    joined = _file(client, _filing(product, 2))  # joins it: the common case under load
    assert len(joined) == STATEMENTS, "\n".join(joined)
    assert not [sql for sql in first + joined if "complaints_slapolicy" in sql]
    # Opening: no incident found (the same locked read), a savepoint, the incident (its id
    # and reference drawn in its INSERT), its "open" decision instead of "join" (in the
    # same INSERT as the case's), the savepoint released.
    assert len(first) == STATEMENTS + 3, "\n".join(first)
    # Nothing was skipped to get there: both cases, both on the one incident with its
    # join recorded, each case with its opening decision and clocks.
    cases = list(Case.objects.filter(product=product).order_by("pk"))
    incident = QualityIncident.objects.get(product=product)
    assert set(incident.cases.all()) == set(cases)
    assert [d.action for d in decisions_for(incident)] == ["open", "join"]
    for case in cases:
        assert [d.action for d in decisions_for(case)] == ["open"]
        assert case.clocks.count() == 2
        # The references the INSERTs numbered after the ids they drew.
        assert case.reference == f"C{case.created_at:%Y%m%d}-{case.pk:06d}"
    assert incident.reference == f"QI-{incident.opened_at:%Y%m%d}-{incident.pk:04d}"


def test_references_numbered_in_the_insert_keep_every_digit_of_a_long_id(client):
    """Past 999999 (9999 for incidents) the id is written whole, as Python's `{id:06d}`;
    the reference on the returned case is the stored one."""
    from complaints.services import file_case

    with connection.cursor() as cursor:
        for table in ("complaints_case", "complaints_qualityincident"):
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 1234566)", [table])
    product = ProductFactory()
    case = file_case(
        channel="web",
        kind="complaint",
        merchant=product.merchant,
        product=product,
        consumer_name="Li Na",
        consumer_email="li@example.test",
        order_number="LONG-1",
        complaint_type="quality_defect",
        description="The kettle leaks.",
    )
    assert case.pk == 1234567
    assert case.reference == f"C{case.created_at:%Y%m%d}-1234567"
    assert Case.objects.get(pk=case.pk).reference == case.reference
    incident = QualityIncident.objects.get(product=product)
    assert incident.reference == f"QI-{incident.opened_at:%Y%m%d}-1234567"


def test_asking_for_a_windowed_remedy_reads_the_category_and_the_windows(
    client, django_capture_on_commit_callbacks
):
    """A refund within the window needs the category's exclusion and the windows in
    force: the form's check reads both; the service's check reads the windows again (at
    its own instant) but not the exclusion, kept on the product instance the form read."""
    product = ProductFactory()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _first_use(client, django_capture_on_commit_callbacks)
    _file(client, _filing(product, 1))
    delivered = (timezone.localdate() - timedelta(days=2)).isoformat()
    sql = _file(client, _filing(product, 2, desired_remedy="exchange", delivered_on=delivered))
    assert len(sql) == STATEMENTS + 3, "\n".join(sql)
    assert len([q for q in sql if "WITH RECURSIVE chain" in q]) == 1


def test_an_order_of_the_named_product_reads_the_purchase_alone(
    client, django_capture_on_commit_callbacks
):
    """The consumer names the product and an order of theirs: the purchase is read without
    its product and merchant (the product field read them); the case takes the order's
    delivery date. An order of another product reads that product (one statement more)
    and files against it."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _first_use(client, django_capture_on_commit_callbacks)
    purchase = PurchaseFactory(consumer="li1@example.test")
    product = purchase.product
    _file(client, _filing(product, 0))  # opens the product's incident
    sql = _file(client, _filing(product, 1, order_number=purchase.order_number))
    assert len(sql) == STATEMENTS, "\n".join(sql)
    purchase_read = next(q for q in sql if '"reviews_purchase"' in q)
    assert '"products_product"' not in purchase_read
    case = Case.objects.get(consumer_email="li1@example.test")
    assert (case.product, case.merchant) == (product, product.merchant)
    assert case.delivered_at == purchase.delivered_at

    other = PurchaseFactory(consumer="li2@example.test")
    _file(client, _filing(other.product, 0))  # the other product's incident
    sql = _file(client, _filing(product, 2, order_number=other.order_number))
    assert len(sql) == STATEMENTS + 1, "\n".join(sql)
    case = Case.objects.get(consumer_email="li2@example.test")
    assert (case.product, case.merchant) == (other.product, other.merchant)
    assert case.delivered_at == other.delivered_at
