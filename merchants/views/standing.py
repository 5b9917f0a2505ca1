"""Standing pages: the merchant's own standing and appeals, staff views and the appeal
review. Every read goes through the scoped selectors; every write through the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.models import Decision
from core.roles import Role, has_role
from merchants import services
from merchants.forms.standing import AppealForm, DecisionForm, RecordViolationForm
from merchants.models import Appeal, Merchant, Sanction, ViolationEntry
from merchants.policies import APPEALS, POINTS
from merchants.selectors import (
    appeals_visible_to,
    entries_visible_to,
    merchant_of,
    sanctions_visible_to,
)
from merchants.services.standing_setup import STANDING_READERS


def _standing_context(user, merchant: Merchant, *, history: bool) -> dict:
    from core import policies

    now = timezone.now()
    entries = (
        entries_visible_to(user).filter(merchant=merchant).prefetch_related("appeals", "evidence")
    )
    if not history:
        entries = entries.filter(expires_at__gt=now - timezone.timedelta(days=365))
    sanctions = (
        sanctions_visible_to(user)
        .filter(merchant=merchant)
        .prefetch_related("appeals", "entries__rule", "evidence")
        .select_related("category", "replaces")
    )
    entries, sanctions = list(entries[:500]), list(sanctions[:200])
    for item in [*entries, *sanctions]:
        item.appeal = next(iter(item.appeals.all()), None)
        item.appealable = (
            item.appeal is None
            and now <= item.appeal_until
            and item.status not in ("withdrawn", "revoked")
        )
    context = {
        "merchant": merchant,
        "points": services.current_points(merchant),
        "entries": entries,
        "active_sanctions": [
            s for s in sanctions if s.status == "active" and (s.ends_at is None or s.ends_at > now)
        ],
        "sanctions": sanctions,
        "appeals": list(appeals_visible_to(user).filter(merchant=merchant)[:100]),
        "ladder": services.ladder_in_force()[1],
        "appeal_policy": policies.get(APPEALS),
        "expire_days": policies.get(POINTS)["expire_after_days"],
        "now": now,
    }
    if history:
        context["decisions"] = _decisions(entries, sanctions, context["appeals"])
    return context


def _decisions(entries, sanctions, appeals) -> list[Decision]:
    """The decision records of everything on the page, in one query."""
    from django.db.models import Q

    query = Q(pk__in=[])
    for model, objects in (
        (ViolationEntry, entries),
        (Sanction, sanctions),
        (Appeal, appeals),
    ):
        if objects:
            query |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(o.pk) for o in objects],
            )
    return list(
        Decision.objects.filter(query)
        .select_related("actor", "content_type")
        .order_by("-created_at", "-id")[:500]
    )


@login_required
def standing(request):
    merchant = merchant_of(request.user)
    if merchant is None:
        raise PermissionDenied
    context = _standing_context(request.user, merchant, history=False)
    return render(request, "merchants/standing/merchant.html", context)


@login_required
def appeal_new(request, kind, pk):
    if merchant_of(request.user) is None:
        raise PermissionDenied
    if kind == "entry":
        target = get_object_or_404(entries_visible_to(request.user), pk=pk)
    elif kind == "sanction":
        target = get_object_or_404(sanctions_visible_to(request.user), pk=pk)
    else:
        raise Http404
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_appeal(
                by=request.user,
                statement=form.cleaned_data["statement"],
                entry=target if kind == "entry" else None,
                sanction=target if kind == "sanction" else None,
                files=form.cleaned_data["files"],
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your appeal was submitted."))
            return redirect("merchants:standing")
    return render(
        request,
        "merchants/standing/appeal_form.html",
        {
            "form": form,
            "target": target,
            "kind": kind,
            "appeal_until": services.appeal_deadline(target),
        },
    )


def _require_staff(user, *roles):
    if not has_role(user, *roles):
        raise PermissionDenied


@login_required
def staff_standing(request, merchant_id):
    """The staff standing page; Merchant Management and Quality Management record
    violations by hand here too."""
    _require_staff(request.user, *STANDING_READERS)
    merchant = get_object_or_404(Merchant, pk=merchant_id)
    may_record = services.may_record_violations(request.user)
    form = None
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        form = RecordViolationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                entry = services.record_violation_by_hand(
                    merchant=merchant,
                    rule_code=form.cleaned_data["rule_code"],
                    by=request.user,
                    note=form.cleaned_data["note"],
                    evidence=form.evidence(),
                    evidence_file=form.cleaned_data.get("evidence_file"),
                    occurred_at=form.cleaned_data.get("occurred_at"),
                )
            except DomainError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("The violation was recorded: %(points)s points for “%(rule)s”.")
                    % {"points": entry.points, "rule": entry.rule.title},
                )
                return redirect("merchants:staff-standing", merchant_id=merchant.pk)
    elif may_record:
        form = RecordViolationForm()
    context = _standing_context(request.user, merchant, history=True)
    context["record_form"] = form
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "merchants/standing/staff.html", context, status=status)


@login_required
def staff_appeals(request):
    _require_staff(request.user, Role.MERCHANT_MANAGEMENT)
    appeals = appeals_visible_to(request.user)
    show = request.GET.get("show", "open")
    if show == "open":
        appeals = appeals.filter(
            status__in=[Appeal.Status.SUBMITTED, Appeal.Status.UNDER_REVIEW]
        ).order_by("decision_due_at")
    return render(
        request,
        "merchants/standing/staff_appeals.html",
        {"appeals": appeals[:200], "show": show, "now": timezone.now()},
    )


@login_required
def staff_appeal(request, pk):
    _require_staff(request.user, Role.MERCHANT_MANAGEMENT)
    appeal = get_object_or_404(appeals_visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST or None if request.POST.get("action") == "decide" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "review":
                services.start_appeal_review(appeal=appeal, by=request.user)
                messages.success(request, _("You are now reviewing this appeal."))
                return redirect("merchants:staff-appeal", pk=appeal.pk)
            if form.is_valid():
                services.decide_appeal(
                    appeal=appeal,
                    by=request.user,
                    upheld=form.cleaned_data["outcome"] == "upheld",
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("The decision was recorded."))
                return redirect("merchants:staff-appeal", pk=appeal.pk)
        except DomainError as error:
            form.add_error(None, error)
            messages.error(request, " ".join(error.messages))
    from core.audit import decisions_for

    return render(
        request,
        "merchants/standing/staff_appeal.html",
        {
            "appeal": appeal,
            "form": form,
            "decisions": decisions_for(appeal),
            "imposed_by_me": request.user.pk in services.imposers(appeal),
            "now": timezone.now(),
        },
    )


urlpatterns = [
    path("merchant/standing/", standing, name="standing"),
    path("merchant/standing/appeal/<str:kind>/<int:pk>/", appeal_new, name="appeal-new"),
    path("staff/merchants/<int:merchant_id>/standing/", staff_standing, name="staff-standing"),
    path("staff/standing/appeals/", staff_appeals, name="staff-appeals"),
    path("staff/standing/appeals/<int:pk>/", staff_appeal, name="staff-appeal"),
]
