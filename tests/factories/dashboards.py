"""Fixture data for the reports app's dashboards: a small world with every figure kind on
hand-picked local days (Asia/Shanghai), and a helper for decided inspections."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from complaints.models import Case, CaseKind, CaseStatus, SLABreach, Target
from core import policies
from core.models import Category
from inspections.models import Inspection
from inspections.policies import SAMPLING
from products.models import StandardVersion
from tests.factories.complaints import CaseFactory
from tests.factories.core import CategoryFactory
from tests.factories.inspections import InspectionPlanFactory, PublishedVersionFactory
from tests.factories.merchants import MerchantFactory
from tests.factories.products import ProductFactory, QualityStandardFactory
from tests.factories.reviews import ProductReviewFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The world's "now": 10 March 2026, noon in Shanghai.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def make_case(
    *,
    merchant,
    product=None,
    filed: datetime,
    kind: str = CaseKind.COMPLAINT,
    responded: datetime | None = None,
    resolved: datetime | None = None,
    status: str = CaseStatus.ASSIGNED,
    outcome: str = "",
) -> Case:
    """A case filed through the service at `filed` (real 24 h / 72 h deadlines), then moved
    to the given answer, decision and status."""
    extra = {"advertised_claim": "The best kettle in China"} if kind == CaseKind.AD_REPORT else {}
    case = CaseFactory(
        kind=kind,
        merchant=merchant,
        product=product,
        received_at=filed,
        delivered_at=filed - timedelta(days=1),
        desired_remedy="",
        **extra,
    )
    Case.objects.filter(pk=case.pk).update(
        first_responded_at=responded,
        resolved_at=resolved,
        status=status,
        outcome=outcome,
        outcome_reason="Not supported by the evidence" if outcome == "rejected" else "",
    )
    case.refresh_from_db()
    return case


def make_decided_inspection(*, product, status: str, decided_at: datetime | None) -> Inspection:
    """An inspection lot with its verdict already given: what the dashboards count is the
    verdict and when, not how the samples went (the inspections tests cover that)."""
    return Inspection.objects.create(
        plan=InspectionPlanFactory(merchant=product.merchant),
        product=product,
        merchant=product.merchant,
        category=product.category,
        lot_size=500,
        batch="B-1",
        standard_version=StandardVersion.objects.filter(standard__category=product.category)
        .order_by("pk")
        .first()
        or PublishedVersionFactory(standard=QualityStandardFactory(category=product.category)),
        severity="normal",
        sampling_policy=policies.ensure_version(SAMPLING),
        sampling_plans={},
        sample_size=50,
        status=status,
        decided_at=decided_at,
    )


@dataclass
class DashboardWorld:
    home: Category
    kitchen: Category  # child of home
    food: Category
    cases: dict
    merchant: object


def build_dashboard_world() -> DashboardWorld:
    """Every figure kind on 1-10 March 2026 (Shanghai days), including a case filed at
    00:30 local (still the previous day in UTC), a paused case past its deadline, a case
    with no product, folded reviews and an overturned lot. The expected daily figures are
    written out by hand in tests/reports/test_dashboard_figures.py."""
    home = CategoryFactory(code="t-home", name_en="Home", name_zh="家居")
    kitchen = CategoryFactory(code="t-kitchen", name_en="Kitchen", name_zh="厨房", parent=home)
    food = CategoryFactory(code="t-food", name_en="Food", name_zh="食品")
    merchant = MerchantFactory(legal_name="Dashboard merchant", status="active")
    kettle = ProductFactory(merchant=merchant, category=kitchen, title="Kettle")
    rice = ProductFactory(merchant=merchant, category=food, title="Rice")
    cases = {
        # 8 March, kitchen: answered and resolved on time.
        "c1": make_case(
            merchant=merchant,
            product=kettle,
            filed=local(8, 10),
            responded=local(8, 20),
            resolved=local(9, 9),
            status=CaseStatus.RESOLVED,
            outcome="refund",
        ),
        # 8 March, kitchen: answered an hour late (9 March), still open.
        "c2": make_case(
            merchant=merchant, product=kettle, filed=local(8, 11), responded=local(9, 12)
        ),
        # 9 March 00:30 Shanghai = 8 March 16:30 UTC, food: never answered, response due
        # 10 March 00:30 (passed).
        "c3": make_case(merchant=merchant, product=rice, filed=local(9, 0, 30), status="new"),
        # 9 March, no product: answered and resolved on time.
        "c4": make_case(
            merchant=merchant,
            filed=local(9, 15),
            responded=local(9, 16),
            resolved=local(10, 10),
            status=CaseStatus.RESOLVED,
            outcome="refund",
        ),
        # 8 March, kitchen: waiting for the consumer past its response deadline (paused).
        "c5": make_case(
            merchant=merchant,
            product=kettle,
            filed=local(8, 8),
            status=CaseStatus.AWAITING_CONSUMER,
        ),
        # 1 March, food: answered on time, resolved late on 9 March (due 4 March).
        "c6": make_case(
            merchant=merchant,
            product=rice,
            filed=local(1, 9),
            responded=local(1, 10),
            resolved=local(9, 18),
            status=CaseStatus.RESOLVED,
            outcome="refund",
        ),
        # Ad reports filed 9 March, decided 10 March.
        "a1": make_case(
            merchant=merchant,
            product=kettle,
            kind=CaseKind.AD_REPORT,
            filed=local(9, 9),
            responded=local(9, 10),
            resolved=local(10, 9),
            status=CaseStatus.RESOLVED,
            outcome="substantiated",
        ),
        "a2": make_case(
            merchant=merchant,
            product=rice,
            kind=CaseKind.AD_REPORT,
            filed=local(9, 9),
            resolved=local(10, 9),
            status=CaseStatus.RESOLVED,
            outcome="rejected",
        ),
    }
    # The breaches the minute sweep recorded, each at its deadline: c2's first response
    # (answered an hour late), c3's (never answered) and c6's resolution. c5 was paused
    # before its deadline: judged at its pause, it is not breached.
    for name, target, due in [
        ("c2", Target.RESPONSE, "response_due_at"),
        ("c3", Target.RESPONSE, "response_due_at"),
        ("c6", Target.RESOLUTION, "resolution_due_at"),
    ]:
        case = cases[name]
        SLABreach.objects.create(case=case, target=target, breached_at=getattr(case, due))
    make_decided_inspection(product=kettle, status="accepted", decided_at=local(9, 14))
    make_decided_inspection(product=kettle, status="rejected", decided_at=local(9, 15))
    make_decided_inspection(product=rice, status="overturned", decided_at=local(10, 8))
    make_decided_inspection(product=rice, status="recorded", decided_at=None)
    ProductReviewFactory(purchase__product=kettle, stars=5, created_at=local(9, 10))
    ProductReviewFactory(purchase__product=kettle, stars=3, created_at=local(9, 11))
    ProductReviewFactory(
        purchase__product=rice,
        stars=4,
        created_at=local(10, 1),
        folded=True,
        fold_reason="Burst of reviews",
    )
    return DashboardWorld(home=home, kitchen=kitchen, food=food, cases=cases, merchant=merchant)
