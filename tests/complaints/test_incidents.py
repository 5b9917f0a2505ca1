"""Quality incidents (domain §13): opening paths, joining, containment, confirmation,
dismissal, who may act and what bad input gets."""

import pytest
from django.utils import translation

from complaints import services
from complaints.models import Case, CaseKind, QualityIncident
from complaints.services import incidents
from core.alerts import render_text
from core.audit import decisions_for
from core.exceptions import DomainError, NotAllowed
from core.models import Alert
from inspections.models import InspectionPlan
from merchants.models import ViolationEntry
from merchants.services import current_points
from products.models import Product
from products.services import delist_listing, relist, restrict_listing
from tests.complaints.incident_world import file_complaint, incident_of, listed_product
from tests.factories.complaints import CaseFactory
from tests.factories.standing import rules_catalogue  # noqa: F401 (autouse)

Status = QualityIncident.Status


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def product(merchant_a):
    return listed_product(merchant_a)


@pytest.fixture
def incident(product):
    return incident_of(file_complaint(product))


def status_of(product) -> str:
    product.refresh_from_db()
    return product.status


# --- opening ---------------------------------------------------------------------------------


def test_a_counterfeit_complaint_opens_an_incident_when_it_is_filed(product):
    case = file_complaint(product)
    incident = incident_of(case)
    assert incident.kind == "counterfeit"
    assert incident.source == "complaint"
    assert incident.status == Status.OPEN
    assert incident.merchant_id == product.merchant_id
    assert incident.reference.startswith("QI-") and incident.reference.endswith(
        f"-{incident.pk:04d}"
    )
    assert [d.action for d in decisions_for(incident)] == ["open"]


@pytest.mark.parametrize(
    ("complaint_type", "kind"),
    [("quality_defect", "quality_defect"), ("safety", "safety")],
)
def test_defect_and_safety_complaints_open_incidents_of_their_kind(product, complaint_type, kind):
    case = file_complaint(product, complaint_type=complaint_type)
    assert incident_of(case).kind == kind


def test_other_complaints_and_complaints_without_a_product_open_none(product):
    file_complaint(product, complaint_type=Case.ComplaintType.DELIVERY)
    file_complaint(product, product=None)
    assert not QualityIncident.objects.exists()


def test_a_second_complaint_joins_the_open_incident_instead_of_opening_another(product):
    first = file_complaint(product)
    second = file_complaint(product, consumer_email="wang@example.test", order_number="ORD-2")
    incident = incident_of(first)
    assert QualityIncident.objects.count() == 1
    assert set(incident.cases.all()) == {first, second}
    assert [d.action for d in decisions_for(incident).order_by("id")] == ["open", "join"]


def test_a_closed_incident_does_not_absorb_a_new_complaint(product, qm):
    first = incident_of(file_complaint(product))
    incidents.dismiss(incident=first, by=qm, reason="Genuine goods: the receipt checks out.")
    second = incident_of(file_complaint(product, order_number="ORD-2"))
    assert second.pk != first.pk


def test_a_complaints_files_become_the_incidents_evidence(product):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.files import pdf_bytes

    case = file_complaint(
        product, files=[SimpleUploadedFile("receipt.pdf", pdf_bytes(), "application/pdf")]
    )
    assert [u.original_name for u in incident_of(case).evidence.all()] == ["receipt.pdf"]


def test_a_substantiated_false_advertising_report_opens_an_incident(product, agent):
    report = CaseFactory(
        kind=CaseKind.AD_REPORT,
        merchant=product.merchant,
        product=product,
        advertised_claim="Best in the world",
        complaint_type="",
        desired_remedy="",
    )
    services.assign(case=report, to=agent, by=agent)
    services.resolve(case=report, by=agent, outcome="substantiated", reason="The claim is false.")
    incident = incident_of(report)
    assert (incident.kind, incident.source) == ("false_advertising", "ad_report")


def test_staff_open_an_incident_by_hand_and_others_may_not(product, qm, owner_a):
    incident = incidents.open_incident(
        kind="safety",
        product=product,
        source="staff",
        summary="Market surveillance warns about this charger.",
        by=qm,
    )
    assert incident.opened_by == qm
    with pytest.raises(NotAllowed):
        incidents.open_incident(
            kind="safety", product=product, source="staff", summary="x", by=owner_a
        )


