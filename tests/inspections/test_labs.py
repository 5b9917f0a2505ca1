"""Third-party labs: accreditation, samples with chain of custody, results by CSV/grid/API
(all or nothing, row and column errors), the signed report, and the lab user's scope."""

import csv
import io
from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.exceptions import DomainError, NotAllowed
from core.models import Alert
from inspections import labs, services
from inspections.models import (
    CustodyEvent,
    CustodyKind,
    Inspection,
    Lab,
    LabMember,
    SampleResult,
)
from tests.factories.core import UserFactory
from tests.factories.inspections import InspectionPlanFactory, LabFactory
from tests.files import pdf, png
from tests.languages import in_both


@pytest.fixture
def lab(db):
    return LabFactory(name="Alpha Testing")


@pytest.fixture
def other_lab(db):
    return LabFactory(name="Beta Testing")


def lab_user(lab):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="lab"))
    LabMember.objects.create(user=user, lab=lab)
    return user


@pytest.fixture
def inspection(product_a, qm):
    plan = InspectionPlanFactory(merchant=product_a.merchant)
    return services.start_inspection(plan=plan, product=product_a, lot_size=50, batch="L-1", by=qm)


def received(inspection, lab, qm):
    sample = labs.assign_sample(inspection=inspection, lab=lab, by=qm, seal_number="SEAL-9")
    labs.record_custody(sample=sample, kind=CustodyKind.SHIPPED, by=qm)
    labs.record_custody(
        sample=sample, kind=CustodyKind.RECEIVED, condition="intact", by=lab_user(lab)
    )
    sample.refresh_from_db()
    return sample


