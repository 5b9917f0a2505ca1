"""Pages for labs: Quality Management's lab list, lab page and the samples of an
inspection (assign, ship); the lab portal (a lab user's own samples: custody, results by
grid or CSV, the signed report). Thin: parse, authorise, call a service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.audit import decisions_for
from core.exceptions import DomainError
from core.roles import Role, has_role
from core.uploads import atomic_with_uploads, store_upload
from core.web import allowed_if
from inspections import labs, selectors
from inspections.forms import (
    AssignSampleForm,
    CustodyForm,
    LabDocumentForm,
    LabSuspendForm,
    ResultsCsvForm,
    SampleReportForm,
    grid_cell_name,
    parse_grid,
)
from inspections.models import CustodyKind, Lab, Sample
from products.models import Requirement

staff_reader = allowed_if(lambda u: has_role(u, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER))
inspector_required = allowed_if(selectors.is_inspector)
lab_required = allowed_if(lambda u: labs.lab_of(u) is not None)


def _flash_errors(request, exc: DomainError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- Quality Management --------------------------------------------------------------------
@staff_reader
def staff_labs(request):
    rows = [
        {"lab": lab, "problem": labs.accreditation_problem(lab)}
        for lab in Lab.objects.prefetch_related("scope_categories").order_by("name")
    ]
    return render(request, "inspections/labs/staff_labs.html", {"rows": rows})


@staff_reader
def staff_lab(request, pk):
    lab = get_object_or_404(Lab, pk=pk)
    if request.method == "POST":
        if not selectors.is_inspector(request.user):
            raise PermissionDenied  # Quality Managers read; Quality Management decides
        try:
            if "suspend" in request.POST:
                form = LabSuspendForm(request.POST)
                if form.is_valid():
                    labs.suspend_lab(lab=lab, reason=form.cleaned_data["reason"], by=request.user)
                    messages.success(request, _("The lab is suspended."))
                else:
                    messages.error(request, _("Give the reason for this decision."))
            elif "reinstate" in request.POST:
                labs.reinstate_lab(lab=lab, by=request.user)
                messages.success(request, _("The lab is active again."))
            elif "document" in request.POST:
                form = LabDocumentForm(request.POST, request.FILES)
                if form.is_valid():
                    with atomic_with_uploads():
                        lab.documents.add(
                            store_upload(form.cleaned_data["file"], uploaded_by=request.user)
                        )
                    messages.success(request, _("Document stored."))
                else:
                    for error in form.errors.get("file", []):
                        messages.error(request, error)
        except DomainError as exc:
            _flash_errors(request, exc)
        return redirect("inspections:staff-lab", pk=lab.pk)
    return render(
        request,
        "inspections/labs/staff_lab.html",
        {
            "lab": lab,
            "problem": labs.accreditation_problem(lab),
            "samples": lab.samples.select_related("inspection__product").order_by("-created_at")[
                :100
            ],
            "document_form": LabDocumentForm(),
            "suspend_form": LabSuspendForm(),
            "decisions": decisions_for(lab),
            "may_act": selectors.is_inspector(request.user),
        },
    )


@inspector_required
def staff_samples(request, pk):
    """The samples of one inspection: assign the sealed sample to a lab, ship it, follow
    its custody and the lab's report."""
    inspection = get_object_or_404(selectors.inspections_visible_to(request.user), pk=pk)
    form = AssignSampleForm(request.POST or None)
    if request.method == "POST":
        try:
            if "assign" in request.POST and form.is_valid():
                sample = labs.assign_sample(
                    inspection=inspection,
                    lab=form.cleaned_data["lab"],
                    seal_number=form.cleaned_data["seal_number"],
                    by=request.user,
                )
                messages.success(
                    request,
                    _("Sample %(code)s sealed for %(lab)s.")
                    % {"code": sample.code, "lab": sample.lab},
                )
                return redirect("inspections:staff-samples", pk=inspection.pk)
            if "step" in request.POST:
                sample = get_object_or_404(
                    Sample, inspection=inspection, pk=request.POST.get("sample")
                )
                labs.record_custody(
                    sample=sample,
                    kind=request.POST["step"],
                    note=request.POST.get("note", ""),
                    by=request.user,
                )
                messages.success(request, _("Custody step recorded."))
                return redirect("inspections:staff-samples", pk=inspection.pk)
        except DomainError as exc:
            _flash_errors(request, exc)
    samples = inspection.samples.select_related("lab", "report").prefetch_related("custody__by")
    return render(
        request,
        "inspections/labs/staff_samples.html",
        {
            "inspection": inspection,
            "samples": samples,
            "form": form,
            "staff_steps": [(k, v) for k, v in CustodyKind.choices if k in labs.STAFF_STEPS],
        },
    )


