"""Benchmark: traceability of a lot with 100,000 purchases and 1,000 complaints (staff page
and API), the public quality record (cold and from the cache) and a lab's CSV import of
5,000 result rows (all-or-nothing).

Builds its data in one transaction that is rolled back at the end: the lot's purchases with
one INSERT ... SELECT over generate_series, one case filed through the intake service and
999 copies of its row (same columns, new reference, order number and token hash), so every
complaint names an order line of the lot.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench traceability
"""

import os
import statistics
import time

from bench import Figure, within

PURCHASES = int(os.environ.get("BENCH_TRACE_PURCHASES", 100_000))
COMPLAINTS = int(os.environ.get("BENCH_TRACE_COMPLAINTS", 1_000))
CSV_ROWS = 5_000
RUNS = 7


class _Rollback(Exception):
    pass


def _median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = fn()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def _build_purchases(cursor, product, lot) -> None:
    cursor.execute(
        """
        INSERT INTO reviews_purchase (order_number, line, consumer, product_id, merchant_id,
            lot_id, quantity, paid_at, delivered_at, imported_at, updated_at)
        SELECT 'TRACE-' || n, 1, 'buyer' || n || '@bench.test', %(product)s, %(merchant)s,
               %(lot)s, 1, %(now)s - interval '3 days' - n * interval '1 minute',
               %(now)s - interval '1 day' - n * interval '1 minute', %(now)s, %(now)s
        FROM generate_series(1, %(n)s) n
        """,
        {
            "product": product.pk,
            "merchant": product.merchant_id,
            "lot": lot.pk,
            "now": lot.created_at,
            "n": PURCHASES,
        },
    )


