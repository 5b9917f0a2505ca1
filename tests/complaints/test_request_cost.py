"""The busiest pages cost the same number of statements for 1 row as for 20: no query per
row (issue 21, request cost). Each page is fetched once to warm per-process caches, then
counted with one case and again with twenty."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services
from tests.factories.complaints import CaseFactory
from tests.factories.products import ProductFactory


def _statements(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), [q["sql"] for q in queries.captured_queries]


def _cases(count, merchant, agent):
    """`count` cases of the merchant assigned to the agent and `count` unassigned (so every
    queue lists `count` rows), every other one about a product."""
    for n in range(2 * count):
        product = ProductFactory(merchant=merchant) if n % 4 < 2 else None
        case = CaseFactory(merchant=merchant, product=product)
        if n % 2 == 1:
            services.assign(case=case, to=agent, by=agent)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("agent", "/staff/complaints/"),
        ("agent", "/staff/complaints/queue/mine/"),
        ("agent", "/staff/complaints/queue/unassigned/"),
        ("owner", "/merchant/complaints/"),
        ("owner", "/merchant/"),
    ],
)
def test_a_busy_page_costs_as_many_statements_for_20_cases_as_for_1(
    client, who, url, agent, owner_a, merchant_a
):
    client.force_login(agent if who == "agent" else owner_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _cases(1, merchant_a, agent)
    client.get(url)
    one, _ = _statements(client, url)
    _cases(19, merchant_a, agent)
    twenty, sql = _statements(client, url)
    assert twenty == one, "\n".join(sql)
