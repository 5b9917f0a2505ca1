from core import demo as core_demo
from merchants import demo as merchants_demo
from products import demo
from products.models import ClaimFlag, Product, StandardVersion


def test_demo_data_loads_twice_without_duplicates(db):
    log = []
    for _ in range(2):
        core_demo.seed(log.append)
        merchants_demo.seed(log.append)
        demo.seed(log.append)
    assert Product.objects.count() == 11
    assert StandardVersion.objects.filter(status="published").count() == 3
    assert StandardVersion.objects.filter(status="draft").count() == 1
    statuses = set(ClaimFlag.objects.values_list("status", flat=True))
    assert statuses == {"open", "cleared", "actioned"}
    assert Product.objects.get(sku="B-PHONE-02").status == "restricted"