def test_opening_without_a_summary_or_kind_says_which_field_and_stores_nothing(product, qm):
    with pytest.raises(DomainError) as caught:
        incidents.open_incident(
            kind="nonsense", product=product, source="staff", summary=" ", by=qm
        )
    assert set(caught.value.message_dict) == {"kind", "summary"}
    assert not QualityIncident.objects.exists()


# --- containment -----------------------------------------------------------------------------


def test_containment_suspends_the_listing_at_once_and_lifting_restores_it(
    incident, product, qm, owner_a
):
    incidents.contain(incident=incident, by=qm, reason="Three fakes reported in a day.")
    incident.refresh_from_db()
    product.refresh_from_db()
    assert incident.status == Status.CONTAINED
    assert incident.listing_status_before == "listed"
    assert (product.status, product.status_cause) == ("restricted", Product.Cause.INCIDENT)
    alert = Alert.objects.get(kind="incident_contained", recipient_user=owner_a)
    assert incident.reference in render_text(alert.kind, alert.payload)
    assert "Counterfeit" in render_text(alert.kind, alert.payload)
    # The product's own relist path refuses: only the incident lifts its suspension.
    with pytest.raises(DomainError):
        relist(product=product, by=qm, reason="Back on sale")

    incidents.lift_containment(incident=incident, by=qm, reason="Supplier invoices check out.")
    incident.refresh_from_db()
    assert incident.status == Status.OPEN
    assert status_of(product) == "listed"
    lift = decisions_for(incident).get(action="lift")
    assert (lift.from_state, lift.to_state, lift.actor) == ("contained", "open", qm)
    assert lift.reason == "Supplier invoices check out."


def test_consumer_service_may_contain_but_not_decide(incident, agent):
    incidents.contain(incident=incident, by=agent, reason="Burn marks in the photos.")
    with pytest.raises(NotAllowed):
        incidents.confirm(incident=incident, by=agent, findings="Fake.")


def test_a_listing_restricted_for_another_reason_stays_restricted_after_lifting(
    incident, product, qm
):
    restrict_listing(product=product, by=qm, reason="Claim under review", cause="ad_claim")
    incidents.contain(incident=incident, by=qm, reason="Fakes reported.")
    incidents.lift_containment(incident=incident, by=qm, reason="Not fakes.")
    product.refresh_from_db()
    assert (product.status, product.status_cause) == ("restricted", "ad_claim")


@pytest.mark.parametrize("who", ["owner_a", "analyst"])
def test_merchants_and_analysts_may_not_contain(incident, who, request):
    with pytest.raises(NotAllowed):
        incidents.contain(incident=incident, by=request.getfixturevalue(who), reason="x")
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_containing_a_delisted_listing_is_refused_and_nothing_changes(incident, product, qm):
    delist_listing(product=product, by=qm, reason="Off sale")
    with pytest.raises(DomainError) as caught:
        incidents.contain(incident=incident, by=qm, reason="Fakes reported.")
    assert "already delisted" in caught.value.message_dict["product"][0]
    incident.refresh_from_db()
    assert (incident.status, incident.contained_at) == (Status.OPEN, None)
    assert not decisions_for(incident).filter(action="contain").exists()


def test_containment_without_a_reason_is_refused_on_the_reason_field(incident, product, qm):
    with pytest.raises(DomainError) as caught:
        incidents.contain(incident=incident, by=qm, reason="  ")
    assert caught.value.message_dict["reason"] == ["Give the reason for this decision."]
    assert status_of(product) == "listed"


def test_lifting_a_containment_that_is_not_there_is_refused(incident, qm):
    with pytest.raises(DomainError) as caught:
        incidents.lift_containment(incident=incident, by=qm, reason="x")
    assert "status" in caught.value.message_dict


# --- decisions -------------------------------------------------------------------------------


def test_confirmed_counterfeit_adds_24_points_delists_and_schedules_an_inspection(
    incident, product, merchant_a, qm, owner_a
):
    incidents.contain(incident=incident, by=qm, reason="Fakes reported.")
    incidents.confirm(incident=incident, by=qm, findings="Brand owner confirms: fake.")
    incident.refresh_from_db()
    product.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.findings == "Brand owner confirms: fake."
    assert current_points(merchant_a) == 24
    entry = ViolationEntry.objects.get(merchant=merchant_a)
    assert (entry.rule_code, entry.evidence_id) == ("counterfeit", str(incident.pk))
    assert (product.status, product.status_cause) == ("delisted", Product.Cause.QUALITY)
    plan = InspectionPlan.objects.get(kind="risk_triggered", merchant=merchant_a)
    assert plan.product_id == product.pk
    assert Alert.objects.filter(kind="incident_confirmed", recipient_user=owner_a).exists()
    confirm = decisions_for(incident).get(action="confirm")
    assert (confirm.from_state, confirm.to_state) == ("contained", "resolved")


