"""Staff pages of the quarterly reports: the list with progress, generating on demand, a
report's figures and charts, publishing (Quality Managers) and the downloads. Thin: parse,
authorise, call a service, render."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.audit import decisions_for
from core.exceptions import DomainError
from core.web import add_service_errors, allowed_if
from reports.models.snapshots import QuarterlyReport, Snapshot
from reports.services import render as rendering
from reports.services import snapshots as services
from reports.services.figures import SCORECARD_KEYS, quarter_of

reader_required = allowed_if(services.may_read)


class GenerateForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2999)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        coerce=int,
        choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)],
    )


class PublishForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Note for the record (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@reader_required
def snapshot_list(request):
    snapshots = list(
        Snapshot.objects.select_related("report", "requested_by").defer("figures")[:200]
    )
    current = quarter_of(timezone.now())
    return render(
        request,
        "reports/snapshots/list.html",
        {
            "snapshots": snapshots,
            "form": GenerateForm(initial={"year": current.year, "quarter": current.quarter}),
            "may_generate": services.may_generate(request.user),
            "busy": any(not s.is_ready and s.state != Snapshot.State.FAILED for s in snapshots),
            "step_labels": services.STEP_LABELS,
        },
    )


@require_POST
@reader_required
def snapshot_generate(request):
    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            snapshot = services.request_snapshot(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The %(period)s snapshot is being computed.") % {"period": snapshot.period_label},
            )
            return redirect("reports:snapshot-detail", snapshot.pk)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("reports:snapshot-list")


@reader_required
def snapshot_detail(request, pk):
    snapshot = get_object_or_404(Snapshot.objects.select_related("requested_by"), pk=pk)
    report = (
        QuarterlyReport.objects.filter(snapshot=snapshot).select_related("published_by").first()
    )
    context = {
        "snapshot": snapshot,
        "report": report,
        "step_labels": services.STEP_LABELS,
        "may_publish": services.may_publish(request.user),
        "publish_form": PublishForm(),
        "decisions": sorted(
            [*decisions_for(snapshot), *(decisions_for(report) if report else [])],
            key=lambda decision: (decision.created_at, decision.pk),
        ),
    }
    if snapshot.is_ready:
        context.update(page_figures(snapshot, audience=rendering.STAFF))
    return render(request, "reports/snapshots/detail.html", context)


def page_figures(snapshot: Snapshot, *, audience: str) -> dict:
    """What a report page shows, in the active language."""
    figures = snapshot.figures
    labels = rendering.figure_labels()
    sanction_names = rendering.sanction_labels()
    context = {
        "figures": figures,
        "rows": rendering.platform_rows(figures),
        "charts": [
            {**chart, "svg": rendering.svg_chart(chart)} for chart in rendering.charts(figures)
        ],
        "sanctions": [
            (sanction_names[kind], count) for kind, count in figures["sanctions_by_kind"].items()
        ],
        "as_of": figures["period"]["as_of"][:16].replace("T", " "),
        "definitions": rendering.definitions(),
        "remedy_tables": rendering.remedy_tables(figures),
    }
    if audience == rendering.STAFF:
        from django.utils.translation import get_language

        context["training_tables"] = rendering.training_tables(figures, get_language())
        context["scorecard_labels"] = [labels[k] for k in SCORECARD_KEYS]
        context["scorecards"] = [
            {
                "name": card["name"],
                "merchant_id": card["merchant_id"],
                "values": [rendering.format_value(k, card.get(k)) for k in SCORECARD_KEYS],
            }
            for card in figures["merchants"]
        ]
    return context


@require_POST
@reader_required
def report_publish(request, pk):
    if not services.may_publish(request.user):
        raise PermissionDenied
    report = get_object_or_404(QuarterlyReport, pk=pk)
    form = PublishForm(request.POST)
    form.is_valid()
    try:
        services.publish_report(
            report=report, by=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except DomainError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(report)s is published.") % {"report": report})
    return redirect("reports:snapshot-detail", report.snapshot_id)


@reader_required
def snapshot_download(request, pk, language, file_format):
    snapshot = get_object_or_404(Snapshot.objects.filter(state=Snapshot.State.READY), pk=pk)
    return download_response(
        snapshot, file_format=file_format, language=language, audience=rendering.STAFF
    )


def download_response(snapshot, *, file_format, language, audience) -> HttpResponse:
    if file_format not in rendering.FORMATS or language not in rendering.LANGUAGES:
        raise Http404
    data, name, content_type = services.download(
        snapshot=snapshot, file_format=file_format, language=language, audience=audience
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
