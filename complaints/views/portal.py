"""Merchant portal pages: the cases against the merchant, its answer deadline, the answer
with files and outcome proposals. Every read goes through
`selectors.cases_for_merchant_user`, so another merchant's case is a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import selectors, services
from complaints.forms.portal import AnswerForm, ProposalForm
from complaints.models import OPEN, CaseKind, CaseStatus
from core.exceptions import DomainError
from core.web import add_service_errors, allowed_if
from merchants.selectors import merchant_of

merchant_required = allowed_if(selectors.is_portal_merchant)

PAGE_SIZE = 100


@merchant_required
def case_list(request):
    now = timezone.now()
    cases = selectors.cases_for_merchant_user(request.user)
    waiting = list(
        cases.filter(status=CaseStatus.AWAITING_MERCHANT, merchant_answered_at__isnull=True)
        .select_related("product")
        .order_by("merchant_answer_due_at", "id")
    )
    show = request.GET.get("show", "open")
    others = cases.exclude(pk__in=[c.pk for c in waiting]).select_related("product")
    others = others.filter(status__in=OPEN) if show == "open" else others
    others = list(others.order_by("-created_at", "-id")[:PAGE_SIZE])
    return render(
        request,
        "complaints/portal/list.html",
        {
            "merchant": merchant_of(request.user),
            "waiting": [(case, selectors.merchant_clock(case, now)) for case in waiting],
            "others": others,
            "show": show,
            "now": now,
        },
    )


@merchant_required
def case_detail(request, pk, action=None):
    case = get_object_or_404(
        selectors.cases_for_merchant_user(request.user).select_related("product"), pk=pk
    )
    answer_form = AnswerForm(prefix="answer")
    proposal_form = ProposalForm(prefix="proposal")
    failed = False
    if request.method == "POST" and action == "answer":
        answer_form = AnswerForm(request.POST, request.FILES, prefix="answer")
        if answer_form.is_valid():
            try:
                services.merchant_answer_with_files(
                    case=case,
                    by=request.user,
                    text=answer_form.cleaned_data["text"],
                    files=answer_form.cleaned_data["files"],
                )
            except DomainError as exc:
                add_service_errors(answer_form, exc)
            else:
                messages.success(request, _("Your answer is sent to Consumer Service."))
                return redirect("complaints:portal-case", pk=case.pk)
        failed = True
    elif request.method == "POST" and action == "propose":
        proposal_form = ProposalForm(request.POST, prefix="proposal")
        if proposal_form.is_valid():
            try:
                services.propose_outcome(
                    case=case,
                    by=request.user,
                    outcome=proposal_form.cleaned_data["outcome"],
                    note=proposal_form.cleaned_data["note"],
                )
            except DomainError as exc:
                add_service_errors(proposal_form, exc)
            else:
                messages.success(request, _("Your proposal is sent to Consumer Service."))
                return redirect("complaints:portal-case", pk=case.pk)
        failed = True
    elif request.method == "POST":
        return redirect("complaints:portal-case", pk=case.pk)
    now = timezone.now()
    return render(
        request,
        "complaints/portal/case.html",
        {
            "merchant": merchant_of(request.user),
            "case": case,
            "clock": selectors.merchant_clock(case, now),
            "messages_shown": selectors.merchant_visible_messages(case),
            "questions": selectors.questions_to_merchant(case),
            "proposals": selectors.proposals_for(case),
            "may_answer": case.status == CaseStatus.AWAITING_MERCHANT,
            "may_propose": case.status in OPEN and case.kind == CaseKind.COMPLAINT,
            "answer_form": answer_form,
            "proposal_form": proposal_form,
            "now": now,
        },
        status=400 if failed else 200,
    )
