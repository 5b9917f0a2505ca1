"""What every case step shares: the status workflow, the row lock, posting a message and
the after-commit hand-off to the complaints tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from complaints import sla
from complaints.models import (
    Case,
    CaseKind,
    CaseMessage,
    CaseStatus,
    SLAPolicy,
)
from core.audit import Workflow
from core.exceptions import DomainError

REOPEN_WINDOW = timedelta(days=7)

WORKFLOW = Workflow(
    "status",
    {
        CaseStatus.NEW: {CaseStatus.ASSIGNED},
        CaseStatus.ASSIGNED: {
            CaseStatus.AWAITING_MERCHANT,
            CaseStatus.AWAITING_CONSUMER,
            CaseStatus.RESOLVED,
        },
        CaseStatus.AWAITING_MERCHANT: {
            CaseStatus.ASSIGNED,
            CaseStatus.AWAITING_CONSUMER,
            CaseStatus.RESOLVED,
        },
        CaseStatus.AWAITING_CONSUMER: {CaseStatus.ASSIGNED, CaseStatus.RESOLVED},
        CaseStatus.RESOLVED: {CaseStatus.CLOSED, CaseStatus.ASSIGNED},
        CaseStatus.CLOSED: {CaseStatus.ASSIGNED},
    },
    labels=dict(CaseStatus.choices),
)

OUTCOMES_BY_KIND = {
    CaseKind.COMPLAINT: {
        Case.Outcome.REFUND,
        Case.Outcome.RETURN,
        Case.Outcome.EXCHANGE,
        Case.Outcome.REPAIR,
        Case.Outcome.COMPENSATION,
        Case.Outcome.REJECTED,
    },
    CaseKind.AD_REPORT: {Case.Outcome.SUBSTANTIATED, Case.Outcome.REJECTED},
}


# --- SLA policies ---------------------------------------------------------------------------


def _target(policy: SLAPolicy, start: datetime, hours) -> sla.Target:
    return sla.target(start, hours, policy.calendar(), policy.at_risk_fraction)


def _post(case, author_kind, text, *, author=None, attachments=(), internal=False):
    message = CaseMessage.objects.create(
        case=case,
        author_kind=author_kind,
        author=author if getattr(author, "is_authenticated", False) else None,
        text=text,
        internal=internal,
    )
    if attachments:
        message.attachments.set(attachments)
    return message


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock: the state we check is the state we change."""
    return Case.objects.select_for_update(of=("self",)).select_related("policy").get(pk=case.pk)


def _require(case: Case, *states: str) -> None:
    if case.status not in states:
        raise DomainError(
            _("Not possible while the case is “%(status)s”.")
            % {"status": case.get_status_display()},
            code="invalid_transition",
        )


# --- assignment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Enqueue:
    """A complaints task to send after commit (a value, so tests can read what is queued)."""

    task: str
    args: tuple

    def __call__(self):
        from complaints import tasks

        getattr(tasks, self.task).delay(*self.args)


def _notify_consumer(case: Case, event: str) -> None:
    from complaints.notifications import notify_consumer

    notify_consumer(case=case, event=event)
