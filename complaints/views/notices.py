"""Staff pages for telling an incident's buyers and publishing its quality notice: a page
with both panels (the incident page includes the same panels), and one POST per step.
Thin: parse, authorise, call complaints.services.buyer_notices / quality_notices."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from complaints import selectors
from complaints.forms.notices import QualityNoticeForm, WithdrawNoticeForm
from complaints.models import QualityIncident, QualityNotice
from complaints.services import buyer_notices, quality_notices
from core.exceptions import DomainError, NotAllowed
from core.web import add_service_errors, allowed_if, safe_next

viewer_required = allowed_if(selectors.may_view_incident_notices)


def _incident(pk) -> QualityIncident:
    return get_object_or_404(
        QualityIncident.objects.select_related("product", "merchant", "lot"), pk=pk
    )


def _back(request, incident):
    return redirect(safe_next(request, reverse("complaints:incident-notices", args=[incident.pk])))


def _page(request, incident, *, notice_form=None, withdraw_form=None, status=200):
    context = {
        "incident": incident,
        **selectors.buyer_notice_panel(incident, request.user),
        **selectors.quality_notice_panel(incident, request.user),
    }
    context["notice_form"] = notice_form or QualityNoticeForm(instance=context["notice"])
    context["withdraw_form"] = withdraw_form or WithdrawNoticeForm()
    return render(request, "complaints/incidents/notices.html", context, status=status)


@viewer_required
def incident_notices(request, pk):
    return _page(request, _incident(pk))


@require_POST
@allowed_if(selectors.may_notify_buyers)
def notify_buyers(request, pk):
    incident = _incident(pk)
    try:
        added = buyer_notices.notify_buyers(incident=incident, by=request.user)
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, incident)
    told_before = selectors.buyer_notice_counts(incident)["total"] - added
    messages.success(
        request,
        ngettext(
            "%(count)d buyer queued for a notice.",
            "%(count)d buyers queued for a notice.",
            added,
        )
        % {"count": added}
        + " "
        + _("Already notified: %(count)d.") % {"count": told_before},
    )
    return _back(request, incident)


@require_POST
@allowed_if(quality_notices.may_draft)
def draft_notice(request, pk):
    incident = _incident(pk)
    notice = QualityNotice.objects.filter(incident=incident).first()
    form = QualityNoticeForm(request.POST, instance=notice)
    if form.is_valid():
        try:
            quality_notices.draft_notice(incident=incident, by=request.user, **form.texts())
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The notice draft is saved. A Quality Manager approves it.")
            )
            return _back(request, incident)
    return _page(request, incident, notice_form=form, status=400)


@require_POST
@allowed_if(quality_notices.may_draft)
def prefill_notice(request, pk):
    """Create the draft from the incident's facts (the texts can be edited afterwards)."""
    incident = _incident(pk)
    try:
        quality_notices.draft_notice(incident=incident, by=request.user)
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The notice draft is saved. A Quality Manager approves it."))
    return _back(request, incident)


def _notice(incident) -> QualityNotice:
    return get_object_or_404(QualityNotice, incident=incident)


@require_POST
@allowed_if(quality_notices.may_approve)
def approve_notice(request, pk):
    incident = _incident(pk)
    try:
        quality_notices.approve_and_publish(notice=_notice(incident), by=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(" ".join(exc.messages)) from exc
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The quality notice is published."))
    return _back(request, incident)


@require_POST
@allowed_if(quality_notices.may_approve)
def withdraw_notice(request, pk):
    incident = _incident(pk)
    notice = _notice(incident)
    form = WithdrawNoticeForm(request.POST)
    if form.is_valid():
        try:
            quality_notices.withdraw(
                notice=notice, by=request.user, reason=form.cleaned_data["reason"]
            )
        except NotAllowed as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The quality notice is withdrawn."))
            return _back(request, incident)
    return _page(request, incident, withdraw_form=form, status=400)
