"""A testing lab and Quality Management in the browser: the lab user receives the sealed
sample, uploads the results as CSV (filled from the downloaded template) and the signed
report PDF; Quality Management then confirms the verdict on the inspection's record page."""

import csv
import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.utils import translation

from inspections import labs, services
from inspections.models import CustodyKind, Inspection, LabMember, Sample
from products.models import Requirement
from tests.e2e.conftest import LANGUAGES, assert_page_in, log_in, translated
from tests.factories.core import PASSWORD, CategoryFactory, UserFactory
from tests.factories.inspections import (
    InspectionPlanFactory,
    LabFactory,
    MeasuredRequirementFactory,
    PassFailRequirementFactory,
    PublishedVersionFactory,
)
from tests.factories.merchants import MerchantFactory
from tests.factories.products import ProductFactory, QualityStandardFactory
from tests.files import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def violation_rules():
    """The rules catalogue as the standing migration seeds it (transactional tests flush it)."""
    from merchants.models import ViolationRule

    if not ViolationRule.objects.filter(code="inspection_lot_rejected").exists():
        importlib.import_module("merchants.migrations.0003_standing").seed_rules(django_apps, None)


def filled(template: str) -> bytes:
    """The downloaded template filled in: every pass/fail item passes, every measured value
    is within the limits. Read as CSV: the item's label column may hold commas."""
    reader = csv.DictReader(io.StringIO(template.lstrip("\ufeff")))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    for row in reader:
        if row["unit"]:
            row.update(result="", value="500")
        else:
            row.update(result="pass", value="")
        writer.writerow(row)
    return out.getvalue().encode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_lab_submits_csv_results_and_the_report_and_quality_management_confirms(
    make_page, role_user, language
):
    food = CategoryFactory(code=f"e2e-lab-{language}", name_en="Rice", name_zh="大米")
    version = PublishedVersionFactory(standard=QualityStandardFactory(category=food))
    PassFailRequirementFactory(
        version=version,
        code="PB",
        severity=Requirement.Severity.CRITICAL,
        test_method="GB 5009.12",
    )
    MeasuredRequirementFactory(
        version=version, code="NET", severity=Requirement.Severity.MAJOR, test_method="GB/T 191"
    )
    merchant = MerchantFactory(legal_name=f"Rice Mill {language}", status="active")
    merchant.categories.add(food)
    product = ProductFactory(merchant=merchant, category=food, title=f"Jasmine rice {language}")
    plan = InspectionPlanFactory(merchant=merchant, reason="Quarterly spot check")
    qm = role_user("quality_management")
    inspection = services.start_inspection(
        plan=plan, product=product, lot_size=50, batch="B-2026-12", by=qm
    )
    lab = LabFactory(name=f"Alpha Testing {language}")
    sample = labs.assign_sample(inspection=inspection, lab=lab, by=qm, seal_number="SEAL-23")
    labs.record_custody(sample=sample, kind=CustodyKind.SHIPPED, by=qm)
    analyst = UserFactory()
    analyst.groups.add(Group.objects.get_or_create(name="lab")[0])  # flushed
    LabMember.objects.create(user=analyst, lab=lab)

    # The lab: its samples, then the sample's page.
    page = make_page(language)
    log_in(page, analyst, PASSWORD)
    page.goto("/lab/samples/")
    assert_page_in(page, language)
    listed = page.get_by_test_id("lab-samples")
    assert product.title in listed.inner_text()
    listed.get_by_role("link", name=sample.code).click()
    page.wait_for_url(f"**/lab/samples/{sample.code}/")
    assert_page_in(page, language)

    # Receipt: the seal is intact.
    custody = page.get_by_test_id("custody-form")
    custody.locator("[name=kind]").select_option(CustodyKind.RECEIVED)
    custody.locator("[name=condition]").select_option(Sample.Condition.INTACT)
    with page.expect_navigation():
        custody.get_by_role("button", name=translated(language, "Record step")).click()
    assert (
        translated(language, "Custody step recorded.")
        in page.get_by_test_id("messages").inner_text()
    )
    sample.refresh_from_db()
    assert sample.status == CustodyKind.RECEIVED and sample.condition == "intact"
    with translation.override(language):
        received = str(CustodyKind.RECEIVED.label)
    assert page.get_by_test_id("sample-status").inner_text() == received

    # Results: the CSV template, filled in and uploaded.
    with page.expect_download() as download:
        page.get_by_test_id("template-link").click()
    template = Path(download.value.path()).read_text(encoding="utf-8")
    assert sample.code in template
    page.set_input_files(
        "input[name=file]",
        {"name": f"results-{sample.code}.csv", "mimeType": "text/csv", "buffer": filled(template)},
    )
    with page.expect_navigation():
        page.get_by_role("button", name=translated(language, "Upload results")).click()
    assert_page_in(page, language)
    expected = services.expected_cells(inspection)
    assert inspection.results.count() == expected
    with translation.override(language):
        stored = translation.gettext("%(n)d results stored.") % {"n": expected}
        recorded = translation.gettext("%(recorded)s results recorded.") % {"recorded": expected}
    assert stored in page.get_by_test_id("messages").inner_text()
    assert recorded in page.inner_text("body")
    assert page.get_by_test_id("csv-errors").count() == 0

    # The signed report.
    page.set_input_files(
        "input[name=report]",
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
    )
    with page.expect_navigation():
        page.get_by_role("button", name=translated(language, "Upload the report")).click()
    assert translated(language, "Report stored.") in page.get_by_test_id("messages").inner_text()
    sample.refresh_from_db()
    assert sample.report is not None and len(sample.report_sha256) == 64
    assert sample.report_sha256 in page.get_by_test_id("report-hash").inner_text()
    assert page.errors == [], page.errors

    # Tested: the results are in, so the lab closes the testing step.
    custody = page.get_by_test_id("custody-form")
    custody.locator("[name=kind]").select_option(CustodyKind.TESTED)
    with page.expect_navigation():
        custody.get_by_role("button", name=translated(language, "Record step")).click()
    sample.refresh_from_db()
    assert sample.status == CustodyKind.TESTED
    assert list(sample.custody.values_list("kind", flat=True)) == [
        "sealed",
        "shipped",
        "received",
        "tested",
    ]

    # Quality Management confirms the verdict on the record page.
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.RECORDED
    staff = make_page(language)
    log_in(staff, qm, PASSWORD)
    staff.goto(f"/staff/inspections/{inspection.pk}/record/")
    assert_page_in(staff, language)
    with staff.expect_download() as report:
        staff.get_by_role("link", name="report.pdf").click()
    assert Path(report.value.path()).read_bytes().startswith(b"%PDF")
    with translation.override(language):
        counted = translation.gettext("%(recorded)s of %(expected)s results recorded.") % {
            "recorded": expected,
            "expected": expected,
        }
    assert counted in staff.inner_text("body")
    with staff.expect_navigation():
        staff.get_by_role("button", name=translated(language, "Save and give the verdict")).click()
    # The first click names the consequences and decides nothing; the second confirms.
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.RECORDED
    with staff.expect_navigation():
        staff.get_by_test_id("confirm-verdict").get_by_role("button").click()

    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.ACCEPTED
    assert inspection.results.count() == expected
    with translation.override(language):
        accepted = str(inspection.get_status_display())
    assert accepted in staff.get_by_test_id("messages").inner_text()
    assert staff.locator("#verdict-text").inner_text() == accepted
    assert_page_in(staff, language)
