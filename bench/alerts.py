"""Alerts: set-based raising at volume, idempotent re-raising, and delivery throughput."""

from __future__ import annotations

from unittest import mock

from django.db import transaction
from django.utils import timezone

from bench import Figure, timed, within

RAISE_ROWS = 100_000
DELIVER_ROWS = 5_000
# One alert delivered in GROUP_EVERY goes to a group, the others to one user: the group's
# active members, in both languages, get one e-mail each; its inactive one none.
GROUP_MEMBERS = (("en", True), ("en", True), ("zh-hans", True), ("zh-hans", True), ("en", False))

# The shape raise_alerts_from_select expects: kind, key, user, group, content type, object
# id, payload, url. One INSERT ... SELECT for every row.
SELECT = """
    SELECT 'test', %s || n, %s::bigint, NULL::integer, NULL::integer, '',
           jsonb_build_object('n', n), ''
    FROM generate_series(1, %s) AS n
"""
# Delivery's rows: every GROUP_EVERY-th to the group, the others to the user.
GROUP_EVERY = 5
MIXED_SELECT = """
    SELECT 'test', %(prefix)s || n,
           CASE WHEN n %% %(every)s = 0 THEN NULL ELSE %(user)s::bigint END,
           CASE WHEN n %% %(every)s = 0 THEN %(group)s::integer END,
           NULL::integer, '', jsonb_build_object('n', n), ''
    FROM generate_series(1, %(rows)s) AS n
"""


def main() -> list[Figure]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core import mail

    from core import alerts
    from core.models import Alert
    from core.tasks import deliver_pending

    user = get_user_model().objects.create_user(
        "bench", email="bench@example.test", preferred_language="en"
    )
    group = Group.objects.create(name="bench alerts")
    for i, (language, active) in enumerate(GROUP_MEMBERS):
        member = get_user_model().objects.create_user(
            f"bench-member-{i}",
            email=f"member{i}@example.test",
            preferred_language=language,
            is_active=active,
        )
        member.groups.add(group)
    active_members = sum(active for _language, active in GROUP_MEMBERS)
    figures = []

    # Delivery is timed on its own below; here only the INSERT ... SELECT and the commit.
    with mock.patch.object(alerts, "schedule_delivery"):
        with timed() as watch, transaction.atomic():
            raised = alerts.raise_alerts_from_select(SELECT, ["bench:", user.pk, RAISE_ROWS])
        assert len(raised) == RAISE_ROWS
        figures.append(within(f"raise {RAISE_ROWS:,} alerts, one statement", watch.seconds, 10))

        with timed() as watch, transaction.atomic():
            again = alerts.raise_alerts_from_select(SELECT, ["bench:", user.pk, RAISE_ROWS])
        assert again == []
        figures.append(
            within(f"raise the same {RAISE_ROWS:,} keys again (none new)", watch.seconds, 10)
        )

        Alert.objects.update(delivered_at=timezone.now())
        alerts.raise_alerts_from_select(
            MIXED_SELECT,
            {
                "prefix": "deliver:",
                "every": GROUP_EVERY,
                "user": user.pk,
                "group": group.pk,
                "rows": DELIVER_ROWS,
            },
        )

    mail.outbox = []
    with timed() as watch:
        delivered = deliver_pending()
    assert delivered == DELIVER_ROWS
    to_group = DELIVER_ROWS // GROUP_EVERY
    assert len(mail.outbox) == DELIVER_ROWS - to_group + to_group * active_members
    figures.append(within(f"deliver {DELIVER_ROWS:,} alerts by e-mail", watch.seconds, 30))
    rate = round(delivered / watch.seconds)
    figures.append(Figure(f"delivery rate ({DELIVER_ROWS:,} alerts)", "-", rate, "alerts/s"))
    return figures
