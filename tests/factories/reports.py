"""Data for the risk and probation tests: the figures the risk score reads, made directly
(purchases in bulk, cases through the complaints service, clocks, rating figures,
inspections with a verdict) so fixtures can be hand-computed."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from complaints.models import Case, CaseKind, SLABreach, SLAClock, SweepStage
from core import policies
from inspections.models import Inspection
from inspections.policies import SAMPLING
from merchants.models import ViolationRule
from merchants.services import record_violation
from reports.models import RiskScore, RiskScoreHistory
from reviews.models import MerchantRatingFigure, Purchase
from tests.factories.complaints import CaseFactory
from tests.factories.inspections import InspectionPlanFactory
from tests.factories.merchants import MerchantFactory
from tests.factories.products import ProductFactory, StandardVersionFactory
from tests.factories.standing import EvidenceFactory


def purchases(merchant, count: int, *, paid_at=None, product=None) -> None:
    """`count` orders (one line each) of the merchant, paid at `paid_at` (a day ago)."""
    product = product or ProductFactory(merchant=merchant)
    paid_at = paid_at or timezone.now() - timedelta(days=1)
    start = Purchase.objects.count()
    Purchase.objects.bulk_create(
        Purchase(
            order_number=f"R-{merchant.pk}-{start + i}",
            line=1,
            consumer=f"buyer{i}@shop.test",
            product=product,
            merchant=merchant,
            quantity=1,
            paid_at=paid_at,
            delivered_at=paid_at + timedelta(hours=1),
        )
        for i in range(count)
    )


def complaints(merchant, count: int, *, at=None, product=None, **fields):
    """`count` complaints filed at `at` (an hour ago) through the complaints service."""
    at = at or timezone.now() - timedelta(hours=1)
    return [
        CaseFactory(
            merchant=merchant,
            product=product,
            received_at=at,
            delivered_at=at - timedelta(days=1),
            desired_remedy="",
            **fields,
        )
        for _ in range(count)
    ]


def substantiated_ad_reports(merchant, count: int, *, at=None):
    cases = complaints(
        merchant,
        count,
        at=at,
        product=ProductFactory(merchant=merchant),
        kind=CaseKind.AD_REPORT,
        advertised_claim="The best kettle in China",
    )
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        outcome=Case.Outcome.SUBSTANTIATED, status="resolved", resolved_at=timezone.now()
    )
    return cases


def merchant_answer_clocks(cases, *, breached: int) -> None:
    """A merchant-answer clock on each case; the first `breached` of them breached (their
    breach on record, as the sweep writes it)."""
    now = timezone.now()
    SLAClock.objects.bulk_create(
        SLAClock(
            case=case,
            target="merchant_answer",
            due_at=now - timedelta(hours=1),
            at_risk_at=now - timedelta(hours=2),
            running=False,
            stage=SweepStage.BREACHED if i < breached else SweepStage.NONE,
        )
        for i, case in enumerate(cases)
    )
    # What the sweep records beside the alert: the breach, at the deadline.
    SLABreach.objects.bulk_create(
        SLABreach(
            case=case, target="merchant_answer", cycle=0, breached_at=now - timedelta(hours=1)
        )
        for case in cases[:breached]
    )


def rating_figure(merchant, *, overall: str, count: int, as_of=None):
    value = Decimal(overall)
    return MerchantRatingFigure.objects.create(
        merchant=merchant,
        as_of=as_of or timezone.localdate(),
        window_days=90,
        rating_count=count,
        description_accuracy_sum=int(value * count),
        service_attitude_sum=int(value * count),
        logistics_sum=int(value * count),
        description_accuracy=value,
        service_attitude=value,
        logistics=value,
        overall=value,
        computed_at=timezone.now(),
    )


def inspection(merchant, *, status: str, decided_at=None) -> Inspection:
    """A decided lot of one of the merchant's products."""
    product = ProductFactory(merchant=merchant)
    return Inspection.objects.create(
        plan=InspectionPlanFactory(merchant=merchant),
        product=product,
        merchant=merchant,
        category=product.category,
        lot_size=50,
        batch="B-1",
        standard_version=StandardVersionFactory(),
        severity="normal",
        sampling_policy=policies.ensure_version(SAMPLING),
        sampling_plans={},
        sample_size=8,
        status=status,
        decided_at=decided_at or timezone.now() - timedelta(days=1),
    )


def serious_violation(merchant, *, severity: str = "severe", at=None):
    rule, _created = ViolationRule.objects.get_or_create(
        code=f"test-{severity}",
        version=1,
        defaults={
            "title_zh": "测试违规",
            "title_en": "Test violation",
            "points": 6,
            "severity": severity,
            "effective_from": timezone.now() - timedelta(days=400),
        },
    )
    return record_violation(
        merchant=merchant,
        rule_code=rule.code,
        evidence=EvidenceFactory(),
        occurred_at=at or timezone.now() - timedelta(days=2),
    )


class RiskScoreFactory(factory.django.DjangoModelFactory):
    """A stored score (for page and API tests that need no recompute)."""

    class Meta:
        model = RiskScore

    merchant = factory.SubFactory(MerchantFactory)
    score = Decimal("25.33")
    tier = "low"
    factors = factory.LazyFunction(
        lambda: {
            "complaint_rate": {
                "value": 20.0,
                "severity": 0.4,
                "weight": 30.0,
                "points": 12.0,
                "inputs": {"complaints": 2, "orders": 100, "min_orders": 100},
            },
            "rating": {
                "value": 3.5,
                "severity": 0.6667,
                "weight": 20.0,
                "points": 13.33,
                "inputs": {"ratings": 30},
            },
        }
    )
    policy_version = factory.LazyFunction(lambda: policies.ensure_version("reports.risk_score"))
    computed_at = factory.LazyFunction(timezone.now)
    tier_changed_at = factory.LazyFunction(timezone.now)


class RiskScoreHistoryFactory(factory.django.DjangoModelFactory):
    """A past score (for page and API tests that need no recompute)."""

    class Meta:
        model = RiskScoreHistory

    merchant = factory.SubFactory(MerchantFactory)
    score = Decimal("25.33")
    tier = "low"
    factors = factory.LazyFunction(lambda: RiskScoreFactory.factors.function())
    policy_version = factory.LazyFunction(lambda: policies.ensure_version("reports.risk_score"))
    computed_at = factory.LazyFunction(timezone.now)
