"""The minute sweep: each alert once, escalation, paused cases silent, constant SQL."""

import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection

from complaints import services
from complaints.models import Case, Priority
from complaints.sweep import sweep
from complaints.tasks import sweep_sla
from core.alerts import raise_alerts_from_select
from core.audit import decisions_for
from core.models import Alert
from merchants.models import ViolationEntry
from merchants.services import current_points
from tests.factories.complaints import CaseFactory
from tests.factories.core import UserFactory
from tests.factories.merchants import MembershipFactory

# Also run against the machine's own PostgreSQL/Redis in CI (the SLA sweep).
pytestmark = pytest.mark.external

FILED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# One per threshold (6), the savepoint and its release, the history switch off and on.
STATEMENTS = 6 + 2 + 2


def at(hours: float, seconds: int = 0):
    return time_machine.travel(FILED + timedelta(hours=hours, seconds=seconds), tick=False)


def keys():
    return sorted(Alert.objects.values_list("key", flat=True))


def filed(n=1, **kwargs):
    with time_machine.travel(FILED, tick=False):
        return [CaseFactory(**kwargs) for _ in range(n)]


@pytest.mark.django_db
def test_nothing_is_raised_one_second_before_the_at_risk_instant(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(18, -1):
        assert sweep().total == 0
    with at(18):
        result = sweep()
    assert result.raised["response_at_risk"] == 1
    alert = Alert.objects.get()
    assert alert.key == f"sla_at_risk:response:case:{case.pk}:{case.policy_id}"
    assert alert.recipient_user == agent
    assert alert.payload["case"] == case.reference


@pytest.mark.django_db
def test_breach_at_exactly_24_hours_alerts_the_supervisors_and_escalates(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(24, -1):
        sweep()
    case.refresh_from_db()
    assert not case.escalated
    with at(24):
        sweep()
    case.refresh_from_db()
    breach = Alert.objects.get(kind="sla_breached")
    assert breach.key == f"sla_breached:response:case:{case.pk}:{case.policy_id}"
    assert breach.recipient_group == Group.objects.get(name="consumer_service")
    assert breach.recipient_user is None
    assert case.escalated and case.escalated_at == FILED + timedelta(hours=24)
    assert case.priority == Priority.HIGH
    escalation = [d for d in decisions_for(case) if d.action == "escalate"]
    assert len(escalation) == 1
    assert escalation[0].actor_label == "system:sla-sweep"
    assert escalation[0].data["target"] == "response"


@pytest.mark.django_db
def test_each_alert_is_raised_once_when_the_sweep_runs_twice(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(80):
        first = sweep()
        second = sweep()
    assert first.total == 4  # response and resolution, at risk and breached
    assert second.total == 0
    assert len(keys()) == 4
    case.refresh_from_db()
    # Two breaches, two escalations: Normal → High → Urgent.
    assert case.priority == Priority.URGENT
    assert [d.action for d in decisions_for(case)].count("escalate") == 2


@pytest.mark.django_db
def test_an_unassigned_case_at_risk_warns_the_team():
    filed()
    with at(18):
        sweep()
    alert = Alert.objects.get()
    assert alert.recipient_user is None
    assert alert.recipient_group.name == "consumer_service"


@pytest.mark.django_db
def test_a_paused_case_never_alerts(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(1):
        services.ask_consumer(case=case, by=agent, question="Order screenshot?")
    with at(100):
        assert sweep().total == 0
    assert not Alert.objects.exists()
    case.refresh_from_db()
    assert not case.escalated


@pytest.mark.django_db
def test_after_a_pause_the_alerts_come_later_by_the_paused_time(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(1):
        services.ask_consumer(case=case, by=agent, question="Order screenshot?")
    with at(11):
        services.consumer_replied(case=case, text="Here it is")
    # Resolution at risk at 54 h + 10 h paused = 64 h.
    with at(64, -1):
        sweep()
    assert not Alert.objects.filter(key__contains=":resolution:").exists()
    with at(64):
        sweep()
    assert Alert.objects.filter(key__contains="sla_at_risk:resolution:").count() == 1


@pytest.mark.django_db
def test_a_responded_or_resolved_case_does_not_alert(agent):
    responded, resolved = filed(2)
    for case in (responded, resolved):
        services.assign(case=case, to=agent)
    with at(1):
        services.respond(case=responded, by=agent, text="We are on it")
        services.resolve(case=resolved, by=agent, outcome="refund")
    with at(60):
        sweep()
    assert keys() == [f"sla_at_risk:resolution:case:{responded.pk}:{responded.policy_id}"]


@pytest.mark.django_db
def test_merchant_answer_deadline_alerts_and_escalates(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(0.5):
        services.respond(case=case, by=agent, text="Asking the shop")
        services.ask_merchant(case=case, by=agent, question="Please explain")
    with at(24.5):
        sweep()
    suffix = f"case:{case.pk}:{case.policy_id}:1"
    assert set(
        Alert.objects.filter(key__startswith="sla_", key__contains="merchant_answer").values_list(
            "key", flat=True
        )
    ) == {
        f"sla_at_risk:merchant_answer:{suffix}",
        f"sla_breached:merchant_answer:{suffix}",
    }
    case.refresh_from_db()
    assert case.escalated


@pytest.mark.django_db
def test_a_merchant_answer_breach_counts_against_the_merchant_once(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(0.5):
        services.respond(case=case, by=agent, text="Asking the shop")
        services.ask_merchant(case=case, by=agent, question="Please explain")
    with at(24.5):
        sweep_sla()
        sweep_sla()
    [entry] = ViolationEntry.objects.filter(merchant=case.merchant)
    assert (entry.rule_code, entry.evidence) == ("sla_breach_merchant", case)
    assert current_points(case.merchant, at=FILED + timedelta(hours=24.5)) == entry.points
    assert services.record_merchant_breaches() == 0


@pytest.mark.django_db
def test_a_merchant_who_answers_in_time_raises_nothing(agent):
    (case,) = filed()
    owner = MembershipFactory(merchant=case.merchant).user
    services.assign(case=case, to=agent)
    with at(0.5):
        services.respond(case=case, by=agent, text="Asking the shop")
        services.ask_merchant(case=case, by=agent, question="Please explain")
    with at(10):
        services.merchant_answer(case=case, by=owner, text="We will refund")
    with at(30):
        sweep()
    assert not Alert.objects.filter(key__contains="merchant_answer").exists()


@pytest.mark.django_db
def test_a_reopened_case_gets_new_resolution_alerts(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(60):
        sweep()  # resolution at risk (54 h)
        services.resolve(case=case, by=agent, outcome="refund")
    with at(61):
        services.reopen(case=case, reason="Refund never arrived")
    with at(61 + 54):
        sweep()
    resolution_keys = [k for k in keys() if "sla_at_risk:resolution" in k]
    assert resolution_keys == [
        f"sla_at_risk:resolution:case:{case.pk}:{case.policy_id}",
        f"sla_at_risk:resolution:case:{case.pk}:{case.policy_id}:reopen1",
    ]


@pytest.mark.django_db
def test_sweep_uses_the_same_number_of_statements_however_many_cases_cross(
    django_assert_num_queries,
):
    filed(1)
    with at(100), django_assert_num_queries(STATEMENTS):
        assert sweep().total == 4
    filed(25)
    with at(100), django_assert_num_queries(STATEMENTS):
        assert sweep().total == 100


@pytest.mark.django_db
def test_the_celery_task_runs_the_sweep(agent):
    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(18):
        assert sweep_sla.delay().get() == 1
    assert Alert.objects.filter(recipient_user=agent).count() == 1


def test_the_sweep_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["complaints.sweep-sla"]
    assert entry["task"] == "complaints.tasks.sweep_sla"
    assert entry["schedule"] == 60.0
    assert sweep_sla.acks_late


@pytest.mark.django_db(transaction=True)
def test_breach_alert_is_raised_once_when_two_sweeps_overlap():
    UserFactory()  # the sweep needs nothing else
    cases = filed(30)
    barrier = threading.Barrier(2)
    totals = []
    errors = []

    def run():
        try:
            barrier.wait(5)
            with at(100):
                totals.append(sweep().total)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(totals) == 4 * len(cases)
    assert Alert.objects.count() == 4 * len(cases)
    assert Alert.objects.values("key").distinct().count() == 4 * len(cases)
    priorities = set(Case.objects.values_list("priority", flat=True))
    assert priorities == {Priority.URGENT}  # escalated exactly twice each, not four times


@pytest.mark.django_db
def test_row_history_still_records_case_changes_after_a_sweep_in_the_same_transaction(agent):
    (case,) = filed()
    with at(18):
        sweep()
    events_before = case.events.count()
    services.assign(case=case, to=agent)
    assert case.events.count() == events_before + 1


PLANNER = ("jit", "enable_hashjoin", "enable_mergejoin")


def _planner_settings() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(PLANNER)), list(PLANNER))
        return dict(zip(PLANNER, cursor.fetchone(), strict=True))


@pytest.mark.django_db
def test_the_sweep_statements_run_without_jit_hash_or_merge_joins(agent):
    # Every sweep statement is driven by the few due clocks and reaches cases by primary
    # key; a hash join read the whole case table to lock 2,500 rows on the bench.
    seen = []

    def spy(*args, **kwargs):
        seen.append(_planner_settings())
        return raise_alerts_from_select(*args, **kwargs)

    (case,) = filed()
    services.assign(case=case, to=agent)
    with at(100), mock.patch("complaints.sweep.raise_alerts_from_select", side_effect=spy):
        assert sweep().total == 4
    assert len(seen) == 6
    assert all(s == dict.fromkeys(PLANNER, "off") for s in seen)


@pytest.mark.django_db
def test_the_sweep_leaves_the_callers_planner_settings_as_they_were():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_mergejoin = off")
    before = _planner_settings()
    assert before["enable_hashjoin"] == "on"
    filed()
    with at(100):
        sweep()
    assert _planner_settings() == before
