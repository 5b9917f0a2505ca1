"""Consumer Service pages: the queues and the case page with one form per allowed step.
Thin: parse, authorise, call a service (which checks the step again and records it)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints import selectors, services
from complaints.forms.staff import (
    AskConsumerForm,
    AskMerchantForm,
    AssignForm,
    BulkAssignForm,
    CloseForm,
    QueueFilterForm,
    ReasonForm,
    ResolveForm,
    RespondForm,
    agents,
)
from complaints.models import OPEN, Case, CaseStatus
from core.exceptions import DomainError
from core.web import add_service_errors, allowed_if, safe_next

viewer_required = allowed_if(selectors.may_view_cases)
worker_required = allowed_if(selectors.may_work_cases)

PAGE_SIZE = 50
# Deeper pages would be an OFFSET walk over the open table; filters narrow instead.
MAX_PAGE = 200


@viewer_required
def case_queue(request, scope="team"):
    if scope not in selectors.QUEUES:
        raise Http404
    now = timezone.now()
    filters = QueueFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    cases = selectors.queue(
        user=request.user,
        scope=scope,
        status=data.get("status", ""),
        kind=data.get("kind", ""),
        priority=data.get("priority"),
        clock=data.get("clock", ""),
        assignee=getattr(data.get("assignee"), "pk", None),
        search=data.get("q", ""),
        now=now,
    )
    # No total count: the team queue is the whole open table. One row more than a page
    # says whether there is a next page.
    page_number = _page_number(request)
    offset = (page_number - 1) * PAGE_SIZE
    rows = list(cases[offset : offset + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = [(case, selectors.next_clock(case, now)) for case in rows[:PAGE_SIZE]]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/staff/queue.html",
        {
            "scope": scope,
            "queues": selectors.QUEUES,
            "title": selectors.QUEUES[scope],
            "my_count": selectors.my_open_count(request.user),
            "count_cap": selectors.COUNT_CAP,
            "filters": filters,
            "rows": rows,
            "page": page_number,
            "has_next": has_next,
            "query": query.urlencode(),
            "assign_form": AssignForm(),
            "may_work": selectors.may_work_cases(request.user),
            "now": now,
        },
    )


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        return 1


@worker_required
@require_POST
def bulk_assign(request):
    form = BulkAssignForm(request.POST)
    back = safe_next(request, reverse("complaints:staff-queue"))
    if not back.startswith("/staff/complaints/"):
        back = reverse("complaints:staff-queue")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        count = services.bulk_assign(
            case_ids=form.cleaned_data["cases"],
            to=form.cleaned_data["agent"],
            strategy=form.cleaned_data["strategy"],
            by=request.user,
        )
    except DomainError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)d cases assigned.") % {"n": count})
    return redirect(back)


# --- the case page -----------------------------------------------------------------------

ACTIONS = {
    # action: its form (the service call is in _run)
    "assign": AssignForm,
    "respond": RespondForm,
    "ask_consumer": AskConsumerForm,
    "ask_merchant": AskMerchantForm,
    "resolve": ResolveForm,
    "close": CloseForm,
    "reopen": ReasonForm,
    "escalate": ReasonForm,
}


def allowed_actions(case: Case, now) -> list[str]:
    """The steps the page offers for the case's state, read from the engine's workflow.
    The service checks again when the form is posted."""
    can = services.WORKFLOW.allowed(case.status)
    actions = []
    if case.status in OPEN:
        actions.append("assign")
    if case.status in (
        CaseStatus.ASSIGNED,
        CaseStatus.AWAITING_MERCHANT,
        CaseStatus.AWAITING_CONSUMER,
    ):
        actions.append("respond")
    if CaseStatus.AWAITING_CONSUMER in can:
        actions.append("ask_consumer")
    if CaseStatus.AWAITING_MERCHANT in can:
        actions.append("ask_merchant")
    if CaseStatus.RESOLVED in can:
        actions.append("resolve")
    if CaseStatus.CLOSED in can:
        actions.append("close")
    if (
        case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        and case.resolved_at
        and now <= case.resolved_at + services.REOPEN_WINDOW
    ):
        actions.append("reopen")
    if case.status in OPEN:
        actions.append("escalate")
    return actions


def _form(action, case, data=None):
    form_class = ACTIONS[action]
    kwargs = {"prefix": action}
    if form_class is ResolveForm:
        kwargs["case"] = case
    return form_class(data, **kwargs)


def _run(action, case, data, user):
    if action == "assign":
        if data["agent"] is not None:
            return services.assign(case=case, to=data["agent"], by=user)
        return services.assign(case=case, strategy=data["strategy"], by=user)
    if action == "respond":
        return services.respond(case=case, by=user, text=data["text"], internal=data["internal"])
    if action == "ask_consumer":
        return services.ask_consumer(case=case, by=user, question=data["question"])
    if action == "ask_merchant":
        return services.ask_merchant(case=case, by=user, question=data["question"])
    if action == "resolve":
        return services.resolve(
            case=case,
            by=user,
            outcome=data["outcome"],
            reason=data["reason"],
            message=data["message"],
        )
    if action == "close":
        return services.close(case=case, by=user, reason=data["reason"])
    if action == "reopen":
        return services.reopen(case=case, by=user, reason=data["reason"])
    return services.escalate(case=case, by=user, reason=data["reason"])


DONE = {
    "assign": gettext_lazy("The case is assigned."),
    "respond": gettext_lazy("Message sent."),
    "ask_consumer": gettext_lazy(
        "Question sent; the SLA clock is paused until the consumer replies."
    ),
    "ask_merchant": gettext_lazy(
        "Question sent to the merchant; their answer deadline is running."
    ),
    "resolve": gettext_lazy("The case is resolved."),
    "close": gettext_lazy("The case is closed."),
    "reopen": gettext_lazy("The case is reopened with a new resolution deadline."),
    "escalate": gettext_lazy("The case is escalated to the supervisor queue."),
}


@viewer_required
def case_detail(request, pk, action=None):
    case = get_object_or_404(
        Case.objects.select_related("merchant", "assignee", "product", "policy"), pk=pk
    )
    now = timezone.now()
    bound = None
    if action is not None:
        if request.method != "POST" or action not in ACTIONS:
            raise Http404
        if not selectors.may_work_cases(request.user):
            raise PermissionDenied
        bound = _form(action, case, request.POST)
        if bound.is_valid():
            try:
                _run(action, case, bound.cleaned_data, request.user)
            except DomainError as exc:
                add_service_errors(bound, exc)
            else:
                messages.success(request, str(DONE[action]))
                return redirect("complaints:staff-case", pk=case.pk)
    actions = allowed_actions(case, now) if selectors.may_work_cases(request.user) else []
    forms = {name: _form(name, case) for name in actions}
    if bound is not None:
        forms[action] = bound
    history = selectors.merchant_history(case)
    return render(
        request,
        "complaints/staff/case.html",
        {
            "case": case,
            "clocks": selectors.clocks_for(case, now),
            "timeline": selectors.timeline(case),
            "history": history,
            "proposals": selectors.proposals_for(case),
            "remedies": case.remedies.select_related("proof"),
            "forms": forms,
            "failed": action if bound is not None else None,
            "can_take": "assign" in forms
            and case.assignee_id != request.user.pk
            and agents().filter(pk=request.user.pk).exists(),
            "now": now,
            "may_work": selectors.may_work_cases(request.user),
        },
        status=400 if bound is not None else 200,
    )


@worker_required
@require_POST
def reissue_link(request, pk):
    """Revoke a case's consumer link and issue a new one (mailed to the consumer)."""
    from complaints.links import reissue_tracking_link

    case = get_object_or_404(Case, pk=pk)
    token = reissue_tracking_link(case=case, by=request.user)
    if case.consumer_email:
        messages.success(
            request,
            _("The old link no longer works. A new link was sent to %(email)s.")
            % {"email": case.consumer_email},
        )
    else:
        link = request.build_absolute_uri(reverse("complaints:case", args=[token]))
        messages.success(
            request,
            _(
                "The old link no longer works. The case has no e-mail address: give the "
                "consumer this new link through their contact: %(link)s"
            )
            % {"link": link},
        )
    return redirect("complaints:staff-case", pk=case.pk)
