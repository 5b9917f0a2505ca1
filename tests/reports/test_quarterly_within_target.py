"""The quarterly "within target" shares read the breach records (complaints.models.SLABreach):
a target answered late is a miss even when no sweep ran in between, and a case that waited
for the consumer past its first deadline is judged on its pushed deadline, not a miss."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints import services
from complaints.models import SLABreach, Target
from complaints.sweep import sweep
from reports.services.figures import quarter_period, run_group
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db

FILED = datetime(2026, 4, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
AS_OF = datetime(2026, 7, 1, 2, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def agent(role_user):
    return role_user("consumer_service")


def travel(hours: float):
    return time_machine.travel(FILED + timedelta(hours=hours), tick=False)


def platform(as_of=AS_OF) -> dict:
    rows = run_group("cases", period=quarter_period(2026, 2), as_of=as_of)
    return next(row for row in rows if row["g_merchant"] == 1 and row["g_extra"] == 1)


def test_a_late_answer_is_a_miss_and_a_paused_case_is_not(agent):
    with travel(0):
        late, paused = CaseFactory(), CaseFactory()
    with travel(1):
        services.assign(case=late, to=agent)
        services.assign(case=paused, to=agent)
        # Asking the consumer answers them and stops the resolution clock for 100 hours.
        services.ask_consumer(case=paused, by=agent, question="A photo of the label?")
    # The late case: first answered 6 h after its deadline, resolved 7 h after its own;
    # no sweep ran between the deadlines and the answers.
    with travel(30):
        services.respond(case=late, by=agent, text="Looking into it.")
    with travel(79):
        services.resolve(case=late, by=agent, outcome="rejected", reason="No defect found.")
    with travel(80):
        sweep()  # the paused case's first 72 h have passed: it is not breached
    with travel(101):
        services.consumer_replied(case=paused, text="Here it is.")
    with travel(120):  # after the original 72 h, inside the deadline pushed by the pause
        services.resolve(case=paused, by=agent, outcome="rejected", reason="No defect found.")
    late.refresh_from_db()
    paused.refresh_from_db()
    assert sorted(SLABreach.objects.values_list("case_id", "target")) == [
        (late.pk, Target.RESOLUTION),
        (late.pk, Target.RESPONSE),
    ]
    assert paused.resolved_at > FILED + timedelta(hours=72)
    figures = platform()
    assert (figures["response_met"], figures["response_judged"]) == (1, 2)
    assert (figures["resolution_met"], figures["resolution_judged"]) == (1, 2)
    # Known only from the instant it happened: before the late answer, the breach was not
    # yet on record and the late case was still unanswered.
    before = platform(as_of=FILED + timedelta(hours=20))
    assert (before["response_met"], before["response_judged"]) == (1, 1)


def test_a_case_paused_past_its_first_deadline_is_not_judged_while_it_waits(agent):
    """At an instant when the consumer has not replied yet, the paused case's first 72 h
    are over, but its clock is paused (complaints.sla_state), not breached: the share leaves
    it out instead of counting it as a miss."""
    with travel(0):
        waiting = CaseFactory()
    with travel(1):
        services.assign(case=waiting, to=agent)
        services.respond(case=waiting, by=agent, text="Looking into it.")
        services.ask_consumer(case=waiting, by=agent, question="A photo of the label?")
    with travel(80):
        sweep()
    assert not SLABreach.objects.filter(case=waiting).exists()
    figures = platform(as_of=FILED + timedelta(hours=90))
    assert (figures["resolution_met"], figures["resolution_judged"]) == (0, 0)
    assert (figures["response_met"], figures["response_judged"]) == (1, 1)
