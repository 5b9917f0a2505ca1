from core import demo as core_demo
from inspections import demo
from inspections.models import Inspection, Objection, SwitchingRecord
from merchants import demo as merchants_demo
from products import demo as products_demo
from products.models import Product


def test_demo_data_loads_twice_without_duplicates(db):
    log = []
    for _ in range(2):
        core_demo.seed(log.append)
        merchants_demo.seed(log.append)
        products_demo.seed(log.append)
        demo.seed(log.append)
    assert Inspection.objects.filter(batch__startswith="DEMO-").count() == 2
    severities = dict(SwitchingRecord.objects.values_list("merchant__legal_name", "severity"))
    assert sorted(severities.values()) == ["normal", "tightened"]
    rejected = Inspection.objects.get(status="rejected")
    assert rejected.severity == "tightened"
    assert Objection.objects.get().status == "retest_scheduled"
    assert Product.objects.get(sku="B-CABLE-05").status == "delisted"
    assert Inspection.objects.get(batch="DEMO-A-2026-001").status == "accepted"
