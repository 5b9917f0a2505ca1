"""Pages: the Quality Management queue and result grid, the merchant's inspections.
Thin: parse, authorise, call a service, render."""

from itertools import groupby

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.web import add_service_errors, allowed_if
from inspections import grid, selectors, services
from inspections.forms import (
    CorrectiveActionForm,
    LabReportForm,
    ObjectionForm,
    StartInspectionForm,
    grid_cell_name,
    parse_grid,
)
from inspections.models import Inspection, InspectionPlan, Objection, Severity, SwitchingRecord
from merchants.selectors import merchant_of
from products.models import Requirement

inspector_required = allowed_if(selectors.is_inspector)
merchant_required = allowed_if(lambda user: merchant_of(user) is not None)


# --- Quality Management --------------------------------------------------------------------
@inspector_required
def staff_queue(request):
    """Due plans by week (a calendar of what falls due), open inspections, objections
    waiting for their re-test and the merchants whose acceptance is stopped."""
    plans = selectors.due_queue()
    kind = request.GET.get("kind", "")
    if kind in InspectionPlan.Kind.values:
        plans = plans.filter(kind=kind)
    plans = list(plans[:500])
    today = timezone.localdate()
    weeks = [
        {"monday": monday, "plans": list(items)}
        for monday, items in groupby(
            plans, key=lambda p: p.due_by - timezone.timedelta(days=p.due_by.weekday())
        )
    ]
    return render(
        request,
        "inspections/staff/queue.html",
        {
            "weeks": weeks,
            "today": today,
            "kind": kind,
            "kinds": InspectionPlan.Kind.choices,
            "open_inspections": selectors.open_for_results(request.user).order_by("created_at"),
            "objections": Objection.objects.filter(
                status=Objection.Status.RETEST_SCHEDULED
            ).select_related("inspection__product", "merchant", "retest_plan"),
            "stopped": SwitchingRecord.objects.filter(
                severity=Severity.DISCONTINUED
            ).select_related("merchant", "category"),
            "correction_form": CorrectiveActionForm(),
        },
    )


@inspector_required
def staff_start(request, pk):
    plan = get_object_or_404(selectors.due_queue(), pk=pk)
    form = StartInspectionForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.start_inspection(
                plan=plan,
                product=form.cleaned_data["product"],
                lot_size=form.cleaned_data["lot_size"],
                batch=form.cleaned_data["batch"],
                lab=form.cleaned_data["lab"],
                inspector=request.user,
                by=request.user,
            )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("inspections:staff-record", pk=inspection.pk)
    return render(request, "inspections/staff/start.html", {"plan": plan, "form": form})


def _grid(inspection: Inspection, requirements: list[Requirement], stored, posted=None):
    """Rows of cells for the template, prefilled from the stored results (or the post).
    A cell without a stored result is marked `empty` (not recorded yet)."""
    plans = inspection.sampling_plans
    rows = []
    for sample in range(1, inspection.sample_size + 1):
        cells = []
        for requirement in requirements:
            if sample > plans[requirement.severity]["sample_size"]:
                cells.append(None)
                continue
            name = grid_cell_name(requirement.kind, sample, requirement.pk)
            recorded = (sample, requirement.pk) in stored
            passed, value = stored.get((sample, requirement.pk), (None, None))
            if posted is not None:
                value = posted.get(name, "")
                passed = name not in posted
            cells.append(
                {
                    "name": name,
                    "requirement": requirement,
                    "failed": passed is False,
                    "value": value if posted is not None else _number(value),
                    "empty": not recorded,
                }
            )
        rows.append({"sample": sample, "cells": cells})
    return rows


def _number(value) -> str:
    """A stored decimal as typed: 500.0000 -> "500", 499.5000 -> "499.5"; None -> ""."""
    return "" if value is None else f"{value.normalize():f}"


def _limits(requirement: Requirement) -> str:
    """A measured item's accepted range: "495-505" (with an en dash), "≥ 12", "≤ 0.3"."""
    low, high = requirement.min_value, requirement.max_value
    if low is not None and high is not None:
        return f"{_number(low)}\N{EN DASH}{_number(high)}"
    if low is not None:
        return f"≥ {_number(low)}"
    if high is not None:
        return f"≤ {_number(high)}"
    return ""


def _stored(inspection: Inspection) -> dict:
    return {
        (sample, requirement_id): (passed, value)
        for sample, requirement_id, passed, value in inspection.results.values_list(
            "sample_number", "requirement_id", "passed", "value"
        )
    }


def _save_grid(request, inspection, requirements) -> None:
    """Store the posted grid (when the post carries it): ticked boxes, typed values and
    changes to results already stored; untouched pass/fail cells stay not recorded."""
    if "grid" not in request.POST:
        return
    rows = parse_grid(
        request.POST,
        requirements=requirements,
        plans=inspection.sampling_plans,
        known=set(_stored(inspection)),
    )
    if rows:
        services.record_results(inspection=inspection, results=rows, by=request.user)


