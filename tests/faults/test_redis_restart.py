"""Redis dies mid-run (SIGKILL: its queue is lost) and comes back: no alert is lost.

Alerts live in PostgreSQL; Redis only carries the "deliver now" nudge. A real worker and
beat run against a Redis of the test's own. Alerts raised while Redis is down are committed
all the same, and the beat's periodic delivery sends them once Redis returns.
"""

import contextlib

import pytest
from django.db import connection, transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from core.alerts import AlertSpec, raise_alerts
from core.models import Alert
from tests.faults.processes import PrivateRedis, celery, celery_app_on, stop, wait_for
from tests.worker import database_url

BEFORE, DURING, AFTER = 5, 8, 5


def _raise(tag: str, count: int, user) -> None:
    with transaction.atomic():
        raise_alerts(
            [
                AlertSpec(kind="test", key=f"faults:{tag}:{n}", user_id=user.pk, payload={"n": n})
                for n in range(count)
            ]
        )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_alerts_raised_while_redis_is_down_are_delivered_after_it_returns(
    tmp_path, settings, django_user_model
):
    redis_server = PrivateRedis(tmp_path / "redis")
    redis_server.start()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    user = django_user_model.objects.create_user("faults", email="faults@example.test")
    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis_server.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"filemail:///{mail_dir.resolve()}",
    }
    log = tmp_path / "celery.log"
    worker = celery("worker", env, log, "-c", "1", "--without-gossip", "--without-mingle")
    beat = celery("beat", env, log, "--max-interval", "1", "-s", str(tmp_path / "beat"))
    try:
        # Deliveries every second instead of every minute (as staff would edit it).
        assert wait_for(lambda: PeriodicTask.objects.filter(name="core.deliver-alerts").exists())
        every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
        PeriodicTask.objects.filter(name="core.deliver-alerts").update(interval=every_second)
        PeriodicTasks.update_changed()
        with celery_app_on(redis_server.url):
            _raise("before", BEFORE, user)
            assert wait_for(lambda: _delivered() == BEFORE, timeout=90), log.read_text()[-3000:]

            redis_server.kill()
            # The alerts commit; only the nudge to deliver them fails (and may raise).
            with contextlib.suppress(Exception):
                _raise("during", DURING, user)
            assert Alert.objects.filter(key__startswith="faults:during:").count() == DURING
            assert _delivered() == BEFORE

            redis_server.start()
            _raise("after", AFTER, user)
            total = BEFORE + DURING + AFTER
            assert wait_for(lambda: _delivered() == total, timeout=120), log.read_text()[-3000:]
        assert worker.poll() is None and beat.poll() is None  # both rode it out
    finally:
        stop(beat)
        stop(worker)
        redis_server.kill()
    sent = [m for p in mail_dir.glob("*.log") for m in p.read_text().split("-" * 79) if m.strip()]
    print(
        f"redis restart: {total} alerts, {_delivered()} delivered, "
        f"{total - _delivered()} lost, {len(sent)} e-mails"
    )
    assert Alert.objects.filter(key__startswith="faults:").count() == total
    assert len(sent) == total  # each delivered once


def _delivered() -> int:
    return Alert.objects.filter(key__startswith="faults:", delivered_at__isnull=False).count()
