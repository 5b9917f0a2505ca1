"""Consumer Service queues: nearest deadline first, visible clocks, filters, who may see."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from complaints import selectors, services
from complaints.models import Case
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db

FILED = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def references(response) -> list[str]:
    return [case.reference for case, _clock in response.context["rows"]]


def test_the_team_queue_sorts_open_cases_by_their_nearest_running_deadline(
    client_for, agent, merchant_a
):
    with time_machine.travel(FILED, tick=False):
        oldest = CaseFactory(merchant=merchant_a)  # response due FILED + 24 h
    with time_machine.travel(FILED + timedelta(hours=1), tick=False):
        answered = CaseFactory(merchant=merchant_a)
        services.assign(case=answered, to=agent)
        services.respond(case=answered, by=agent, text="On it")  # only resolution (+72 h)
        merchant_soon = CaseFactory(merchant=merchant_a)
        services.assign(case=merchant_soon, to=agent)
        services.respond(case=merchant_soon, by=agent, text="Asking the shop")
        services.ask_merchant(case=merchant_soon, by=agent, question="Batch?")  # +24 h
    with time_machine.travel(FILED + timedelta(hours=2), tick=False):
        newest = CaseFactory(merchant=merchant_a)  # response due FILED + 26 h
        done = CaseFactory(merchant=merchant_a)
        services.assign(case=done, to=agent)
        services.resolve(case=done, by=agent, outcome="refund")

    with time_machine.travel(FILED + timedelta(hours=3), tick=False):
        page = client_for(agent).get("/staff/complaints/")
    assert page.status_code == 200
    # 24 h, 25 h (merchant answer), 26 h, then 73 h; the resolved case is not in a queue.
    assert references(page) == [
        oldest.reference,
        merchant_soon.reference,
        newest.reference,
        answered.reference,
    ]
    clock = dict(page.context["rows"])[Case.objects.get(pk=merchant_soon.pk)]
    assert clock.target == "merchant_answer"


def test_clocks_turn_at_risk_at_75_percent_and_breached_at_the_deadline(client_for, agent):
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
    at = {
        "ok": FILED + timedelta(hours=17, minutes=59),
        "at-risk": FILED + timedelta(hours=18),  # 75 % of 24 h
        "breached": FILED + timedelta(hours=24),
    }
    for state, moment in at.items():
        assert selectors.next_clock(case, moment).state == state
        with time_machine.travel(moment, tick=False):
            html = client_for(agent).get("/staff/complaints/").content.decode()
        assert f'class="clock {state}"' in html
        assert 'data-due="2026-11-24T09:00:00+08:00"' in html  # shown in Asia/Shanghai


def test_a_paused_case_shows_a_paused_clock_and_a_met_target_is_not_running(agent):
    with time_machine.travel(FILED, tick=False):
        case = CaseFactory()
        services.assign(case=case, to=agent)
        services.ask_consumer(case=case, by=agent, question="A photo, please?")
    case.refresh_from_db()
    states = {c.target: c.state for c in selectors.clocks_for(case, FILED + timedelta(hours=20))}
    assert states == {"response": "met", "resolution": "paused"}
    assert selectors.next_clock(case, FILED + timedelta(hours=20)).state == "paused"


def test_filters_and_the_mine_unassigned_and_supervisor_queues(
    client_for, agent, role_user, merchant_a, merchant_b
):
    other = role_user("consumer_service")
    with time_machine.travel(FILED, tick=False):
        late = CaseFactory(merchant=merchant_a)
        services.assign(case=late, to=other)
    with time_machine.travel(FILED + timedelta(hours=20), tick=False):
        mine = CaseFactory(merchant=merchant_b)
        services.assign(case=mine, to=agent)
        unassigned = CaseFactory(merchant=merchant_b)
        services.escalate(case=mine, by=agent, reason="Consumer threatens to go to the press")
    client = client_for(agent)
    with time_machine.travel(FILED + timedelta(hours=25), tick=False):
        assert references(client.get("/staff/complaints/?clock=breached")) == [late.reference]
        assert references(client.get("/staff/complaints/?clock=ok")) == [
            mine.reference,
            unassigned.reference,
        ]
        assert references(client.get("/staff/complaints/queue/mine/")) == [mine.reference]
        assert references(client.get("/staff/complaints/queue/unassigned/")) == [
            unassigned.reference
        ]
        escalated = client.get("/staff/complaints/queue/escalated/")
        assert references(escalated) == [mine.reference]
        assert escalated.context["my_count"] == 1
        assert references(client.get(f"/staff/complaints/?assignee={other.pk}")) == [late.reference]
        assert references(client.get(f"/staff/complaints/?q={late.order_number}")) == [
            late.reference
        ]
        assert client.get("/staff/complaints/queue/nonsense/").status_code == 404


def test_the_queue_pages_without_counting_the_whole_table(client_for, agent, merchant_a):
    for _ in range(3):
        CaseFactory(merchant=merchant_a)
    from complaints.views import staff

    original = staff.PAGE_SIZE
    staff.PAGE_SIZE = 2
    try:
        first = client_for(agent).get("/staff/complaints/")
        second = client_for(agent).get("/staff/complaints/?page=2")
    finally:
        staff.PAGE_SIZE = original
    assert (len(first.context["rows"]), first.context["has_next"]) == (2, True)
    assert (len(second.context["rows"]), second.context["has_next"]) == (1, False)


def test_staff_pages_are_for_consumer_service_and_quality_managers_only(
    client, client_for, role_user, owner_a, merchant_a
):
    case = CaseFactory(merchant=merchant_a)
    anonymous = client.get("/staff/complaints/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(owner_a).get("/staff/complaints/").status_code == 403
    assert client_for(owner_a).get(f"/staff/complaints/{case.pk}/").status_code == 403
    analyst = role_user("data_analysis")
    assert client_for(analyst).get("/staff/complaints/").status_code == 403

    manager = role_user("quality_manager")
    client = client_for(manager)
    assert client.get("/staff/complaints/queue/escalated/").status_code == 200
    page = client.get(f"/staff/complaints/{case.pk}/")
    assert page.status_code == 200
    assert page.context["forms"] == {}  # reads, does not work the case
    response = client.post(
        f"/staff/complaints/{case.pk}/escalate/", {"escalate-reason": "Looks serious"}
    )
    assert response.status_code == 403
    assert client.post("/staff/complaints/assign/", {"cases": [case.pk]}).status_code == 403
    case.refresh_from_db()
    assert not case.escalated and case.assignee is None


def test_the_demo_gives_the_supervisor_queue_an_escalated_case_with_a_merchant_proposal():
    from complaints import demo as complaints_demo
    from core import demo as core_demo
    from merchants import demo as merchants_demo

    for module in (core_demo, merchants_demo, complaints_demo):
        module.seed(lambda line: None)
    [case] = Case.objects.filter(escalated=True)
    assert case.status == "awaiting_merchant"
    [proposal] = selectors.proposals_for(case)
    assert proposal.data["outcome"] == Case.Outcome.COMPENSATION