def _copy_cases(cursor, case) -> None:
    """COMPLAINTS - 1 copies of the filed case's row, each on another order line of the lot."""
    from complaints.models import Case

    changed = {
        "reference": "'TR' || lpad(n::text, 8, '0')",
        "order_number": "'TRACE-' || (n * %(step)s)",
        "tracking_token_hash": "md5('trace' || n) || md5('token' || n)",
        "consumer_email": "'c' || n || '@bench.test'",
    }
    columns = [f.column for f in Case._meta.concrete_fields if not f.primary_key]
    values = [changed.get(column, column) for column in columns]
    cursor.execute(
        f"""
        INSERT INTO complaints_case ({", ".join(columns)})
        SELECT {", ".join(values)} FROM complaints_case, generate_series(2, %(n)s) n
        WHERE complaints_case.id = %(case)s
        """,
        {"case": case.pk, "n": COMPLAINTS, "step": max(1, PURCHASES // COMPLAINTS)},
    )


def _csv(sample, labs) -> bytes:
    """The lab's template filled in: every cell passes."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=labs.TEMPLATE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in csv.DictReader(io.StringIO(labs.csv_template([sample]))):
        row.update({"value": "500"} if row["unit"] else {"result": "pass"})
        writer.writerow(row)
    return out.getvalue().encode()


def main() -> list[Figure]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from complaints import services as complaints
    from inspections import labs, quality_record
    from inspections import services as inspections
    from inspections.models import CustodyKind, LabMember
    from products.models import Requirement
    from products.services import supply
    from tests.factories.core import CategoryFactory, UserFactory
    from tests.factories.inspections import (
        InspectionPlanFactory,
        LabFactory,
        MeasuredRequirementFactory,
        PassFailRequirementFactory,
        PublishedVersionFactory,
    )
    from tests.factories.merchants import MerchantFactory
    from tests.factories.products import ProductFactory, QualityStandardFactory

    results: dict = {}
    try:
        with transaction.atomic():
            category = CategoryFactory(code="trace-bench")
            version = PublishedVersionFactory(standard=QualityStandardFactory(category=category))
            # Enough test items that one sample's template has >= CSV_ROWS rows.
            for i, severity in enumerate(Requirement.Severity.values * 4):
                factory = MeasuredRequirementFactory if i % 3 == 0 else PassFailRequirementFactory
                factory(version=version, code=f"T{i:02d}", severity=severity)
            merchant = MerchantFactory(status="active")
            merchant.categories.add(category)
            product = ProductFactory(merchant=merchant, category=category)
            lot = supply.register_lot(product=product, number="TRACE-LOT-1", quantity=PURCHASES)
            with connection.cursor() as cursor:
                _build_purchases(cursor, product, lot)
            case = complaints.file_case(
                merchant=merchant,
                product=product,
                consumer_name="Bench buyer",
                consumer_email="c1@bench.test",
                description="The seal was broken.",
                complaint_type="quality_defect",
                desired_remedy="refund",
                delivered_at=lot.created_at - timedelta(days=1),
                order_number=f"TRACE-{max(1, PURCHASES // COMPLAINTS)}",
            )
            with connection.cursor() as cursor:
                _copy_cases(cursor, case)
                cursor.execute("ANALYZE reviews_purchase")
                cursor.execute("ANALYZE complaints_case")

            qm = UserFactory(is_staff=True)
            qm.groups.add(Group.objects.get(name="quality_management"))
            staff = Client(SERVER_NAME="localhost")
            staff.force_login(qm)
            page = f"/staff/trace/lots/{lot.pk}/"
            api = f"/api/v1/trace/lots/{lot.pk}/"
            staff.get(page)  # warm the templates and the connection
            with CaptureQueriesContext(connection) as queries:
                staff.get(page)
            results["page_statements"] = len(queries)
            results["page_ms"] = _median_ms(lambda: staff.get(page))
            results["api_ms"] = _median_ms(lambda: staff.get(api, HTTP_ACCEPT="application/json"))
            body = staff.get(api, HTTP_ACCEPT="application/json").json()
            results["purchases_seen"] = body["purchases"]["count"]
            results["complaints_seen"] = body["complaints"]["total"]

            consumer = Client(SERVER_NAME="localhost")
            record = f"/quality/lots/{lot.code}/"
            cold = []
            for _ in range(RUNS):
                quality_record.cache.clear()
                started = time.perf_counter()
                assert consumer.get(record).status_code == 200
                cold.append((time.perf_counter() - started) * 1000)
            results["record_cold_ms"] = statistics.median(cold)
            results["record_cached_ms"] = _median_ms(lambda: consumer.get(record), runs=20)

            plan = InspectionPlanFactory(merchant=merchant)
            inspection = inspections.start_inspection(
                plan=plan, product=product, lot_size=PURCHASES, batch=lot.number, by=qm
            )
            lab = LabFactory(name="Bench lab")
            lab_user = UserFactory()
            lab_user.groups.add(Group.objects.get(name="lab"))
            LabMember.objects.create(user=lab_user, lab=lab)
            sample = labs.assign_sample(inspection=inspection, lab=lab, by=qm, seal_number="B-1")
            labs.record_custody(sample=sample, kind=CustodyKind.SHIPPED, by=qm)
            labs.record_custody(
                sample=sample, kind=CustodyKind.RECEIVED, condition="intact", by=lab_user
            )
            data = _csv(sample, labs)
            results["csv_rows"] = data.count(b"\n")
            started = time.perf_counter()
            outcome = labs.import_csv(lab=lab, data=data, by=lab_user)
            results["csv_seconds"] = time.perf_counter() - started
            results["csv_stored"] = outcome["stored"]
            raise _Rollback
    except _Rollback:
        pass

    size = (
        f"lot with {results['purchases_seen']:,} purchases, "
        f"{results['complaints_seen']:,} complaints"
    )
    return [
        Figure(
            f"traceability page, {size} (median of {RUNS})",
            "< 300 ms",
            round(results["page_ms"], 1),
            "ms",
            results["page_ms"] < 300,
        ),
        Figure("traceability page: SQL statements", "-", results["page_statements"], ""),
        Figure(
            f"traceability API, same lot (median of {RUNS})",
            "< 300 ms",
            round(results["api_ms"], 1),
            "ms",
            results["api_ms"] < 300,
        ),
        Figure(
            "public lot quality record, cold (median)",
            "< 300 ms",
            round(results["record_cold_ms"], 1),
            "ms",
            results["record_cold_ms"] < 300,
        ),
        Figure(
            "public lot quality record, from the cache (median of 20)",
            "< 50 ms",
            round(results["record_cached_ms"], 1),
            "ms",
            results["record_cached_ms"] < 50,
        ),
        within(
            f"lab CSV import, {results['csv_rows']:,} rows ({results['csv_stored']:,} stored)",
            results["csv_seconds"],
            5,
        ),
    ]
