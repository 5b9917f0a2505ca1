"""External assessors' pages (read-only: published reports, decision log, alert
statistics; they record findings) and the Quality Managers' responses."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import DomainError
from core.web import add_service_errors, allowed_if
from reports.models import Finding
from reports.models.snapshots import QuarterlyReport
from reports.services import assessment

assessor_required = allowed_if(assessment.is_assessor)
finding_reader = allowed_if(assessment.may_read_findings)


class FindingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    commitment = forms.CharField(
        label=gettext_lazy("Commitment concerned"), max_length=200, required=False
    )
    detail = forms.CharField(
        label=gettext_lazy("Finding"), widget=forms.Textarea(attrs={"rows": 5})
    )


class ResponseForm(forms.Form):
    response = forms.CharField(
        label=gettext_lazy("Platform response"), widget=forms.Textarea(attrs={"rows": 4})
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"), widget=forms.DateInput(attrs={"type": "date"})
    )


@assessor_required
def assessor_home(request):
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment.record_finding(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Finding recorded."))
            return redirect("reports:assessor-home")
    return render(
        request,
        "reports/assessment/home.html",
        {
            "reports": QuarterlyReport.objects.filter(
                status=QuarterlyReport.Status.PUBLISHED
            ).order_by("-year", "-quarter")[:20],
            "decisions": assessment.decision_log(limit=100),
            "alert_stats": assessment.alert_statistics(),
            "findings": Finding.objects.select_related("response")[:100],
            "form": form,
        },
    )


@finding_reader
def staff_findings(request):
    findings = Finding.objects.select_related("response")[:200]
    return render(
        request,
        "reports/assessment/findings.html",
        {"findings": findings, "may_respond": not assessment.is_assessor(request.user)},
    )


@finding_reader
def staff_finding(request, pk):
    finding = get_object_or_404(Finding.objects.select_related("response"), pk=pk)
    form = ResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment.respond(finding=finding, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Response recorded."))
            return redirect("reports:staff-finding", pk=finding.pk)
    return render(
        request,
        "reports/assessment/finding.html",
        {
            "finding": finding,
            "form": form,
            "may_respond": assessment.has_role(request.user, *assessment.RESPONDERS)
            and not assessment.is_assessor(request.user),
        },
    )
