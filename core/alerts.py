"""Alerts: raised at most once per key, delivered by a separate idempotent task.

Raising is `INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id`: two transactions racing
on one key both succeed, one row exists, and only the inserter learns it raised it (it gets
the id back), so follow-up work happens once. Delivery (email) runs after commit, in
core.tasks.deliver_alerts, which claims rows with FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import json
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.decision_labels import reasons_read, stored_reason
from core.models import Alert


@dataclass(frozen=True)
class AlertKind:
    code: str
    label: str
    template: str  # a lazy translation with %(name)s placeholders filled from the payload
    # payload key -> function(stored value) -> text in the reader's language: payloads keep
    # codes (a sanction's kind, a rule's code), the reader sees labels.
    labels: dict = field(default_factory=dict)
    # payload key -> context manager taking the stored values of many alerts (a page, a
    # delivery batch): within it, that key's `labels` entry reads nothing more.
    readers: dict = field(default_factory=dict)


KINDS: dict[str, AlertKind] = {}


def register_kind(
    code: str, label, template, *, labels: dict | None = None, readers: dict | None = None
) -> None:
    KINDS[code] = AlertKind(code, label, template, labels or {}, readers or {})


def kind_label(kind: str) -> str:
    spec = KINDS.get(kind)
    return str(spec.label) if spec else str(_("Alert"))


def choice_label(choices):
    """A `labels` entry for a Django choices class: the label of a stored value."""

    def label(value):
        try:
            return str(choices(value).label)
        except ValueError:
            return value

    return label


def render_text(kind: str, payload: dict) -> str:
    spec = KINDS.get(kind)
    if spec is None:
        return str(_("Alert"))
    values = dict(payload)
    for key, to_label in spec.labels.items():
        if key in values and values[key] not in (None, ""):
            values[key] = to_label(values[key])
    try:
        return str(spec.template) % values
    except (KeyError, TypeError, ValueError):
        return str(spec.label)


@contextmanager
def alerts_read(alerts):
    """`decision_labels.reasons_read` over the reasons these alerts' payloads keep (a
    listing's status reason), and each kind's `readers` over the values they label (a
    rule's title): a page of alerts reads what they name at once, not per row."""
    alerts = [alert for alert in alerts if isinstance(alert.payload, dict)]
    reasons = (stored_reason(value) for alert in alerts for value in alert.payload.values())
    values: dict = {}
    for alert in alerts:
        spec = KINDS.get(alert.kind)
        for key, read_many in spec.readers.items() if spec else ():
            if alert.payload.get(key) not in (None, ""):
                values.setdefault(read_many, []).append(alert.payload[key])
    with ExitStack() as stack:
        stack.enter_context(reasons_read(r for r in reasons if r is not None))
        for read_many, stored in values.items():
            stack.enter_context(read_many(stored))
        yield


# The kernel's own kind; every other kind is registered by the app that raises it, in its
# AppConfig.ready(), so the kernel never lists an upper app's facts.
register_kind("test", _("Test"), _("Test alert %(n)s"))


@dataclass
class AlertSpec:
    kind: str
    key: str
    user_id: int | None = None
    group_id: int | None = None
    obj: object | None = None
    payload: dict = field(default_factory=dict)
    url: str = ""


_INSERT = """
    INSERT INTO core_alert
        (kind, key, recipient_user_id, recipient_group_id, content_type_id, object_id,
         payload, url, created_at)
    VALUES {values}
    ON CONFLICT (key) DO NOTHING
    RETURNING id
"""


def _row(spec: AlertSpec) -> tuple:
    content_type_id, object_id = None, ""
    if spec.obj is not None:
        content_type_id = ContentType.objects.get_for_model(spec.obj).pk
        object_id = str(spec.obj.pk)
    return (
        spec.kind,
        spec.key,
        spec.user_id,
        spec.group_id,
        content_type_id,
        object_id,
        json.dumps(spec.payload, default=str),
        spec.url,
    )


def raise_alerts(specs: list[AlertSpec], *, now: datetime | None = None) -> list[int]:
    """Insert the alerts whose keys are new, in one statement; return the new ids."""
    if not specs:
        return []
    created_at = now or timezone.now()
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)"] * len(specs))
    params = [value for spec in specs for value in (*_row(spec), created_at)]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT.format(values=placeholders), params)
        new_ids = cursor.fetchall()
    ids = [row[0] for row in new_ids]
    schedule_delivery(ids)
    return ids


