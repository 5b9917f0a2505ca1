"""Bulk assignment: one set-based service call, a decision per case, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.models import Case
from core.audit import decisions_for
from core.exceptions import DomainError
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db


def test_bulk_assign_to_an_agent_assigns_new_cases_and_reassigns_open_ones(
    agent, role_user, merchant_a
):
    other = role_user("consumer_service")
    new = CaseFactory(merchant=merchant_a)
    theirs = CaseFactory(merchant=merchant_a)
    services.assign(case=theirs, to=other)
    resolved = CaseFactory(merchant=merchant_a)
    services.assign(case=resolved, to=other)
    services.resolve(case=resolved, by=other, outcome="refund")

    count = services.bulk_assign(case_ids=[new.pk, theirs.pk, resolved.pk], to=agent, by=agent)

    assert count == 2
    new.refresh_from_db()
    theirs.refresh_from_db()
    resolved.refresh_from_db()
    assert (new.status, new.assignee) == ("assigned", agent)
    assert (theirs.status, theirs.assignee) == ("assigned", agent)
    assert (resolved.status, resolved.assignee) == ("resolved", other)  # left alone
    assign = decisions_for(new).get(action="assign")
    assert (assign.from_state, assign.to_state, assign.actor) == ("new", "assigned", agent)
    assert assign.data == {"assignee": agent.pk, "previous": None, "bulk": True}
    reassign = decisions_for(theirs).filter(action="reassign").get()
    assert reassign.data["previous"] == other.pk
    assert not decisions_for(resolved).filter(action="reassign").exists()


def _statements(cases, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.bulk_assign(case_ids=[c.pk for c in cases], **kwargs)
    return len(queries)


@pytest.mark.parametrize("strategy", ["least_load", "round_robin"])
def test_bulk_assign_costs_the_same_queries_for_3_or_30_cases(
    agent, role_user, merchant_a, strategy, django_assert_num_queries
):
    role_user("consumer_service")
    few = [CaseFactory(merchant=merchant_a) for _ in range(3)]
    many = [CaseFactory(merchant=merchant_a) for _ in range(30)]
    expected = _statements(few, by=agent, strategy=strategy)
    # savepoint, advisory lock, agents, the UPDATE, the decisions INSERT, release: no
    # statement per case.
    assert expected <= 7
    with django_assert_num_queries(expected):
        services.bulk_assign(case_ids=[c.pk for c in many], by=agent, strategy=strategy)
    assert Case.objects.filter(assignee__isnull=False).count() == 33


def test_automatic_bulk_assign_spreads_by_least_load(agent, role_user, merchant_a):
    busy = role_user("consumer_service")
    idle = role_user("consumer_service")
    for _ in range(3):
        services.assign(case=CaseFactory(merchant=merchant_a), to=busy)
    services.assign(case=CaseFactory(merchant=merchant_a), to=agent)
    new = [CaseFactory(merchant=merchant_a) for _ in range(5)]

    services.bulk_assign(case_ids=[c.pk for c in new], by=agent, strategy="least_load")

    load = {
        user.pk: Case.objects.filter(assignee=user, status="assigned").count()
        for user in (agent, busy, idle)
    }
    # idle 0 -> 3, agent 1 -> 3, busy stays 3: everyone ends level.
    assert load == {agent.pk: 3, busy.pk: 3, idle.pk: 3}
    strategy = decisions_for(new[0]).get(action="assign").data["strategy"]
    assert strategy == "least_load"


def test_bulk_assign_refuses_someone_outside_consumer_service(merchant_a, role_user, agent):
    case = CaseFactory(merchant=merchant_a)
    analyst = role_user("data_analysis")
    with pytest.raises(DomainError):
        services.bulk_assign(case_ids=[case.pk], to=analyst, by=agent)
    with pytest.raises(DomainError):
        services.bulk_assign(case_ids=[], to=agent, by=agent)
    case.refresh_from_db()
    assert case.assignee is None


def test_bulk_assign_from_the_queue_page(client, agent, merchant_a):
    cases = [CaseFactory(merchant=merchant_a) for _ in range(3)]
    client.force_login(agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        "/staff/complaints/assign/",
        {
            "cases": [c.pk for c in cases[:2]],
            "agent": agent.pk,
            "strategy": "least_load",
            "next": "/staff/complaints/queue/unassigned/",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/staff/complaints/queue/unassigned/"
    assert "2 cases assigned." in response.content.decode()
    assert [c.reference for c, _clock in response.context["rows"]] == [cases[2].reference]

    nothing = client.post("/staff/complaints/assign/", {"strategy": "least_load"}, follow=True)
    assert "Select cases." in nothing.content.decode()
    outside = client.post(
        "/staff/complaints/assign/",
        {"cases": [cases[2].pk], "strategy": "least_load", "next": "https://evil.example/"},
    )
    assert outside["Location"] == "/staff/complaints/"


def test_the_admin_assign_action_uses_the_one_set_based_call(client, agent, merchant_a):
    cases = [CaseFactory(merchant=merchant_a) for _ in range(3)]
    client.force_login(agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        "/admin/complaints/case/",
        {"action": "assign_round_robin", "_selected_action": [c.pk for c in cases]},
        follow=True,
    )
    assert "3 cases assigned." in response.content.decode()
    assert Case.objects.filter(assignee=agent, status="assigned").count() == 3
    assert all(decisions_for(c).filter(action="assign", actor=agent).exists() for c in cases)