def test_confirming_without_delisting_or_inspection_restores_a_contained_listing(
    product, merchant_a, qm
):
    # A defect: no points, so no sanction ladder step restricts the merchant's listings.
    incident = incident_of(file_complaint(product, complaint_type="quality_defect"))
    incidents.contain(incident=incident, by=qm, reason="Fakes reported.")
    incidents.confirm(
        incident=incident,
        by=qm,
        findings="One fake batch, recalled.",
        delist=False,
        schedule_inspection=False,
    )
    assert status_of(product) == "listed"
    assert not InspectionPlan.objects.filter(kind="risk_triggered").exists()


def test_a_confirmed_defect_applies_no_counterfeit_points(product, merchant_a, qm):
    incident = incident_of(file_complaint(product, complaint_type="quality_defect"))
    incidents.confirm(incident=incident, by=qm, findings="Seams split.")
    assert current_points(merchant_a) == 0
    assert status_of(product) == "delisted"


def test_confirming_a_closed_incident_is_refused_and_adds_nothing(incident, merchant_a, qm):
    incidents.confirm(incident=incident, by=qm, findings="Fake.")
    with pytest.raises(DomainError) as caught:
        incidents.confirm(incident=incident, by=qm, findings="Fake again.")
    assert "already closed" in caught.value.message_dict["status"][0]
    assert ViolationEntry.objects.filter(merchant=merchant_a).count() == 1


def test_confirming_without_findings_is_refused_on_the_findings_field(incident, product, qm):
    with pytest.raises(DomainError) as caught:
        incidents.confirm(incident=incident, by=qm, findings="")
    assert "findings" in caught.value.message_dict
    assert status_of(product) == "listed"


def test_dismissal_lifts_the_containment_and_records_the_reason(incident, product, qm):
    incidents.contain(incident=incident, by=qm, reason="Fakes reported.")
    incidents.dismiss(incident=incident, by=qm, reason="Genuine: the serials are valid.")
    incident.refresh_from_db()
    assert incident.status == Status.DISMISSED
    assert incident.resolution_reason == "Genuine: the serials are valid."
    assert status_of(product) == "listed"
    actions = [d.action for d in decisions_for(incident).order_by("id")]
    assert actions == ["open", "contain", "dismiss"]
    dismissal = decisions_for(incident).get(action="dismiss")
    assert (dismissal.from_state, dismissal.to_state, dismissal.actor) == (
        "contained",
        "dismissed",
        qm,
    )


def test_dismissing_without_a_reason_is_refused(incident, qm):
    with pytest.raises(DomainError) as caught:
        incidents.dismiss(incident=incident, by=qm, reason="")
    assert "reason" in caught.value.message_dict


def test_a_failing_step_leaves_nothing_half_stored(incident, product, qm, monkeypatch):
    incidents.contain(incident=incident, by=qm, reason="Fakes reported.")

    def broken(**kwargs):
        raise DomainError({"rule": "No rule in force."})

    monkeypatch.setattr("merchants.services.record_violation", broken)
    with pytest.raises(DomainError):
        incidents.confirm(incident=incident, by=qm, findings="Fake.")
    incident.refresh_from_db()
    assert incident.status == Status.CONTAINED
    assert status_of(product) == "restricted"


def test_confirming_with_delisting_tells_every_verified_buyer_once(incident, product, qm):
    from complaints.models import BuyerNotice
    from tests.factories.reviews import PurchaseFactory

    buyers = [PurchaseFactory(product=product, consumer=f"buyer{i}@x.test") for i in range(4)]
    incidents.confirm(incident=incident, by=qm, findings="Brand owner confirms: fake.")
    told = BuyerNotice.objects.filter(incident=incident)
    assert set(told.values_list("purchase_id", flat=True)) == {p.pk for p in buyers}
    assert decisions_for(incident).filter(action="notify_buyers").count() == 1


def test_confirming_without_delisting_tells_no_buyer(incident, product, qm):
    from complaints.models import BuyerNotice
    from tests.factories.reviews import PurchaseFactory

    PurchaseFactory(product=product, consumer="buyer@x.test")
    incidents.confirm(incident=incident, by=qm, findings="Fake.", delist=False)
    assert not BuyerNotice.objects.filter(incident=incident).exists()
