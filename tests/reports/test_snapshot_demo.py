from core import demo as core_demo
from inspections import demo as inspections_demo
from merchants import demo as merchants_demo
from products import demo as products_demo
from reports import demo
from reports.models.snapshots import QuarterlyReport, Snapshot


def test_demo_report_is_published_once(db, django_capture_on_commit_callbacks):
    log = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            core_demo.seed(log.append)
            merchants_demo.seed(log.append)
            products_demo.seed(log.append)
            inspections_demo.seed(log.append)
            demo.seed_late(log.append)
    report = QuarterlyReport.objects.get()
    assert report.status == QuarterlyReport.Status.PUBLISHED
    assert Snapshot.objects.get().state == Snapshot.State.READY
    assert report.snapshot.figures["platform"]["inspections_done"] >= 2