@inspector_required
def staff_record(request, pk):
    """The result grid: one form post for every sample and requirement; the verdict
    panel updates as the inspector types (static/inspections/grid.js). Giving the verdict
    takes two steps: the page first names what saving it does, then the inspector confirms."""
    inspection = get_object_or_404(selectors.inspections_visible_to(request.user), pk=pk)
    requirements = list(
        inspection.standard_version.requirements.order_by("severity", "position", "code")
    )
    for requirement in requirements:
        requirement.limits = _limits(requirement)
    errors = []
    posted = None
    confirm = None
    if request.method == "POST" and inspection.status in services.OPEN_RESULTS:
        try:
            _save_grid(request, inspection, requirements)
            if "fill" in request.POST:
                filled = grid.fill_conforming(inspection=inspection, by=request.user)
                messages.success(
                    request,
                    ngettext(
                        "%(n)d result recorded as conforming.",
                        "%(n)d results recorded as conforming.",
                        filled,
                    )
                    % {"n": filled},
                )
            elif "decide" in request.POST:
                inspection.refresh_from_db()
                if inspection.status == Inspection.Status.DRAFT:
                    services.decide_verdict(inspection=inspection, by=request.user)  # says why
                preview = grid.verdict_preview(inspection)
                verdict = "accepted" if preview["accepted"] else "rejected"
                if "confirm" not in request.POST:
                    confirm = preview
                elif request.POST.get("expect") != verdict:
                    errors = [_("The results changed since the preview; check the verdict again.")]
                    confirm = preview
                else:
                    inspection = services.decide_verdict(inspection=inspection, by=request.user)
                    messages.success(
                        request,
                        _("Verdict: %(verdict)s.") % {"verdict": inspection.get_status_display()},
                    )
            else:
                messages.success(request, _("Results saved."))
        except DomainError as exc:
            errors = exc.messages
            posted = request.POST if "grid" in request.POST else None
        else:
            if confirm is None:
                return redirect("inspections:staff-record", pk=inspection.pk)
    inspection.refresh_from_db()
    plans = inspection.sampling_plans
    stored = _stored(inspection)
    expected = services.expected_cells(inspection)
    return render(
        request,
        "inspections/staff/record.html",
        {
            "inspection": inspection,
            "requirements": requirements,
            "has_attributes": any(r.kind == Requirement.Kind.PASS_FAIL for r in requirements),
            "classes": [
                (name, plans[name]) for name in ("critical", "major", "minor") if name in plans
            ],
            "rows": _grid(inspection, requirements, stored, posted),
            "errors": errors,
            "editable": inspection.status in services.OPEN_RESULTS,
            "recorded": len(stored),
            "expected": expected,
            "complete": len(stored) >= expected,
            "confirm": confirm,
            "report_form": LabReportForm(),
            "decisions": grid.history(inspection),
        },
    )


@inspector_required
@require_POST
def staff_lab_report(request, pk):
    inspection = get_object_or_404(selectors.inspections_visible_to(request.user), pk=pk)
    form = LabReportForm(request.POST, request.FILES)
    if form.is_valid():
        services.attach_lab_reports(
            inspection=inspection, files=[form.cleaned_data["file"]], by=request.user
        )
        messages.success(request, _("Lab report attached."))
    else:
        for error in form.errors.get("file", []):
            messages.error(request, error)
    return redirect("inspections:staff-record", pk=inspection.pk)


@inspector_required
@require_POST
def staff_corrective_action(request, pk):
    record = get_object_or_404(SwitchingRecord, pk=pk)
    form = CorrectiveActionForm(request.POST)
    if form.is_valid():
        try:
            services.accept_corrective_action(
                record=record, by=request.user, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Corrective action accepted: %(merchant)s resumes on tightened inspection.")
                % {"merchant": record.merchant},
            )
    else:
        messages.error(request, _("Describe the corrective action accepted."))
    return redirect("inspections:staff-queue")


# --- merchant portal -----------------------------------------------------------------------
@merchant_required
def merchant_inspections(request):
    inspections = (
        selectors.inspections_visible_to(request.user)
        .exclude(status=Inspection.Status.DRAFT)
        .order_by("-created_at")[:200]
    )
    return render(
        request,
        "inspections/merchant/list.html",
        {
            "inspections": inspections,
            "switching": selectors.switching_visible_to(request.user),
        },
    )


@merchant_required
def merchant_inspection(request, pk):
    inspection = get_object_or_404(selectors.inspections_visible_to(request.user), pk=pk)
    objection = Objection.objects.filter(inspection=inspection).first()
    deadline = services.objection_deadline(inspection)
    may_object = (
        objection is None
        and inspection.status == Inspection.Status.REJECTED
        and inspection.plan.kind != InspectionPlan.Kind.RETEST
        and deadline is not None
        and timezone.now() <= deadline
    )
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_objection(
                inspection=inspection, reason=form.cleaned_data["reason"], by=request.user
            )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your objection is filed; a re-test is scheduled."))
            return redirect("inspections:merchant-inspection", pk=inspection.pk)
    failures = (
        inspection.results.filter(passed=False)
        .select_related("requirement")
        .order_by("sample_number", "requirement__code")
        if inspection.is_decided
        else []
    )
    return render(
        request,
        "inspections/merchant/detail.html",
        {
            "inspection": inspection,
            "objection": objection,
            "deadline": deadline,
            "may_object": may_object,
            "form": form,
            "failures": failures,
            "results_count": inspection.results.count(),
        },
    )
