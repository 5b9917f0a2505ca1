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
