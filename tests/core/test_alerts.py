import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from core import alerts
from core.models import Alert
from core.tasks import deliver_pending
from tests.factories import UserFactory


def test_raising_the_same_key_twice_keeps_one_alert(db):
    user = UserFactory()
    first = alerts.raise_alert(kind="test", key="k:1", user=user, payload={"n": 1})
    second = alerts.raise_alert(kind="test", key="k:1", user=user, payload={"n": 2})
    assert first is not None and second is None
    assert Alert.objects.filter(key="k:1").count() == 1
    assert Alert.objects.get(key="k:1").payload == {"n": 1}


def test_bulk_raise_is_one_statement_and_skips_existing_keys(db, django_assert_num_queries):
    user = UserFactory()
    alerts.raise_alert(kind="test", key="bulk:0", user=user)
    specs = [alerts.AlertSpec(kind="test", key=f"bulk:{i}", user_id=user.pk) for i in range(50)]
    with django_assert_num_queries(1):
        new_ids = alerts.raise_alerts(specs)
    assert len(new_ids) == 49
    assert Alert.objects.filter(key__startswith="bulk:").count() == 50


def test_raise_from_select_is_set_based(db, django_assert_num_queries):
    user = UserFactory()
    sql = """SELECT 'test', 'sel:' || n, %s::bigint, NULL::integer, NULL::integer, '',
                    jsonb_build_object('n', n), '' FROM generate_series(1, 500) AS n"""
    with django_assert_num_queries(1):
        assert len(alerts.raise_alerts_from_select(sql, [user.pk])) == 500
    assert alerts.raise_alerts_from_select(sql, [user.pk]) == []


@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_two_connections_raising_one_key_at_once_make_one_alert_and_one_email():
    user = UserFactory(email="agent@example.test")
    barrier = threading.Barrier(2)
    results = []

    def race():
        try:
            with transaction.atomic():
                barrier.wait(5)
                results.append(
                    alerts.raise_alert(kind="test", key="race:1", user=user, payload={"n": 1})
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r is None for r in results) == [False, True]
    assert Alert.objects.filter(key="race:1").count() == 1
    deliver_pending()
    assert len([m for m in mail.outbox if "agent@example.test" in m.to]) == 1


