"""Case lists: the SLA-state filter returns exactly the matching cases (paused time does not
count), the other filters, keyset pages stable while cases are filed, and a number of
queries that does not grow with the page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.models import Priority
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CASES = "/api/v1/cases/"


def at(hours_ago):
    return time_machine.travel(NOW - timedelta(hours=hours_ago), tick=False)


@pytest.fixture
def clocks(agent, merchant_a, merchant_b):
    """One case per SLA situation, built through the engine at past instants."""
    made = {}
    with at(0):
        made["fresh"] = CaseFactory(merchant=merchant_a)
    with at(25):  # response due 24 h after filing, never answered
        made["response_late"] = CaseFactory(merchant=merchant_a)
    with at(19):  # response at risk from 18 h
        made["response_at_risk"] = CaseFactory(merchant=merchant_b)
    with at(60):
        made["paused"] = CaseFactory(merchant=merchant_b)
    with at(50):
        services.assign(case=made["paused"], to=agent)
        # Waiting for the consumer since 10 h after filing: the clock stood still since.
        services.ask_consumer(case=made["paused"], by=agent, question="Photo?")
    with at(80):
        made["resolved_late"] = CaseFactory(merchant=merchant_a)
        made["resolved_on_time"] = CaseFactory(merchant=merchant_a)
    with at(79):
        services.assign(case=made["resolved_on_time"], to=agent)
        services.respond(case=made["resolved_on_time"], by=agent, text="On it.")
    with at(70):
        services.resolve(case=made["resolved_on_time"], by=agent, outcome="refund")
    with at(5):
        services.assign(case=made["resolved_late"], to=agent)
        services.resolve(case=made["resolved_late"], by=agent, outcome="refund")
    with at(50):
        made["merchant_late"] = CaseFactory(merchant=merchant_b)
    with at(49):
        services.assign(case=made["merchant_late"], to=agent)
        services.respond(case=made["merchant_late"], by=agent, text="Asking the shop.")
        services.ask_merchant(case=made["merchant_late"], by=agent, question="Batch?")
    return made


def ids(client, query=""):
    rows = client.get(f"{CASES}?page_size=200&{query}").json()["results"]
    return {row["id"] for row in rows}


def named(clocks, *names):
    return {clocks[name].pk for name in names}


def test_the_sla_filter_returns_exactly_the_cases_in_that_state(api, agent, clocks):
    client = api(agent)
    with time_machine.travel(NOW, tick=False):
        assert ids(client, "sla=breached") == named(
            clocks, "response_late", "resolved_late", "merchant_late"
        )
        assert ids(client, "sla=response_breached") == named(
            clocks, "response_late", "resolved_late"
        )
        assert ids(client, "sla=resolution_breached") == named(clocks, "resolved_late")
        assert ids(client, "sla=merchant_answer_breached") == named(clocks, "merchant_late")
        assert ids(client, "sla=at_risk") == named(clocks, "response_at_risk")
        assert ids(client, "sla=on_time") == named(clocks, "fresh", "paused", "resolved_on_time")
        states = {row["id"]: row["sla_state"] for row in client.get(CASES).json()["results"]}
    expected = {
        "breached": ["response_late", "resolved_late", "merchant_late"],
        "at_risk": ["response_at_risk"],
        "on_time": ["fresh"],
        "paused": ["paused"],  # one meaning everywhere: complaints.sla_state
        "stopped": ["resolved_on_time"],
    }
    assert states == {clocks[n].pk: state for state, names in expected.items() for n in names}
    assert client.get(f"{CASES}?sla=nonsense").status_code == 400


def test_a_paused_case_turns_at_risk_only_once_the_consumer_replies(api, agent, clocks):
    paused = clocks["paused"]
    with time_machine.travel(NOW, tick=False):
        services.consumer_replied(case=paused, text="Here it is.")
    # Resumed at NOW with 10 h of 72 h used: at risk from 54 h, i.e. 44 h after resuming.
    with time_machine.travel(NOW + timedelta(hours=43), tick=False):
        assert paused.pk not in ids(api(agent), "sla=at_risk")
    with time_machine.travel(NOW + timedelta(hours=45), tick=False):
        assert paused.pk in ids(api(agent), "sla=at_risk")


def test_filters_by_status_merchant_kind_priority_assignee_and_dates(
    api, agent, clocks, merchant_a, merchant_b
):
    client = api(agent)
    with time_machine.travel(NOW, tick=False):
        assert ids(client, f"merchant={merchant_b.pk}") == named(
            clocks, "response_at_risk", "paused", "merchant_late"
        )
        assert ids(client, "status=resolved") == named(clocks, "resolved_late", "resolved_on_time")
        assert ids(client, "status=new&status=awaiting_merchant") == named(
            clocks, "fresh", "response_late", "response_at_risk", "merchant_late"
        )
        assert ids(client, "open=false") == named(clocks, "resolved_late", "resolved_on_time")
        assert ids(client, f"assignee={agent.pk}&status=awaiting_consumer") == named(
            clocks, "paused"
        )
        assert ids(client, "unassigned=true") == named(
            clocks, "fresh", "response_late", "response_at_risk"
        )
        assert ids(client, "kind=ad_report") == set()
        assert ids(client, f"priority={Priority.NORMAL}") == set(ids(client))
        after = (NOW - timedelta(hours=24)).isoformat().replace("+00:00", "Z")
        assert ids(client, f"created_after={after}") == named(clocks, "fresh", "response_at_risk")
        due_before = (NOW + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        assert ids(client, f"response_due_before={due_before}") == named(
            clocks,
            "response_late",
            "paused",
            "resolved_late",
            "resolved_on_time",
            "merchant_late",
        )


def test_ordering_by_next_deadline_lists_open_cases_nearest_first(api, agent, clocks):
    with time_machine.travel(NOW, tick=False):
        rows = api(agent).get(f"{CASES}?ordering=next_deadline").json()["results"]
    deadlines = [row["next_deadline"] for row in rows]
    assert deadlines == sorted(deadlines)
    assert {row["id"] for row in rows} == named(
        clocks, "fresh", "response_late", "response_at_risk", "paused", "merchant_late"
    )
    # The merchant's answer (due 25 h after filing) is that case's nearest deadline.
    merchant_late = next(row for row in rows if row["id"] == clocks["merchant_late"].pk)
    assert merchant_late["next_deadline"] == merchant_late["merchant_answer_due_at"]


def walk(client, url):
    """Every page of a cursor-paginated list, following `next`."""
    pages = []
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
    return pages


def test_cursor_pages_stay_stable_while_cases_are_filed(api, agent, merchant_a):
    cases = []
    for hour in range(7):
        with at(10 - hour):
            cases.append(CaseFactory(merchant=merchant_a))
    newest_first = [case.pk for case in reversed(cases)]
    client = api(agent)
    first = client.get(f"{CASES}?page_size=3").json()
    assert [row["id"] for row in first["results"]] == newest_first[:3]
    assert "count" not in first
    with time_machine.travel(NOW, tick=False):
        CaseFactory(merchant=merchant_a)
        CaseFactory(merchant=merchant_a)
    rest = walk(client, first["next"])
    assert rest == [newest_first[3:6], newest_first[6:]]
    back = client.get(first["next"]).json()["previous"]
    assert back is not None


def test_cursor_pages_by_deadline_never_repeat_a_case(api, agent, merchant_a):
    # Cases filed in the same instant share their deadline: id orders the tie, so the
    # cursor's offset within it always counts the same rows.
    with at(3):
        for _ in range(5):
            CaseFactory(merchant=merchant_a)
    with at(2):
        for _ in range(2):
            CaseFactory(merchant=merchant_a)
    pages = walk(api(agent), f"{CASES}?ordering=next_deadline&page_size=2")
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)) == 7


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("reader", ["agent", "owner_a"])
def test_list_queries_do_not_grow_with_the_page(api, request, merchant_a, reader):
    user = request.getfixturevalue(reader)
    for _ in range(12):
        CaseFactory(merchant=merchant_a)
    url = CASES if reader == "agent" else "/api/v1/merchant-cases/"
    fresh = get_user_model().objects.get  # no role or membership cached between requests
    small = count_queries(api(fresh(pk=user.pk)), f"{url}?page_size=2")
    large = count_queries(api(fresh(pk=user.pk)), f"{url}?page_size=12")
    assert small[1] == 2 and large[1] == 12
    assert small[0] == large[0]


def test_list_query_count_is_pinned(api, agent, merchant_a, django_assert_num_queries):
    for _ in range(5):
        CaseFactory(merchant=merchant_a)
    client = api(get_user_model().objects.get(pk=agent.pk))
    # The department roles, the (absent) merchant membership, the page.
    with django_assert_num_queries(3):
        response = client.get(f"{CASES}?sla=breached&ordering=next_deadline")
    assert response.status_code == 200
