"""Audit: row history (django-pghistory triggers, which also see bulk UPDATEs) and
decision records for every workflow step."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import pghistory
from django.contrib.contenttypes.models import ContentType

from core.exceptions import InvalidTransition
from core.models import Decision

SYSTEM = "system"


def governed(model=None, *, level=None):
    """Class decorator for governed models: insert/update/delete triggers write an event row
    with the whole row and the pghistory context (user, url or task) of the transaction.

    `@governed` installs row-level triggers. `@governed(level=pghistory.Statement)` installs
    pghistory's statement-level triggers instead (`REFERENCING OLD TABLE AS old_values NEW
    TABLE AS new_values`): one INSERT ... SELECT of the changed rows per statement, the
    same event rows (every column, label, object and context) as the row-level trigger,
    for tables that set-based code updates by the ten thousand (products' listings).

    Fresh trackers per model: pghistory binds a tracker to the model it decorates.
    """

    def decorate(model):
        return pghistory.track(
            pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), level=level
        )(model)

    return decorate if model is None else decorate(model)


def system_context(label: str):
    """Context for work no person did (a Celery task): history rows say which."""
    return pghistory.context(actor=f"{SYSTEM}:{label}")


#: The decisions of the innermost `batched_decisions` block, written when it ends.
_BATCH: ContextVar[list[Decision] | None] = ContextVar("batched_decisions", default=None)


@contextmanager
def batched_decisions() -> Iterator[None]:
    """Write the decisions recorded inside the block in one INSERT when it ends (in the
    order they were recorded), instead of one INSERT each: for a service step that records
    several (filing a case records the case's and its incident's). Inside, record_decision
    returns the decision unsaved (no pk yet), so only callers that ignore it belong here.
    When the block raises nothing is written: its transaction rolls back anyway."""
    batch: list[Decision] = []
    token = _BATCH.set(batch)
    try:
        yield
    finally:
        _BATCH.reset(token)
    if batch:
        Decision.objects.bulk_create(batch)


def record_decision(
    obj, *, action, from_state="", to_state="", actor=None, reason="", data=None, actor_label=""
) -> Decision:
    decision = Decision(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label or ("" if getattr(actor, "is_authenticated", False) else SYSTEM),
        reason=reason or "",
        data=data or {},
    )
    batch = _BATCH.get()
    if batch is not None:
        batch.append(decision)
    else:
        decision.save(force_insert=True)
    return decision


def decisions_for(obj):
    return Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")


class Workflow:
    """An explicit transition table for one status field.

    `transitions` maps each state to the states it may move to. `apply` checks the move,
    saves the field (and any extra fields) and writes the decision record in one go; the
    caller wraps it in its service's transaction.
    """

    def __init__(self, field: str, transitions: dict[str, set[str]], labels=None):
        self.field = field
        self.transitions = transitions
        self.labels = labels or {}

    def allowed(self, state: str) -> set[str]:
        return self.transitions.get(state, set())

    def can(self, obj, to: str) -> bool:
        return to in self.allowed(getattr(obj, self.field))

    def _label(self, state):
        return str(self.labels.get(state, state))

    def apply(
        self,
        obj,
        to: str,
        *,
        actor=None,
        reason="",
        action=None,
        data=None,
        update_fields=(),
        actor_label="",
    ) -> Decision:
        current = getattr(obj, self.field)
        if to not in self.allowed(current):
            from django.utils.translation import gettext as _

            raise InvalidTransition(
                _("Cannot go from “%(from)s” to “%(to)s”.")
                % {"from": self._label(current), "to": self._label(to)},
                code="invalid_transition",
            )
        setattr(obj, self.field, to)
        obj.save(update_fields=[self.field, *update_fields])
        return record_decision(
            obj,
            action=action or to,
            from_state=current,
            to_state=to,
            actor=actor,
            reason=reason,
            data=data,
            actor_label=actor_label,
        )