@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_send_each_alert_exactly_once():
    users = [UserFactory(email=f"u{i}@example.test") for i in range(5)]
    # Created directly, so no delivery is queued before the two runners start.
    Alert.objects.bulk_create(
        Alert(kind="test", key=f"deliver:{i}", recipient_user=users[i % 5], payload={"n": i})
        for i in range(120)
    )
    counts = []

    def run():
        try:
            counts.append(deliver_pending(batch=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 120
    assert len(mail.outbox) == 120
    assert len({m.body for m in mail.outbox}) == 120
    assert not Alert.objects.filter(delivered_at__isnull=True).exists()


def test_group_alert_is_emailed_to_each_member(db, role_user):
    from core.roles import Role

    a = role_user(Role.DATA_ANALYSIS, email="a@example.test")
    b = role_user(Role.DATA_ANALYSIS, email="b@example.test")
    alerts.raise_alert(
        kind="risk_spike",
        key="spike:1",
        group=Role.DATA_ANALYSIS,
        payload={"subject": "M", "detail": "3x"},
    )
    deliver_pending()
    assert sorted(addr for m in mail.outbox for addr in m.to) == [a.email, b.email]


def test_inbox_shows_unread_badge_and_marks_read(client, db):
    user = UserFactory()
    alerts.raise_alert(kind="test", key="inbox:1", user=user, payload={"n": 7})
    client.force_login(user)
    page = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b'data-testid="unread-badge">1<' in page.content
    assert b"Test alert 7" in page.content
    client.post("/inbox/read/", {"all": "1"})
    assert not Alert.objects.filter(read_at__isnull=True).exists()


def test_alerts_api_lists_only_my_alerts_and_marks_read(client, db):
    me, other = UserFactory(), UserFactory()
    mine = alerts.raise_alert(kind="test", key="api:me", user=me, payload={"n": 1})
    alerts.raise_alert(kind="test", key="api:other", user=other, payload={"n": 2})
    client.force_login(me)
    listed = client.get("/api/v1/alerts/").json()
    assert [a["id"] for a in listed["results"]] == [mine.pk]
    assert client.post(f"/api/v1/alerts/{mine.pk}/read/").json()["read_at"]
    other_alert = Alert.objects.get(key="api:other")
    assert client.post(f"/api/v1/alerts/{other_alert.pk}/read/").status_code == 404


def _badge(client, url="/staff/complaints/") -> tuple[bytes, int]:
    """The staff page's unread badge (b"" when there is none) and the page's statements."""
    import re

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    found = re.search(rb'data-testid="unread-badge">(\d+)<', page.content)
    return (found.group(1) if found else b""), len(queries)


def test_unread_badge_costs_the_same_for_1_or_40_alerts_and_follows_reads(client, role_user):
    """The badge on every staff page: its statements do not grow with the alerts, an alert to
    the user and one to their group both count (once), a new alert shows on the next page and
    a read one leaves the count."""
    from django.utils import timezone

    from core.roles import Role

    agent = role_user(Role.CONSUMER_SERVICE)
    both = alerts.raise_alert(
        kind="test", key="badge:both", user=agent, group=Role.CONSUMER_SERVICE, payload={"n": 0}
    )
    client.force_login(agent)
    _badge(client)  # warm per-process caches
    assert (count := _badge(client))[0] == b"1"
    for n in range(20):
        alerts.raise_alert(kind="test", key=f"badge:u{n}", user=agent, payload={"n": n})
        alerts.raise_alert(
            kind="test", key=f"badge:g{n}", group=Role.CONSUMER_SERVICE, payload={"n": n}
        )
    # Read alerts and other people's never count.
    other = UserFactory()
    for n in range(20):
        alerts.raise_alert(kind="test", key=f"badge:o{n}", user=other, payload={"n": n})
    Alert.objects.filter(key__startswith="badge:o").update(read_at=timezone.now())
    badge, statements = _badge(client)
    assert badge == b"41"
    assert statements == count[1]

    alerts.raise_alert(kind="test", key="badge:new", user=agent, payload={"n": 99})
    assert _badge(client)[0] == b"42"
    alerts.mark_read(user=agent, alert_ids=[both.pk])
    assert _badge(client)[0] == b"41"
    client.post("/inbox/read/", {"all": "1"})
    assert _badge(client)[0] == b""


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


def test_unread_count_reads_only_unread_rows_of_200000_alerts(role_user):
    """200,000 alerts of which 15 are unread: the count's plan reads the alert table through
    its indexes, never a sequential scan (it runs on every staff page)."""
    from django.test.utils import CaptureQueriesContext

    from core.roles import Role

    agent = role_user(Role.CONSUMER_SERVICE)
    group_id = agent.groups.get().pk
    with connection.cursor() as cursor:
        # Alternately to the agent and to their group; all read except the last 15.
        cursor.execute(
            """
            INSERT INTO core_alert (kind, key, recipient_user_id, recipient_group_id, object_id,
                payload, url, created_at, read_at, delivered_at)
            SELECT 'test', 'plan:' || n, CASE WHEN n %% 2 = 0 THEN %s END,
                   CASE WHEN n %% 2 = 1 THEN %s END, '', '{}', '', now(),
                   CASE WHEN n <= 199985 THEN now() END, now()
            FROM generate_series(1, 200000) n
            """,
            [agent.pk, group_id],
        )
        cursor.execute("ANALYZE core_alert")
    with CaptureQueriesContext(connection) as queries:
        assert alerts.unread_count(agent) == 15
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
        plan = cursor.fetchone()[0][0]["Plan"]
    scans = [
        (node["Node Type"], node.get("Index Name"))
        for node in _plan_nodes(plan)
        if node.get("Relation Name") == "core_alert"
    ]
    assert scans and all(kind != "Seq Scan" for kind, _ in scans), scans
    assert {name for _, name in scans} <= {"alert_inbox", "alert_unread_group"}, scans