def raise_alert(
    *,
    kind: str,
    key: str,
    user=None,
    group: Group | str | None = None,
    obj=None,
    payload: dict | None = None,
    url: str = "",
) -> Alert | None:
    """Raise one alert; returns it when this call created it, None when the key existed."""
    if isinstance(group, str):
        group = Group.objects.get(name=group)
    ids = raise_alerts(
        [
            AlertSpec(
                kind=kind,
                key=key,
                user_id=getattr(user, "pk", None),
                group_id=getattr(group, "pk", None),
                obj=obj,
                payload=payload or {},
                url=url,
            )
        ]
    )
    return Alert.objects.get(pk=ids[0]) if ids else None


def raise_alerts_from_select(
    select_sql: str,
    params: list | tuple | dict = (),
    *,
    with_sql: str = "",
    now: datetime | None = None,
) -> list[int]:
    """Set-based raise: `select_sql` yields rows of (kind, key, recipient_user_id,
    recipient_group_id, content_type_id, object_id, payload jsonb, url). One statement,
    however many rows; keys that already exist are skipped.

    `with_sql` ("WITH crossed AS (UPDATE ... RETURNING ...)") lets a sweep mark the rows it
    alerts on in the same statement: PostgreSQL only allows data-modifying CTEs at the top
    level, so they cannot live inside `select_sql`, which may read them.

    `created_at` is the application's clock (`now`, default `timezone.now()`), never the
    database's: rules compare alert instants with the application's time."""
    # An ISO literal of our own datetime: params may be positional or named, so a
    # placeholder cannot be added to both kinds.
    created_at = (now or timezone.now()).isoformat()
    sql = f"""{with_sql}
        INSERT INTO core_alert
            (kind, key, recipient_user_id, recipient_group_id, content_type_id, object_id,
             payload, url, created_at)
        SELECT s.*, '{created_at}'::timestamptz FROM ({select_sql}) AS s
        ON CONFLICT (key) DO NOTHING
        RETURNING id
    """  # noqa: S608 - select_sql is code of ours, values go through params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    schedule_delivery(ids)
    return ids


def schedule_delivery(ids: list[int]) -> None:
    if ids:
        from core.tasks import deliver_alerts

        # The alerts are committed whatever happens to the broker: a request must not fail
        # after its commit because Redis is down. The periodic delivery picks them up later.
        transaction.on_commit(deliver_alerts.delay, robust=True)


def inbox_for(user):
    """Alerts addressed to the user or to one of their groups, newest first."""
    from django.db.models import Q

    return Alert.objects.filter(
        Q(recipient_user=user) | Q(recipient_group__in=user.groups.all())
    ).order_by("-created_at")


def unread_count(user) -> int:
    """The unread alerts of the user's inbox: one statement, read from the unread rows only
    (it runs on every staff page). The inbox's OR of "mine" and "my groups'" would make
    PostgreSQL scan the whole alert table, so the two halves are counted as a UNION of ids,
    each through its index: `alert_inbox` (recipient_user, read_at) for the user's and the
    partial `alert_unread_group` for the groups'. An alert addressed to both counts once."""
    unread = Alert.objects.filter(read_at__isnull=True).order_by()
    mine = unread.filter(recipient_user=user).values("pk")
    groups = unread.filter(recipient_group__in=user.groups.values("pk")).values("pk")
    return mine.union(groups).count()


def mark_read(*, user, alert_ids) -> int:
    from django.utils import timezone

    return (
        inbox_for(user)
        .filter(pk__in=alert_ids, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