# --- the lab portal ------------------------------------------------------------------------
@lab_required
def lab_samples(request):
    lab = labs.lab_of(request.user)
    form = ResultsCsvForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = labs.import_csv(
                lab=lab, data=form.cleaned_data["file"].read(), by=request.user
            )
        except labs.LabResultsRejected as exc:
            errors = exc.errors
            messages.error(request, exc.messages[0])
        except DomainError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("%(n)d results stored.") % {"n": outcome["stored"]})
            return redirect("inspections:lab-samples")
    samples = selectors.samples_visible_to(request.user).order_by("-created_at")[:200]
    return render(
        request,
        "inspections/labs/lab_samples.html",
        {
            "lab": lab,
            "problem": labs.accreditation_problem(lab),
            "samples": samples,
            "form": form,
            "errors": errors,
        },
    )


def _lab_grid(sample: Sample, requirements):
    stored = {
        (n, r): (passed, value)
        for n, r, passed, value in sample.inspection.results.values_list(
            "sample_number", "requirement_id", "passed", "value"
        )
    }
    plans = sample.inspection.sampling_plans
    rows = []
    for n in range(1, sample.inspection.sample_size + 1):
        cells = []
        for requirement in requirements:
            if n > plans[requirement.severity]["sample_size"]:
                cells.append(None)
                continue
            passed, value = stored.get((n, requirement.pk), (None, None))
            cells.append(
                {
                    "name": grid_cell_name(requirement.kind, n, requirement.pk),
                    "requirement": requirement,
                    "failed": passed is False,
                    "value": "" if value is None else value,
                }
            )
        rows.append({"sample": n, "cells": cells})
    return rows


LAB_STEP_CHOICES = [
    CustodyKind.RECEIVED,
    CustodyKind.TESTED,
    CustodyKind.RETAINED,
    CustodyKind.DISPOSED,
]


@lab_required
def lab_sample(request, code):
    lab = labs.lab_of(request.user)
    sample = get_object_or_404(selectors.samples_visible_to(request.user), code=code)
    inspection = sample.inspection
    requirements = list(
        inspection.standard_version.requirements.order_by("severity", "position", "code")
    )
    custody_form = CustodyForm(
        steps=[s for s in LAB_STEP_CHOICES if labs.CUSTODY_FLOW.can(sample, s)]
    )
    csv_form, report_form, errors = ResultsCsvForm(), SampleReportForm(), []
    if request.method == "POST":
        try:
            if "custody" in request.POST or "refuse" in request.POST:
                kind = CustodyKind.REFUSED if "refuse" in request.POST else request.POST.get("kind")
                labs.record_custody(
                    sample=sample,
                    kind=kind,
                    condition=request.POST.get("condition", ""),
                    note=request.POST.get("note", ""),
                    by=request.user,
                )
                messages.success(request, _("Custody step recorded."))
            elif "grid" in request.POST:
                rows = []
                for row in parse_grid(
                    request.POST, requirements=requirements, plans=inspection.sampling_plans
                ):
                    requirement = next(r for r in requirements if r.pk == row["requirement"])
                    rows.append(
                        {
                            "sample_code": sample.code,
                            "sample": row["sample_number"],
                            "test_item": requirement.code,
                            "result": ""
                            if requirement.kind == Requirement.Kind.MEASURED
                            else ("pass" if row["passed"] else "fail"),
                            "value": row.get("value", ""),
                            "unit": row.get("unit", ""),
                        }
                    )
                outcome = labs.submit_results(lab=lab, rows=rows, by=request.user)
                messages.success(request, _("%(n)d results stored.") % {"n": outcome["stored"]})
            elif "csv" in request.POST:
                csv_form = ResultsCsvForm(request.POST, request.FILES)
                if csv_form.is_valid():
                    outcome = labs.import_csv(
                        lab=lab, data=csv_form.cleaned_data["file"].read(), by=request.user
                    )
                    messages.success(request, _("%(n)d results stored.") % {"n": outcome["stored"]})
                else:
                    raise DomainError(_("Choose the CSV file."))
            elif "report" in request.POST or "report" in request.FILES:
                report_form = SampleReportForm(request.POST, request.FILES)
                if report_form.is_valid():
                    labs.submit_report(
                        sample=sample, file=report_form.cleaned_data["report"], by=request.user
                    )
                    messages.success(request, _("Report stored."))
                else:
                    raise DomainError(_("Choose the report PDF."))
        except labs.LabResultsRejected as exc:
            errors = exc.errors
            messages.error(request, exc.messages[0])
        except DomainError as exc:
            _flash_errors(request, exc)
        else:
            return redirect("inspections:lab-sample", code=sample.code)
    sample.refresh_from_db()
    return render(
        request,
        "inspections/labs/lab_sample.html",
        {
            "lab": lab,
            "sample": sample,
            "inspection": inspection,
            "requirements": requirements,
            "rows": _lab_grid(sample, requirements),
            "custody": sample.custody.select_related("by"),
            "custody_form": custody_form,
            "csv_form": csv_form,
            "report_form": report_form,
            "errors": errors,
            "open": sample.status in (CustodyKind.RECEIVED, CustodyKind.TESTED)
            and inspection.status in ("draft", "recorded"),
            "recorded": inspection.results.count(),
        },
    )


@lab_required
def lab_template(request, code):
    sample = get_object_or_404(selectors.samples_visible_to(request.user), code=code)
    response = HttpResponse(
        "\ufeff" + labs.csv_template([sample]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="results-{sample.code}.csv"'
    return response
