"""External assessment: what assessors may read (published reports, the decision log,
alert statistics, never consumers' personal data), their findings, and the platform's
responses. Findings and responses go into the next quarterly report's figures."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.alerts import raise_alert
from core.audit import record_decision
from core.exceptions import DomainError, NotAllowed
from core.models import Alert, Decision
from core.roles import ExternalRole, Role, has_role
from reports.models import Finding, FindingResponse

RESPONDERS = (Role.QUALITY_MANAGER,)


def is_assessor(user) -> bool:
    return has_role(user, ExternalRole.EXTERNAL_ASSESSOR)


def may_read_findings(user) -> bool:
    return has_role(user, ExternalRole.EXTERNAL_ASSESSOR, Role.QUALITY_MANAGER)


def decision_log(*, limit: int = 200):
    """Workflow decisions, without who decided or why (reasons may name consumers): the
    kind of object, the step and when."""
    return (
        Decision.objects.select_related("content_type")
        .order_by("-created_at", "-id")
        .values(
            "created_at",
            "content_type__app_label",
            "content_type__model",
            "action",
            "from_state",
            "to_state",
        )[:limit]
    )


def alert_statistics(*, months: int = 6) -> list[dict]:
    """Alerts raised per month and kind (counts only)."""
    since = timezone.now() - timezone.timedelta(days=31 * months)
    rows = (
        Alert.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "kind")
        .annotate(n=Count("id"))
        .order_by("-month", "kind")
    )
    return list(rows)


@transaction.atomic
def record_finding(*, title: str, detail: str, commitment: str = "", by) -> Finding:
    if not is_assessor(by):
        raise NotAllowed(_("Only external assessors record findings."))
    title, detail = (title or "").strip(), (detail or "").strip()
    if not title:
        raise DomainError({"title": _("Give the finding a title.")})
    if not detail:
        raise DomainError({"detail": _("Describe the finding.")})
    finding = Finding.objects.create(
        title=title[:200],
        detail=detail,
        commitment=(commitment or "").strip()[:200],
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    record_decision(finding, action="record", to_state=finding.status, actor=by)
    group = Group.objects.filter(name=Role.QUALITY_MANAGER).first()
    if group is not None:
        raise_alert(
            kind="assessment_finding",
            key=f"assessment_finding:finding:{finding.pk}",
            group=group,
            obj=finding,
            payload={"title": finding.title},
            url=reverse("reports:staff-findings"),
        )
    return finding


@transaction.atomic
def respond(*, finding: Finding, response: str, due_date: date, by) -> FindingResponse:
    """The platform's response to a finding, with the date by which it acts."""
    if not has_role(by, *RESPONDERS):
        raise NotAllowed(_("Only Quality Managers respond to findings."))
    response = (response or "").strip()
    if not response:
        raise DomainError({"response": _("Write the platform's response.")})
    if due_date is None or due_date < timezone.localdate():
        raise DomainError({"due_date": _("The due date cannot be in the past.")})
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    answer, _created = FindingResponse.objects.update_or_create(
        finding=finding,
        defaults={
            "response": response,
            "due_date": due_date,
            "responded_by": by,
            "responded_at": timezone.now(),
        },
    )
    if finding.status == Finding.Status.OPEN:
        finding.status = Finding.Status.RESPONDED
        finding.save(update_fields=["status"])
    record_decision(
        finding,
        action="respond",
        to_state=finding.status,
        actor=by,
        data={"due_date": due_date.isoformat()},
    )
    return answer


def for_report(*, start: datetime, end: datetime, as_of: datetime) -> list[dict]:
    """Findings of the quarter, and earlier ones still open at its end, with responses
    (no names of people: assessors and staff act as roles)."""
    from django.db.models import Q

    findings = (
        Finding.objects.filter(recorded_at__lt=min(end, as_of))
        .filter(Q(recorded_at__gte=start) | ~Q(status=Finding.Status.CLOSED))
        .select_related("response")
        .order_by("recorded_at", "id")
    )
    rows = []
    for finding in findings:
        response = getattr(finding, "response", None)
        rows.append(
            {
                "id": finding.pk,
                "title": finding.title,
                "commitment": finding.commitment,
                "detail": finding.detail,
                "recorded_on": timezone.localtime(finding.recorded_at).date().isoformat(),
                "response": response.response if response else "",
                "due_date": response.due_date.isoformat() if response else "",
            }
        )
    return rows
