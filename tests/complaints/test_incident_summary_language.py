# ruff: noqa: RUF001 - the Chinese sentences (full-width punctuation) are the subject here
"""What opened a quality incident is stored as a code plus parameters (the words a person
wrote kept apart) and read in the reader's language: the summary, the "open" step of the
timeline, the incident page, the API, and the listing's reason when it is suspended
(issue 19, "no raw codes"). Summaries written as text before the codes are converted by
the migration."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from complaints import reason_texts, services
from complaints.models import CaseKind, QualityIncident
from complaints.services import incidents
from core.audit import decisions_for, record_decision
from core.decision_labels import reason_label
from merchants import reason_texts as merchant_reasons
from products.models import Product
from tests.complaints.incident_world import file_complaint, incident_of, listed_product
from tests.complaints.test_incident_from_rejected_lot import reject
from tests.factories.complaints import CaseFactory
from tests.factories.standing import rules_catalogue  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db

WORDS = "The logo is wrong and the stitching is cheap: a fake."


@pytest.fixture
def product(merchant_a):
    return listed_product(merchant_a)


def opened(incident):
    return next(d for d in decisions_for(incident) if d.action == "open")


def in_both(render) -> dict:
    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            texts[language] = str(render())
    return texts


def test_a_complaint_keeps_its_words_and_the_sentence_reads_in_each_language(product):
    with translation.override("zh-hans"):  # written in Chinese ...
        case = file_complaint(product, description=WORDS)
    incident = incident_of(case)
    assert incident.summary == WORDS
    assert incident.summary_code == reason_texts.COMPLAINT_FILED
    assert incident.summary_params == {"reference": case.reference}
    # ... read in each reader's language.
    assert in_both(lambda: incident.summary_text) == {
        "en": f"Complaint {case.reference}: {WORDS}",
        "zh-hans": f"投诉 {case.reference}：{WORDS}",
    }
    decision = opened(incident)
    assert decision.reason == ""
    assert in_both(lambda: reason_label(decision)) == {
        "en": f"Complaint {case.reference}: {WORDS}",
        "zh-hans": f"投诉 {case.reference}：{WORDS}",
    }


def test_a_rejected_lot_is_a_sentence_of_the_readers_language(
    rice, qm, django_capture_on_commit_callbacks
):
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        inspection = reject(rice, qm, {"critical": 1})
    incident = QualityIncident.objects.get(inspection=inspection)
    assert incident.summary == ""
    assert incident.summary_code == reason_texts.LOT_REJECTED
    assert incident.summary_params == {"id": inspection.pk, "batch": "B-1", "class": "critical"}
    expected = {
        "en": f"Inspection #{inspection.pk} rejected lot B-1 (Critical nonconformities).",
        "zh-hans": f"抽检 #{inspection.pk} 拒收批次 B-1（致命不合格）。",
    }
    assert in_both(lambda: incident.summary_text) == expected
    assert in_both(lambda: reason_label(opened(incident))) == expected


def test_a_substantiated_report_names_the_claim_in_each_language(product, role_user):
    agent = role_user("consumer_service")
    report = CaseFactory(
        kind=CaseKind.AD_REPORT,
        merchant=product.merchant,
        product=product,
        advertised_claim="Best in the world",
        complaint_type="",
        desired_remedy="",
    )
    services.assign(case=report, to=agent, by=agent)
    with translation.override("zh-hans"):
        services.resolve(case=report, by=agent, outcome="substantiated", reason="Not true.")
    incident = incident_of(report)
    assert (incident.summary, incident.summary_code) == (
        "Best in the world",
        reason_texts.REPORT_SUBSTANTIATED,
    )
    expected = {
        "en": f"Report {report.reference} substantiated: Best in the world",
        "zh-hans": f"举报 {report.reference} 查证属实：Best in the world",
    }
    assert in_both(lambda: incident.summary_text) == expected
    assert in_both(lambda: reason_label(opened(incident))) == expected


def test_staffs_own_summary_is_shown_as_written(product, qm):
    incident = incidents.open_incident(
        kind="safety", product=product, source="staff", summary="市场监管部门的警示。", by=qm
    )
    assert (incident.summary_code, incident.summary_params) == ("", {})
    assert in_both(lambda: incident.summary_text) == {
        "en": "市场监管部门的警示。",
        "zh-hans": "市场监管部门的警示。",
    }
    assert opened(incident).reason == "市场监管部门的警示。"


def test_the_incident_page_and_its_timeline_switch_language(
    client, qm, rice, django_capture_on_commit_callbacks
):
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        inspection = reject(rice, qm, {"critical": 1})
    incident = QualityIncident.objects.get(inspection=inspection)
    client.force_login(qm)
    english = client.get(incident.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(
        incident.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    sentence_en = f"Inspection #{inspection.pk} rejected lot B-1 (Critical nonconformities)."
    sentence_zh = f"抽检 #{inspection.pk} 拒收批次 B-1（致命不合格）。"
    # The facts table and the "open" step of the history, each in the page's language.
    assert english.count(sentence_en) == 2
    assert sentence_zh not in english
    assert chinese.count(sentence_zh) == 2
    assert sentence_en not in chinese


def test_the_api_gives_the_summary_in_the_requests_language(client, qm, product):
    incident = incident_of(file_complaint(product, description=WORDS))
    client.force_login(qm)
    url = f"/api/v1/incidents/{incident.pk}/"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert english["summary"] == chinese["summary"] == WORDS
    assert english["summary_code"] == reason_texts.COMPLAINT_FILED
    assert english["summary_text"].startswith(f"Complaint {incident.cases.get().reference}:")
    assert chinese["summary_text"].startswith(f"投诉 {incident.cases.get().reference}：")


def test_the_listings_reason_for_a_containment_reads_in_each_language(product, qm):
    incident = incident_of(file_complaint(product))
    with translation.override("zh-hans"):
        incidents.contain(incident=incident, by=qm, reason="Lab test pending")
    product.refresh_from_db()
    assert product.status == Product.Status.RESTRICTED
    assert product.status_reason_code == merchant_reasons.INCIDENT_STEP
    render = lambda: merchant_reasons.text(  # noqa: E731
        product.status_reason_code, product.status_reason_params, product.status_reason
    )
    assert in_both(render) == {
        "en": f"Quality incident {incident.reference}: Lab test pending",
        "zh-hans": f"质量事件 {incident.reference}：Lab test pending",
    }
    with translation.override("zh-hans"):
        incidents.lift_containment(incident=incident, by=qm, reason="Lab passed")
    relisted = [d for d in decisions_for(product) if d.action == "relist"][-1]
    assert relisted.reason == ""
    assert in_both(lambda: reason_label(relisted)) == {
        "en": f"Quality incident {incident.reference}: Lab passed",
        "zh-hans": f"质量事件 {incident.reference}：Lab passed",
    }


def test_the_migration_turns_old_summaries_of_either_language_into_codes(product, qm):
    migration = importlib.import_module("complaints.migrations.0014_incident_summary_codes")
    staff = incidents.open_incident(
        kind="safety", product=product, source="staff", summary="Typed by staff.", by=qm
    )
    complaint = incidents.open_incident(
        kind="counterfeit", product=product, source="staff", summary="placeholder", by=qm
    )
    old = {
        staff.pk: "Typed by staff.",
        complaint.pk: f"投诉 CS-1：{WORDS}\nSecond line.",
    }
    for pk, text in old.items():
        QualityIncident.objects.filter(pk=pk).update(summary=text, summary_code="")
    opening = opened(complaint)
    type(opening).objects.filter(pk=opening.pk).update(reason=old[complaint.pk], data={})
    lot_decision = record_decision(
        complaint,
        action="open",
        to_state="open",
        reason="Inspection #7 rejected lot L-9 (Major nonconformities).",
    )

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.forwards(apps, editor)

    staff.refresh_from_db()
    complaint.refresh_from_db()
    assert (staff.summary, staff.summary_code) == ("Typed by staff.", "")
    assert complaint.summary == f"{WORDS}\nSecond line."
    assert (complaint.summary_code, complaint.summary_params) == (
        reason_texts.COMPLAINT_FILED,
        {"reference": "CS-1"},
    )
    with translation.override("en"):
        assert complaint.summary_text == f"Complaint CS-1: {WORDS}\nSecond line."
    opening.refresh_from_db()
    lot_decision.refresh_from_db()
    assert opening.reason == lot_decision.reason == ""
    assert in_both(lambda: reason_label(lot_decision)) == {
        "en": "Inspection #7 rejected lot L-9 (Major nonconformities).",
        "zh-hans": "抽检 #7 拒收批次 L-9（严重不合格）。",
    }
    with translation.override("en"):
        assert reason_label(opening) == f"Complaint CS-1: {WORDS}\nSecond line."
