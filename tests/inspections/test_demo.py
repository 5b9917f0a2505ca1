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


def test_demo_labs_suppliers_and_lots_load_twice_without_duplicates(db):
    from inspections import labs
    from inspections.models import Lab, Sample
    from products.models import Lot, Supplier
    from reviews import demo as reviews_demo
    from reviews.models import Purchase

    log = []
    for _ in range(2):
        for seed in (core_demo.seed, merchants_demo.seed, products_demo.seed, reviews_demo.seed):
            seed(log.append)
        demo.seed(log.append)
        demo.seed_late(log.append)
        reviews_demo.seed_late(log.append)
    problems = [labs.accreditation_problem(lab) for lab in Lab.objects.all()]
    assert len(problems) == 2 and problems.count(None) == 1  # one accredited, one expired
    assert sorted(Supplier.objects.values_list("status", flat=True)) == ["approved", "screening"]
    lots = Lot.objects.filter(product__sku="DEMO-R-A2")
    assert lots.count() == 2 and lots.filter(supplier__status="approved").count() == 2
    assert Purchase.objects.filter(lot__in=lots).values("lot").distinct().count() == 2
    (sample,) = Sample.objects.filter(inspection__batch="DEMO-A-2026-002")
    assert sample.lab.members.get().user.username == "lab"
