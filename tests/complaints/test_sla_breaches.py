"""Breach records: the sweep writes one per (case, clock, cycle) with the alert, dated at the
clock's deadline; violation points, risk and probation read them, never the alerts or the
clock's current stage, so a merchant asked again keeps its earlier breach."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from complaints import services
from complaints.models import SLABreach, SLAClock, SweepStage
from complaints.sweep import sweep
from core.models import Alert
from merchants.models import ViolationEntry
from merchants.services import start_probation
from reports.models import RiskScore
from reports.services import probation as probation_review
from reports.services.risk import recompute_scores
from tests.factories.complaints import CaseFactory
from tests.factories.core import UserFactory
from tests.factories.merchants import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.external]

FILED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def at(hours: float):
    return time_machine.travel(FILED + timedelta(hours=hours), tick=False)


def breaches():
    return list(
        SLABreach.objects.order_by("target", "cycle").values_list(
            "target", "cycle", "due_at", "recorded_at"
        )
    )


@pytest.fixture
def case(agent):
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
    services.assign(case=case, to=agent)
    return case


def test_the_breach_is_recorded_at_the_deadline_not_when_the_sweep_saw_it(case):
    with at(20):
        sweep()  # response at risk: no breach yet
    assert breaches() == []
    with at(30):  # a sweep that comes six hours late (an outage)
        sweep()
    assert breaches() == [
        ("response", 0, FILED + timedelta(hours=24), FILED + timedelta(hours=30)),
    ]
    assert Alert.objects.filter(kind="sla_breached").count() == 1


def test_one_record_per_clock_and_cycle_even_when_the_stage_is_reset_by_hand(case):
    with at(30):
        sweep()
        SLAClock.objects.filter(case=case).update(stage=SweepStage.NONE)
        sweep()
    assert [(t, c) for t, c, *_ in breaches()] == [("response", 0)]


def test_a_paused_clock_records_nothing_and_its_pushed_deadline_counts_after(case, agent):
    with at(1):
        services.ask_consumer(case=case, by=agent, question="Order screenshot?")
    with at(100):
        sweep()
    assert breaches() == []
    with at(101):
        services.consumer_replied(case=case, text="Here it is")
    with at(173):  # resolution 72 h + 100 h paused = 172 h
        sweep()
    assert breaches() == [
        ("resolution", 0, FILED + timedelta(hours=172), FILED + timedelta(hours=173)),
    ]


def test_a_merchant_asked_again_keeps_its_earlier_breach(case, agent):
    owner = MembershipFactory(merchant=case.merchant).user
    with time_machine.travel(FILED - timedelta(days=10), tick=False):
        probation = start_probation(merchant=case.merchant, actor=None)
    with at(0.5):
        services.respond(case=case, by=agent, text="Asking the shop")
        services.ask_merchant(case=case, by=agent, question="Please explain")
    with at(25):
        sweep()  # the first request is breached (due 24.5 h)
    with at(26):
        services.merchant_answer(case=case, by=owner, text="Late, sorry")
    with at(27):
        services.ask_merchant(case=case, by=agent, question="And the invoice?")
    with at(28):
        services.merchant_answer(case=case, by=owner, text="Attached")
        sweep()
    # The clock restarted (cycle 2, stage reset): the breach of cycle 1 stays on record.
    clock = SLAClock.objects.get(case=case, target="merchant_answer")
    assert (clock.cycle, clock.stage) == (2, SweepStage.NONE)
    merchant_breaches = [b for b in breaches() if b[0] == "merchant_answer"]
    assert merchant_breaches == [
        ("merchant_answer", 1, FILED + timedelta(hours=24.5), FILED + timedelta(hours=25)),
    ]

    with at(29):
        assert services.record_merchant_breaches() == 1
        recompute_scores()
        _version, policy = probation_review._policy()
        (figures,) = probation_review.figures_for(
            now=FILED + timedelta(hours=29), policy=policy, probation_ids=[probation.pk]
        )
    entry = ViolationEntry.objects.get(merchant=case.merchant)
    assert entry.occurred_at == FILED + timedelta(hours=24.5)
    inputs = RiskScore.objects.get(merchant=case.merchant).factors["sla_breach_rate"]["inputs"]
    assert inputs == {"asked": 1, "breached": 1}
    assert (figures["asked"], figures["breached"]) == (1, 1)


def test_violation_points_read_the_breach_records_not_the_alerts(case, agent):
    with at(0.5):
        services.respond(case=case, by=agent, text="Asking the shop")
        services.ask_merchant(case=case, by=agent, question="Please explain")
    with at(25):
        sweep()
    Alert.objects.all().delete()  # alerts are messages; the fact is the breach record
    with at(26):
        assert services.record_merchant_breaches() == 1
        assert services.record_merchant_breaches() == 0
    [entry] = ViolationEntry.objects.filter(merchant=case.merchant)
    assert (entry.rule_code, entry.evidence) == ("sla_breach_merchant", case)


def test_the_case_page_and_the_admin_list_the_breach(case, agent, client):
    with at(30):
        sweep()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent)
    with at(31):
        page = client.get(f"/staff/complaints/{case.pk}/")
    [entry] = [e for e in page.context["timeline"] if e.kind == "breach"]
    assert entry.at == FILED + timedelta(hours=24)
    assert "Deadline missed: first response" in page.content.decode()

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:complaints_slabreach_changelist"))
    assert listing.status_code == 200 and case.reference in listing.content.decode()
    assert client.get(reverse("admin:complaints_slabreach_add")).status_code == 403


def test_a_clock_that_stops_late_before_any_sweep_still_leaves_its_breach(case, agent):
    with at(24 + 1 / 120):  # answered 30 s late, between two sweeps
        services.respond(case=case, by=agent, text="Sorry for the wait")
    with at(25):
        sweep()  # the response clock has stopped: nothing more for it
    assert breaches() == [
        ("response", 0, FILED + timedelta(hours=24), FILED + timedelta(hours=24, seconds=30)),
    ]
    assert not Alert.objects.filter(kind="sla_breached").exists()
