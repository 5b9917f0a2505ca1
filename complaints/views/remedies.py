"""Remedy pages: the staff panel's forms (on a case or an incident), one remedy's page with
its done / failed / platform-pays forms, and the merchant portal's remedies to pay. Thin:
parse, authorise, call complaints.services.remedies, which checks again and records."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import selectors
from complaints.forms.remedies import GrantRemedyForm, RemedyDoneForm, RemedyFailedForm
from complaints.models import Case, QualityIncident, Remedy
from complaints.services import remedies as services
from core.exceptions import DomainError
from core.web import add_service_errors, allowed_if

manager_required = allowed_if(selectors.may_manage_remedies)
viewer_required = allowed_if(selectors.may_view_remedies)
merchant_required = allowed_if(selectors.is_portal_merchant)

TARGETS = {"case": Case, "incident": QualityIncident}

ACTION_LABELS = {
    "grant": gettext_lazy("Granted"),
    "done": gettext_lazy("Recorded as done"),
    "failed": gettext_lazy("Recorded as failed"),
    "overdue": gettext_lazy("Due date passed"),
    "platform_pays_first": gettext_lazy("The platform pays first"),
}


def target_url(target) -> str:
    """The staff page of a case or an incident (the admin's while the incident page is not
    installed)."""
    if isinstance(target, Case):
        return reverse("complaints:staff-case", args=[target.pk])
    try:
        return target.get_absolute_url()
    except NoReverseMatch:
        return reverse("admin:complaints_qualityincident_change", args=[target.pk])


def _target(kind: str, pk: int):
    if kind not in TARGETS:
        raise Http404
    return get_object_or_404(TARGETS[kind], pk=pk)


@manager_required
def grant(request, target_kind, pk):
    """The panel posts here; errors are shown on this page, with the form kept."""
    target = _target(target_kind, pk)
    form = GrantRemedyForm(request.POST or None, prefix="remedy")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_remedy(
                by=request.user,
                **{target_kind: target},
                kind=data["kind"],
                amount=data["amount"],
                currency=data["currency"],
                payer=data["payer"],
                platform_reason=data["platform_reason"],
                due_at=data["due_at"],
                above_order_reason=data["above_order_reason"],
                note=data["note"],
            )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The remedy is recorded and the consumer is told."))
            return redirect(target_url(target))
    return render(
        request,
        "complaints/remedies/grant.html",
        {
            "target": target,
            "target_kind": target_kind,
            "target_url": target_url(target),
            "form": form,
            "remedies": target.remedies.all(),
        },
        status=400 if request.method == "POST" else 200,
    )


ACTIONS = {"done": RemedyDoneForm, "failed": RemedyFailedForm}


def _remedy_forms(bound=None, action=None):
    forms = {name: form_class(prefix=name) for name, form_class in ACTIONS.items()}
    if bound is not None:
        forms[action] = bound
    return forms


@viewer_required
def remedy_detail(request, pk, action=None):
    remedy = get_object_or_404(selectors.remedies_visible_to(request.user), pk=pk)
    bound = None
    if action is not None:
        if request.method != "POST" or action not in (*ACTIONS, "platform-pays"):
            raise Http404
        if not selectors.may_manage_remedies(request.user):
            raise PermissionDenied
        if action == "platform-pays":
            try:
                services.platform_pays_first(remedy=remedy, by=request.user)
            except DomainError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The platform pays first; a recovery is opened."))
            return redirect("complaints:remedy", pk=remedy.pk)
        bound = ACTIONS[action](request.POST, request.FILES, prefix=action)
        if bound.is_valid():
            try:
                _run(action, remedy, bound.cleaned_data, request.user)
            except DomainError as exc:
                add_service_errors(bound, exc)
            else:
                messages.success(request, _("The remedy is updated."))
                return redirect(target_url(remedy.target))
    from core.audit import decisions_for

    return render(
        request,
        "complaints/remedies/remedy.html",
        {
            "remedy": remedy,
            "target_url": target_url(remedy.target),
            # A refused step keeps its form (with the reason) even on a final remedy.
            "forms": _remedy_forms(bound, action)
            if selectors.may_manage_remedies(request.user)
            and (bound is not None or not remedy.is_final)
            else {},
            "decisions": [
                (decision, ACTION_LABELS.get(decision.action, decision.action))
                for decision in decisions_for(remedy).order_by("created_at", "id")
            ],
            "recovery": getattr(remedy, "recovery", None),
        },
        status=400 if bound is not None else 200,
    )


def _run(action, remedy, data, user):
    if action == "done":
        return services.mark_done(
            remedy=remedy,
            by=user,
            proof_reference=data["proof_reference"],
            proof_file=data["proof_file"],
            note=data["note"],
        )
    return services.mark_failed(remedy=remedy, by=user, reason=data["reason"])


# --- merchant portal --------------------------------------------------------------------------


def _portal_remedies(user):
    return selectors.remedies_visible_to(user).filter(payer=Remedy.Payer.MERCHANT)


def _portal_page(request, *, bound=None, bound_pk=None):
    remedies = list(_portal_remedies(request.user).order_by("status", "due_at", "id")[:200])
    forms = {
        remedy.pk: RemedyDoneForm(prefix=f"done-{remedy.pk}")
        for remedy in remedies
        if remedy.status == Remedy.Status.PROMISED
    }
    if bound is not None:
        forms[bound_pk] = bound
    rows = [(remedy, forms.get(remedy.pk)) for remedy in remedies]
    return render(
        request,
        "complaints/portal/remedies.html",
        {"rows": rows, "failed": bound_pk},
        status=400 if bound is not None else 200,
    )


@merchant_required
def portal_remedies(request):
    return _portal_page(request)


@merchant_required
def portal_remedy_done(request, pk):
    remedy = get_object_or_404(_portal_remedies(request.user), pk=pk)
    if request.method != "POST":
        return redirect("complaints:portal-remedies")
    form = RemedyDoneForm(request.POST, request.FILES, prefix=f"done-{remedy.pk}")
    if form.is_valid():
        try:
            services.mark_done(
                remedy=remedy,
                by=request.user,
                proof_reference=form.cleaned_data["proof_reference"],
                proof_file=form.cleaned_data["proof_file"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Recorded as done. Thank you."))
            return redirect("complaints:portal-remedies")
    return _portal_page(request, bound=form, bound_pk=remedy.pk)