def csv_rows(sample, *, fail_first=0):
    """The template filled in: every cell passes (the first `fail_first` items fail)."""
    rows = list(csv.DictReader(io.StringIO(labs.csv_template([sample]))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=labs.TEMPLATE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        fails = int(row["sample"]) <= fail_first
        if row["unit"]:
            row["value"] = "480" if fails else "500"
        else:
            row["result"] = "fail" if fails else "pass"
        writer.writerow(row)
    return out.getvalue().encode()


def test_a_sample_gets_a_code_and_its_custody_is_recorded_in_order(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    assert sample.code.startswith("S-")
    assert sample.status == CustodyKind.RECEIVED and sample.condition == "intact"
    kinds = list(sample.custody.values_list("kind", flat=True))
    assert kinds == ["sealed", "shipped", "received"]
    assert all(e.by_id for e in sample.custody.all())
    with pytest.raises(DomainError):
        labs.record_custody(sample=sample, kind=CustodyKind.DISPOSED, by=lab_user(lab))


def test_the_seal_step_names_the_seal_in_the_readers_language(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    sealed = sample.custody.get(kind=CustodyKind.SEALED)
    assert sealed.note == ""  # the seal number is the sample's, not words of the moment
    assert in_both(lambda: sealed.note_text) == ("Seal SEAL-9", "封条 SEAL-9")
    api = APIClient()
    api.force_authenticate(lab_user(lab))
    for language, words in (("en", "Seal SEAL-9"), ("zh-hans", "封条 SEAL-9")):
        body = api.get(f"/api/v1/lab-samples/{sample.code}/", HTTP_ACCEPT_LANGUAGE=language).json()
        assert body["custody"][0]["note"] == words


def test_seal_notes_stored_as_sentences_are_emptied_and_others_kept(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    other = labs.assign_sample(inspection=inspection, lab=lab, by=qm, seal_number="SEAL-10")
    CustodyEvent.objects.filter(sample=sample, kind=CustodyKind.SEALED).update(note="封条 SEAL-9")
    CustodyEvent.objects.filter(sample=other, kind=CustodyKind.SEALED).update(
        note="Seal SEAL-9, resealed by hand"
    )
    migration = import_module("inspections.migrations.0008_custody_seal_notes")
    migration.forwards(apps, SimpleNamespace(connection=connection))
    assert sample.custody.get(kind=CustodyKind.SEALED).note == ""
    kept = other.custody.get(kind=CustodyKind.SEALED)
    assert kept.note == kept.note_text == "Seal SEAL-9, resealed by hand"


def test_a_lab_can_refuse_a_sample_with_a_reason_and_quality_management_is_told(
    inspection, lab, qm
):
    sample = labs.assign_sample(inspection=inspection, lab=lab, by=qm)
    labs.record_custody(sample=sample, kind=CustodyKind.SHIPPED, by=qm)
    user = lab_user(lab)
    with pytest.raises(DomainError):
        labs.record_custody(sample=sample, kind=CustodyKind.REFUSED, by=user)
    labs.record_custody(sample=sample, kind=CustodyKind.REFUSED, note="Seal broken", by=user)
    sample.refresh_from_db()
    assert sample.status == "refused" and sample.refusal_reason == "Seal broken"
    assert Alert.objects.filter(kind="sample_refused").exists()


def test_another_labs_user_cannot_touch_the_sample(inspection, lab, other_lab, qm):
    sample = labs.assign_sample(inspection=inspection, lab=lab, by=qm)
    labs.record_custody(sample=sample, kind=CustodyKind.SHIPPED, by=qm)
    with pytest.raises(NotAllowed):
        labs.record_custody(
            sample=sample, kind=CustodyKind.RECEIVED, condition="intact", by=lab_user(other_lab)
        )


def test_an_expired_or_suspended_lab_takes_no_new_samples(inspection, qm):
    expired = LabFactory(
        valid_from=timezone.localdate() - timedelta(days=400),
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    with pytest.raises(DomainError, match="expired"):
        labs.assign_sample(inspection=inspection, lab=expired, by=qm)
    suspended = LabFactory(status=Lab.Status.SUSPENDED, status_reason="Audit")
    with pytest.raises(DomainError, match="suspended"):
        labs.assign_sample(inspection=inspection, lab=suspended, by=qm)


def test_the_daily_sweep_reminds_before_expiry_and_suspends_expired_labs(db, role_user):
    role_user("quality_management")
    today = timezone.localdate()
    soon = LabFactory(valid_until=today + timedelta(days=20))
    gone = LabFactory(valid_until=today - timedelta(days=1), valid_from=today - timedelta(days=300))
    outcome = labs.sweep_accreditations(today=today)
    assert outcome["suspended"] == 1
    gone.refresh_from_db()
    soon.refresh_from_db()
    assert gone.status == "suspended" and soon.status == "active"
    assert (
        Alert.objects.filter(kind="lab_accreditation_expiring", object_id=str(soon.pk)).count() == 2
    )
    again = labs.sweep_accreditations(today=today)
    assert again == {"reminded": 0, "suspended": 0}


def test_csv_results_are_stored_and_quality_management_gives_the_verdict(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    user = lab_user(lab)
    outcome = labs.import_csv(lab=lab, data=csv_rows(sample), by=user)
    assert outcome["stored"] == services.expected_cells(inspection)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.RECORDED
    labs.record_custody(sample=sample, kind=CustodyKind.TESTED, by=user)
    decided = services.decide_verdict(inspection=inspection, by=qm)
    assert decided.status == Inspection.Status.ACCEPTED


def test_bad_csv_rows_are_reported_by_row_and_column_and_nothing_is_stored(
    inspection, lab, other_lab, product_a, qm
):
    sample = received(inspection, lab, qm)
    plan = InspectionPlanFactory(merchant=product_a.merchant)
    second = services.start_inspection(
        plan=plan, product=product_a, lot_size=50, batch="L-2", by=qm
    )
    foreign = received(second, other_lab, qm)
    good = csv_rows(sample).decode().splitlines()
    net = [i for i, line in enumerate(good) if ",NET," in line]
    good[net[0]] = good[net[0]].replace(",500,", ",-5,")  # outside the physical range
    good[net[1]] = good[net[1]].replace(",500,", ",abc,")  # not a number
    bad = [
        *good,
        f"{sample.code},1,NOPE,pass,,",  # unknown test item
        good[1],  # duplicate row
        f"{foreign.code},1,PB,pass,,",  # another lab's sample
    ]
    with pytest.raises(labs.LabResultsRejected) as caught:
        labs.import_csv(lab=lab, data="\n".join(bad).encode(), by=lab_user(lab))
    errors = {(e["row"], e["column"]) for e in caught.value.errors}
    n = len(good)
    assert (net[0] + 1, "value") in errors  # CSV row numbers count the header as 1
    assert (net[1] + 1, "value") in errors
    assert (n + 1, "test_item") in errors  # unknown item
    assert (n + 2, "test_item") in errors  # duplicate
    assert (n + 3, "sample_code") in errors  # another lab's sample
    assert any("physically possible" in e["message"] for e in caught.value.errors)
    assert any("another lab" in e["message"] for e in caught.value.errors)
    assert SampleResult.objects.count() == 0


def test_results_outside_the_accredited_methods_are_refused(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    requirement = inspection.standard_version.requirements.get(code="PB")
    type(requirement).objects.filter(pk=requirement.pk).update(test_method="GB 4789.2")
    with pytest.raises(labs.LabResultsRejected) as caught:
        labs.import_csv(lab=lab, data=csv_rows(sample), by=lab_user(lab))
    assert any("not accredited for the test method" in e["message"] for e in caught.value.errors)
    assert SampleResult.objects.count() == 0


def test_results_from_a_lab_whose_accreditation_expired_are_refused(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    Lab.objects.filter(pk=lab.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    lab.refresh_from_db()
    with pytest.raises(DomainError, match="expired"):
        labs.import_csv(lab=lab, data=csv_rows(sample), by=lab_user(lab))
    assert SampleResult.objects.count() == 0


def test_the_signed_report_must_be_a_pdf_and_its_hash_is_kept(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    user = lab_user(lab)
    with pytest.raises(DomainError, match="PDF"):
        labs.submit_report(sample=sample, file=png("report.png"), by=user)
    labs.submit_report(sample=sample, file=pdf("report.pdf"), by=user)
    sample.refresh_from_db()
    assert len(sample.report_sha256) == 64
    assert sample.report.sha256 == sample.report_sha256
    assert inspection.attachments.filter(pk=sample.report_id).exists()


def test_a_lab_user_sees_only_their_labs_samples_on_the_portal_and_api(
    client, inspection, lab, other_lab, product_a, qm
):
    mine = received(inspection, lab, qm)
    plan = InspectionPlanFactory(merchant=product_a.merchant)
    second = services.start_inspection(
        plan=plan, product=product_a, lot_size=50, batch="L-2", by=qm
    )
    theirs = received(second, other_lab, qm)
    user = lab_user(lab)
    client.force_login(user)
    page = client.get(reverse("inspections:lab-samples"))
    assert mine.code in page.content.decode() and theirs.code not in page.content.decode()
    assert client.get(reverse("inspections:lab-sample", args=[theirs.code])).status_code == 404
    assert client.get(reverse("inspections:lab-sample", args=[mine.code])).status_code == 200
    api = APIClient()
    api.force_authenticate(user)
    codes = [s["code"] for s in api.get("/api/v1/lab-samples/").json()["results"]]
    assert codes == [mine.code]
    assert api.get(f"/api/v1/lab-samples/{theirs.code}/").status_code == 404
    # The lab user is not platform staff.
    assert client.get(reverse("inspections:staff-queue")).status_code == 403


def test_results_by_api_come_back_with_row_and_column_errors(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    api = APIClient()
    api.force_authenticate(lab_user(lab))
    response = api.post(
        "/api/v1/lab-results/",
        {
            "results": [
                {"sample_code": sample.code, "sample": 1, "test_item": "XX", "result": "pass"}
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] == 1
    assert response.json()["errors"][0]["column"] == "test_item"
    rows = labs.parse_csv(csv_rows(sample))
    response = api.post("/api/v1/lab-results/", {"results": rows}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["stored"] == len(rows)


def test_the_lab_portal_takes_a_csv_and_a_report(client, inspection, lab, qm):
    sample = received(inspection, lab, qm)
    client.force_login(lab_user(lab))
    template = client.get(reverse("inspections:lab-template", args=[sample.code]))
    assert template.status_code == 200 and b"sample_code" in template.content
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("inspections:lab-sample", args=[sample.code])
    response = client.post(
        url, {"csv": "1", "file": SimpleUploadedFile("r.csv", csv_rows(sample), "text/csv")}
    )
    assert response.status_code == 302
    response = client.post(url, {"report": pdf("signed.pdf")})
    assert response.status_code == 302
    sample.refresh_from_db()
    assert sample.report_sha256 and sample.results_submitted_at


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_template_names_each_test_item_in_the_readers_language_and_uploads_back(
    client, inspection, lab, qm, language
):
    """Download, fill, upload: the label column is for people, the code is what is read."""
    sample = received(inspection, lab, qm)
    client.force_login(lab_user(lab))
    template = client.get(
        reverse("inspections:lab-template", args=[sample.code]), HTTP_ACCEPT_LANGUAGE=language
    )
    rows = list(csv.DictReader(io.StringIO(template.content.decode("utf-8-sig"))))
    requirements = {r.code: r for r in inspection.standard_version.requirements.all()}
    assert rows and set(rows[0]) == set(labs.TEMPLATE_COLUMNS)
    for row in rows:
        requirement = requirements[row["test_item"]]
        description = requirement.description_en if language == "en" else requirement.description
        assert row["test_item_label"].startswith(description or requirement.description)
        if requirement.unit:
            assert row["test_item_label"].endswith(f"({requirement.unit})")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        row.update({"value": "500"} if row["unit"] else {"result": "pass"})
        writer.writerow(row)
    from django.core.files.uploadedfile import SimpleUploadedFile

    filled = SimpleUploadedFile("r.csv", ("\ufeff" + out.getvalue()).encode(), "text/csv")
    response = client.post(
        reverse("inspections:lab-sample", args=[sample.code]),
        {"csv": "1", "file": filled},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302
    assert SampleResult.objects.filter(inspection=inspection).count() == len(rows)


def test_a_file_without_the_label_column_is_still_read(inspection, lab, qm):
    sample = received(inspection, lab, qm)
    rows = list(csv.DictReader(io.StringIO(csv_rows(sample).decode())))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=labs.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row[k] for k in labs.CSV_COLUMNS})
    outcome = labs.import_csv(lab=lab, data=out.getvalue().encode(), by=lab_user(lab))
    assert outcome["stored"] == len(rows)


def test_the_pages_link_the_stored_report_and_documents(client, inspection, lab, qm, owner_a):
    """Every page that lists a stored file renders its download link (core:download)."""
    sample = received(inspection, lab, qm)
    analyst = lab_user(lab)
    labs.submit_report(sample=sample, file=pdf("signed.pdf"), by=analyst)
    from core.uploads import store_upload

    lab.documents.add(store_upload(pdf("cnas.pdf"), uploaded_by=qm))
    client.force_login(analyst)
    page = client.get(reverse("inspections:lab-sample", args=[sample.code]))
    assert page.status_code == 200 and b"signed.pdf" in page.content
    client.force_login(qm)
    for url, name in [
        (reverse("inspections:staff-samples", args=[inspection.pk]), b"signed.pdf"),
        (reverse("inspections:staff-record", args=[inspection.pk]), b"signed.pdf"),
        (reverse("inspections:staff-lab", args=[lab.pk]), b"cnas.pdf"),
    ]:
        page = client.get(url)
        assert page.status_code == 200 and name in page.content, url
    labs.import_csv(lab=lab, data=csv_rows(sample), by=analyst)
    services.decide_verdict(inspection=inspection, by=qm)  # the merchant sees it once decided
    client.force_login(owner_a)
    page = client.get(reverse("inspections:merchant-inspection", args=[inspection.pk]))
    assert page.status_code == 200 and b"signed.pdf" in page.content
