"""Risk pages for staff: merchants by score (tier and category filters), one merchant's
factor contributions, latest past scores and probation review, the merchant's whole history
of scores, and the probation override. Thin: parse,
authorise, call a service, render."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.models import Category
from core.roles import Role, has_role
from core.web import add_service_errors, allowed_if
from merchants.models import Merchant, Probation
from reports.models import ProbationEvaluation, RiskScore, RiskTier
from reports.services import probation as probation_service
from reports.services import risk as risk_service

risk_reader_required = allowed_if(risk_service.may_see_risk)


class ProbationOverrideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=ProbationEvaluation.Outcome.choices
    )
    extend_days = forms.IntegerField(
        label=gettext_lazy("Extend by (days)"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=gettext_lazy("Empty: the onboarding policy's extension."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


def _may_decide(user) -> bool:
    return has_role(user, Role.MERCHANT_MANAGEMENT)


@risk_reader_required
def risk_list(request):
    tier = request.GET.get("tier", "")
    tier = tier if tier in RiskTier.values else ""
    category = None
    if request.GET.get("category", "").isdigit():
        category = Category.objects.filter(pk=request.GET["category"]).first()
    page = Paginator(risk_service.scores(tier=tier or None, category=category), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reports/risk/list.html",
        {
            "page": page,
            "tier": tier,
            "tiers": RiskTier.choices,
            "category": category,
            "categories": Category.objects.filter(active=True),
        },
    )


def _merchant_page(request, merchant: Merchant, *, form=None, status=200):
    score = RiskScore.objects.filter(merchant=merchant).select_related("policy_version").first()
    # One row more than shown tells whether the history page has more.
    history = list(risk_service.score_history(merchant.pk)[: risk_service.HISTORY_ON_PAGE + 1])
    probation = merchant.probations.filter(status=Probation.Status.OPEN).first()
    context = {
        "merchant": merchant,
        "score": score,
        "contributions": score.contributions() if score else [],
        "history": history[: risk_service.HISTORY_ON_PAGE],
        "history_more": len(history) > risk_service.HISTORY_ON_PAGE,
        "probation": probation,
        "preview": probation_service.preview(probation) if probation else {},
        "evaluations": ProbationEvaluation.objects.filter(merchant=merchant).select_related(
            "decided_by", "policy_version"
        )[:20],
        "may_decide": _may_decide(request.user),
        "form": form or ProbationOverrideForm(),
        "related": risk_service.merchant_related(request.user, merchant),
    }
    return render(request, "reports/risk/merchant.html", context, status=status)


@risk_reader_required
def merchant_risk(request, pk):
    return _merchant_page(request, get_object_or_404(Merchant, pk=pk))


@risk_reader_required
def merchant_risk_history(request, pk):
    merchant = get_object_or_404(Merchant, pk=pk)
    page = Paginator(risk_service.score_history(merchant.pk), risk_service.HISTORY_ON_PAGE)
    return render(
        request,
        "reports/risk/history.html",
        {"merchant": merchant, "page": page.get_page(request.GET.get("page"))},
    )


@require_POST
@allowed_if(_may_decide)
def override_probation(request, pk):
    probation = get_object_or_404(Probation.objects.select_related("merchant"), pk=pk)
    form = ProbationOverrideForm(request.POST)
    if form.is_valid():
        try:
            probation_service.override_probation(
                probation=probation,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                extend_days=form.cleaned_data["extend_days"],
                by=request.user,
            )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The probation decision is recorded."))
            return redirect("reports:risk-merchant", probation.merchant_id)
    return _merchant_page(request, probation.merchant, form=form, status=400)
