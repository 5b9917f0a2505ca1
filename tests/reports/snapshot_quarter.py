"""A small, hand-computed quarter (2026 Q2, China time) and its previous quarter.

Rows are made with the factories and then given exact instants with UPDATE (filing,
answer, resolution, verdict and decision times are set by services to `now`). The figures
the report must show are worked out by hand in EXPECTED below, from the definitions in
reports.services.figures.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType

from complaints.models import Case, CaseKind, SLABreach, Target
from core import policies
from core.audit import record_decision
from core.models import Decision
from inspections.models import Inspection, Severity
from merchants.models import Merchant, Sanction, ViolationEntry, ViolationRule
from reviews.models import ProductReview
from tests.factories import MerchantFactory, ProductFactory
from tests.factories.complaints import CaseFactory
from tests.factories.inspections import InspectionPlanFactory, PublishedVersionFactory
from tests.factories.reviews import ProductReviewFactory, ServiceRatingFactory

CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 4, 10, 10, 0, tzinfo=CST)
AS_OF = datetime(2026, 7, 1, 2, 0, tzinfo=CST)
H = timedelta(hours=1)

CONSUMER_EMAIL = "li.na.private@example.test"
CONSUMER_PHONE = "13912345678"
CONSUMER_NAME = "李娜消费者"
MERCHANT_EMAIL = "alpha.contact@example.test"
MERCHANT_PHONE = "02188886666"
MERCHANT_CONTACT = "王联系人"

EXPECTED_PLATFORM = {
    "complaints_filed": 4,
    "complaints_resolved": 4,
    "response_met": 2,
    "response_judged": 3,
    "response_within_target_share": 0.6667,
    "resolution_met": 2,
    "resolution_judged": 3,
    "resolution_within_target_share": 0.6667,
    "median_response_hours": 4.0,
    "median_resolution_hours": 80.0,
    "ad_reports_filed": 1,
    "ad_reports_substantiated": 1,
    "inspections_done": 5,
    "inspections_passed": 3,
    "inspections_rejected": 2,
    "inspection_pass_rate": 0.6,
    "products_delisted": 1,
    "sanctions": 2,
    "violation_points": 15,
    "review_count": 3,
    "average_stars": 3.6667,
    "service_rating_count": 3,
    "average_service_rating": 3.6667,
}

EXPECTED_PREVIOUS = {
    "complaints_filed": 1,
    "complaints_resolved": 0,
    "response_within_target_share": 1.0,
    "resolution_within_target_share": 1.0,
    "median_response_hours": 12.0,
    "median_resolution_hours": 14.0,
    "inspections_done": 1,
    "inspection_pass_rate": 1.0,
    "products_delisted": 1,
    "sanctions": 1,
    "average_stars": 3.0,
}


def _case(
    merchant,
    *,
    filed,
    responded=None,
    resolved=None,
    resolution_hours=72,
    outcome="refund",
    **kwargs,
):
    case = CaseFactory(
        merchant=merchant,
        consumer_name=CONSUMER_NAME,
        consumer_email=CONSUMER_EMAIL,
        consumer_phone=CONSUMER_PHONE,
        **kwargs,
    )
    Case.objects.filter(pk=case.pk).update(
        created_at=filed,
        response_due_at=filed + 24 * H,
        resolution_due_at=filed + resolution_hours * H,
        first_responded_at=responded,
        resolved_at=resolved,
        status="resolved" if resolved else "assigned",
        outcome=outcome if resolved else "",
    )
    # A target met after its deadline has its breach on record (the sweep, or the clock
    # stopping late, writes it at the deadline); the figures read these records.
    late = [
        (Target.RESPONSE, filed + 24 * H, responded),
        (Target.RESOLUTION, filed + resolution_hours * H, resolved),
    ]
    SLABreach.objects.bulk_create(
        SLABreach(case=case, target=target, breached_at=due, created_at=met)
        for target, due, met in late
        if met is not None and met > due
    )
    return case


def _inspection(merchant, *, status, decided_at):
    product = ProductFactory(merchant=merchant)
    plan = InspectionPlanFactory(merchant=merchant)
    inspection = Inspection.objects.create(
        plan=plan,
        product=product,
        merchant=merchant,
        category=product.category,
        lot_size=500,
        batch="B-1",
        standard_version=PublishedVersionFactory(),
        severity=Severity.NORMAL,
        sampling_policy=policies.ensure_version("inspections.sampling"),
        sampling_plans={},
        sample_size=50,
        status=status,
        decided_at=decided_at,
    )
    return inspection


def _listing_decision(product, *, to_state, at):
    decision = record_decision(product, action=to_state, from_state="listed", to_state=to_state)
    Decision.objects.filter(pk=decision.pk).update(created_at=at)


def _violation(merchant, *, points, occurred_at, status="active"):
    rule = ViolationRule.objects.order_by("id").first()
    return ViolationEntry.objects.create(
        evidence_type=ContentType.objects.get_for_model(Merchant),
        evidence_id=f"{merchant.pk}-{points}-{status}",
        merchant=merchant,
        rule=rule,
        rule_code=rule.code,
        points=points,
        occurred_at=occurred_at,
        expires_at=occurred_at + timedelta(days=365),
        recorded_at=occurred_at,
        appeal_until=occurred_at + timedelta(days=15),
        status=status,
        withdrawn_at=occurred_at + H if status == "withdrawn" else None,
    )


def _sanction(merchant, *, kind, starts_at, replaces=None):
    sanction = Sanction.objects.create(
        merchant=merchant,
        kind=kind,
        origin="ladder",
        step_points=12,
        points_at_imposition=12,
        reason="ladder",
        starts_at=starts_at,
        appeal_until=starts_at + timedelta(days=15),
        replaces=replaces,
    )
    Sanction.objects.filter(pk=sanction.pk).update(created_at=starts_at)
    return sanction


def _review(merchant, *, stars, at, folded=False):
    review = ProductReviewFactory(
        purchase__product__merchant=merchant, stars=stars, purchase__consumer=CONSUMER_EMAIL
    )
    ProductReview.objects.filter(pk=review.pk).update(
        created_at=at,
        folded=folded,
        fold_reason="spam" if folded else "",
        folded_at=at + H if folded else None,
    )


def _rating(merchant, scores, *, at):
    a, s, lo = scores
    ServiceRatingFactory(
        purchase__product__merchant=merchant,
        description_accuracy=a,
        service_attitude=s,
        logistics=lo,
        created_at=at,
    )


@pytest.fixture(name="quarter")
def quarter_fixture(db):
    """Merchant A ("Alpha") and B ("Beta") with a quarter of activity; see EXPECTED_*."""
    alpha = MerchantFactory(
        legal_name="Alpha Trading Co.",
        contact_name=MERCHANT_CONTACT,
        contact_email=MERCHANT_EMAIL,
        contact_phone=MERCHANT_PHONE,
    )
    beta = MerchantFactory(legal_name="Beta Goods Co.")

    # Complaints. A1 met both targets; A2 missed both; A3 is still inside its window.
    _case(alpha, filed=T0, responded=T0 + 2 * H, resolved=T0 + 10 * H)
    _case(alpha, filed=T0 + 24 * H, responded=T0 + 54 * H, resolved=T0 + 104 * H)
    _case(alpha, filed=datetime(2026, 6, 30, 20, 0, tzinfo=CST))
    # B1's resolution deadline was pushed back by a pause: 90 h is within its 100 h.
    _case(
        beta, filed=T0 + 48 * H, responded=T0 + 52 * H, resolved=T0 + 138 * H, resolution_hours=100
    )
    # B2 was filed in Q1 and resolved in Q2: resolved in Q2, filed (and judged) in Q1.
    q1_filed = datetime(2026, 3, 31, 20, 0, tzinfo=CST)
    _case(beta, filed=q1_filed, responded=q1_filed + 12 * H, resolved=q1_filed + 14 * H)
    # A substantiated false-advertising report about B.
    _case(
        beta,
        filed=T0,
        responded=T0 + H,
        resolved=T0 + 20 * H,
        kind=CaseKind.AD_REPORT,
        complaint_type="",
        desired_remedy="",
        advertised_claim="Cures colds",
        product=ProductFactory(merchant=beta),
        outcome="substantiated",
    )

    # Inspections: A accepted + rejected; B accepted, accepted, overturned; one in Q1; a draft.
    _inspection(alpha, status="accepted", decided_at=T0)
    _inspection(alpha, status="rejected", decided_at=T0 + 24 * H)
    _inspection(beta, status="accepted", decided_at=T0)
    _inspection(beta, status="accepted", decided_at=T0 + 24 * H)
    _inspection(beta, status="overturned", decided_at=T0 + 48 * H)
    _inspection(alpha, status="accepted", decided_at=datetime(2026, 2, 1, tzinfo=CST))
    _inspection(alpha, status="draft", decided_at=None)

    # Delistings: A's product delisted, relisted and delisted again in Q2 (one product);
    # B's product delisted in Q1.
    product_a = ProductFactory(merchant=alpha)
    _listing_decision(product_a, to_state="delisted", at=T0)
    _listing_decision(product_a, to_state="listed", at=T0 + 24 * H)
    _listing_decision(product_a, to_state="delisted", at=T0 + 48 * H)
    _listing_decision(
        ProductFactory(merchant=beta), to_state="delisted", at=datetime(2026, 3, 1, tzinfo=CST)
    )

    # Sanctions: A warning; A restriction later shortened (the copy does not count);
    # B suspension in Q1.
    _sanction(alpha, kind="warning", starts_at=T0)
    original = _sanction(alpha, kind="sales_restriction", starts_at=T0 + 24 * H)
    _sanction(alpha, kind="sales_restriction", starts_at=T0 + 48 * H, replaces=original)
    _sanction(beta, kind="suspension", starts_at=datetime(2026, 3, 2, tzinfo=CST))

    # Violation points: A 12 (+6 withdrawn), B 3.
    _violation(alpha, points=12, occurred_at=T0)
    _violation(alpha, points=6, occurred_at=T0, status="withdrawn")
    _violation(beta, points=3, occurred_at=T0)

    # Reviews: A 5 and 4 (+ a folded 1), B 2; a 3 in Q1.
    _review(alpha, stars=5, at=T0)
    _review(alpha, stars=4, at=T0)
    _review(alpha, stars=1, at=T0, folded=True)
    _review(beta, stars=2, at=T0)
    _review(beta, stars=3, at=datetime(2026, 3, 3, tzinfo=CST))

    # Service ratings: A (5,5,5) and (3,3,3) → 4.0; B (4,4,1) → 3.0.
    _rating(alpha, (5, 5, 5), at=T0)
    _rating(alpha, (3, 3, 3), at=T0)
    _rating(beta, (4, 4, 1), at=T0)
    return {"alpha": alpha, "beta": beta}
