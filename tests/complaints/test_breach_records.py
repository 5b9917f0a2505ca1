"""Lasting breach facts (complaints.models.SLABreach): the sweep writes one per case, clock
and cycle at the clock's due instant, in the statement that raises the alert; a re-asked
merchant keeps its earlier breach; violation points, risk and probation read the records.
Dates are relative to the real date (any date works, see README)."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from complaints import services
from complaints.figures import MERCHANT_ANSWERS_SQL
from complaints.models import SLABreach, SLAClock, Target
from complaints.sweep import sweep
from core.models import Alert
from merchants.models import ViolationEntry
from tests.factories.complaints import CaseFactory
from tests.factories.merchants import MembershipFactory

pytestmark = pytest.mark.django_db

FILED = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=30)
# One per threshold (6), the savepoint and its release, the history switch off and on.
STATEMENTS = 6 + 2 + 2


def at(hours: float) -> datetime:
    return FILED + timedelta(hours=hours)


def travel(hours: float):
    return time_machine.travel(at(hours), tick=False)


def filed(n=1):
    with travel(0):
        return [CaseFactory() for _ in range(n)]


def breaches():
    return sorted(
        SLABreach.objects.values_list("case_id", "target", "cycle", "breached_at"),
        key=lambda row: (row[0], row[1], row[2]),
    )


def ask_merchant(case, agent, hours):
    with travel(hours):
        if case.first_responded_at is None:
            services.assign(case=case, to=agent)
            services.respond(case=case, by=agent, text="Asking the shop.")
        services.ask_merchant(case=case, by=agent, question="Batch number?")
    case.refresh_from_db()


def test_the_sweep_records_each_breach_once_at_the_due_instant_not_the_sweep_time():
    (case,) = filed()
    with travel(100):  # long after both deadlines
        sweep()
    case.refresh_from_db()
    assert breaches() == [
        (case.pk, Target.RESOLUTION, 0, case.resolution_due_at),
        (case.pk, Target.RESPONSE, 0, case.response_due_at),
    ]
    assert case.response_due_at == at(24)
    recorded = SLABreach.objects.get(target=Target.RESPONSE)
    assert recorded.created_at == at(100)
    # Rerun, and rerun after the clocks' stage was reset by hand: still one record each.
    with travel(101):
        sweep()
    SLAClock.objects.update(stage=0)
    with travel(102):
        sweep()
    assert SLABreach.objects.count() == 2


def test_a_re_asked_merchant_keeps_its_earlier_breach(agent):
    (case,) = filed()
    owner = MembershipFactory(merchant=case.merchant).user
    ask_merchant(case, agent, 1)
    first_due = case.merchant_answer_due_at
    with travel(26):
        sweep()
        services.merchant_answer(case=case, by=owner, text="Batch 7.")
    ask_merchant(case, agent, 27)
    with travel(30):
        sweep()  # the new request is on time: its clock restarted
    merchant = [b for b in breaches() if b[1] == Target.MERCHANT_ANSWER]
    assert merchant == [(case.pk, Target.MERCHANT_ANSWER, 1, first_due)]
    with travel(60):
        sweep()
    merchant = [b for b in breaches() if b[1] == Target.MERCHANT_ANSWER]
    assert merchant == [
        (case.pk, Target.MERCHANT_ANSWER, 1, first_due),
        (case.pk, Target.MERCHANT_ANSWER, 2, case.merchant_answer_due_at),
    ]
    # Risk and probation count the case as breached though the current clock restarted.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT merchant_id, breached FROM ({MERCHANT_ANSWERS_SQL}) AS a",  # noqa: S608
            {"now": at(30)},
        )
        assert cursor.fetchall() == [(case.merchant_id, True)]


def test_violation_points_read_the_breach_record_with_its_due_instant(agent):
    (case,) = filed()
    ask_merchant(case, agent, 1)
    with travel(40):
        sweep()
    # The alerts are only messages: without them the fact is still on record.
    Alert.objects.all().delete()
    with travel(41):
        assert services.record_merchant_breaches() == 1
        assert services.record_merchant_breaches() == 0
    entry = ViolationEntry.objects.get(merchant=case.merchant)
    assert entry.rule_code == "sla_breach_merchant"
    assert entry.occurred_at == case.merchant_answer_due_at == at(25)


def test_the_sweep_runs_the_same_statements_for_one_or_fifty_crossing_cases(
    django_assert_num_queries,
):
    filed(1)
    with travel(100), django_assert_num_queries(STATEMENTS):
        assert sweep().total == 4
    assert SLABreach.objects.count() == 2
    filed(50)
    with travel(100), django_assert_num_queries(STATEMENTS):
        assert sweep().total == 200
    assert SLABreach.objects.count() == 2 * 51


def test_the_migration_backfills_the_records_from_the_breach_alerts(agent):
    cases = filed(2)
    ask_merchant(cases[0], agent, 1)
    with travel(100):
        sweep()
    expected = breaches()
    assert len(expected) == 4  # one response (the other was answered), two resolutions, one
    # merchant answer
    SLABreach.objects.all().delete()
    migration = importlib.import_module("complaints.migrations.0011_sla_breach")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert breaches() == expected


def test_a_merchant_answer_met_late_between_sweeps_is_recorded_once_with_points_once(agent):
    (case,) = filed()
    owner = MembershipFactory(merchant=case.merchant).user
    ask_merchant(case, agent, 1)
    due = case.merchant_answer_due_at
    assert due == at(25)
    # No sweep runs between the deadline and the late answer.
    with travel(30):
        services.merchant_answer(case=case, by=owner, text="Batch 7, sorry for the delay.")
    assert [b for b in breaches() if b[1] == Target.MERCHANT_ANSWER] == [
        (case.pk, Target.MERCHANT_ANSWER, 1, due)
    ]
    assert SLABreach.objects.get(target=Target.MERCHANT_ANSWER).created_at == at(30)
    # The points follow the same path as the sweep's breaches, once.
    with travel(31):
        assert services.record_merchant_breaches() == 1
    # The sweep afterwards adds no record, no merchant alert and no second entry.
    with travel(32):
        sweep()
        assert services.record_merchant_breaches() == 0
    assert [b for b in breaches() if b[1] == Target.MERCHANT_ANSWER] == [
        (case.pk, Target.MERCHANT_ANSWER, 1, due)
    ]
    assert not Alert.objects.filter(key__contains="merchant_answer").exists()
    entry = ViolationEntry.objects.get(merchant=case.merchant)
    assert entry.occurred_at == due


def test_a_response_and_a_resolution_met_late_between_sweeps_are_recorded(agent):
    (case,) = filed()
    with travel(30):  # the first response, 6 h after its deadline, no sweep since filing
        services.assign(case=case, to=agent)
        services.respond(case=case, by=agent, text="Looking into it.")
    case.refresh_from_db()
    assert breaches() == [(case.pk, Target.RESPONSE, 0, at(24))]
    with travel(80):  # resolved 8 h after its deadline, still no sweep
        services.resolve(case=case, by=agent, outcome=case.Outcome.REJECTED, reason="No defect.")
    case.refresh_from_db()
    assert breaches() == [
        (case.pk, Target.RESOLUTION, 0, case.resolution_due_at),
        (case.pk, Target.RESPONSE, 0, at(24)),
    ]
    with travel(81):
        sweep()
    assert SLABreach.objects.count() == 2


def test_a_clock_met_on_time_records_nothing(agent):
    (case,) = filed()
    owner = MembershipFactory(merchant=case.merchant).user
    ask_merchant(case, agent, 1)
    with travel(20):
        services.merchant_answer(case=case, by=owner, text="Batch 7.")
    assert breaches() == []
