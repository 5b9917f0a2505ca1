"""Quality incident pages: the staff list and incident page (one form per allowed step),
opening an incident by hand (also from a case page) and the merchant's read-only list.
Thin: parse, authorise, call complaints.services.incidents (which checks again)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy

from complaints import incident_selectors as selectors
from complaints import selectors as case_selectors
from complaints.forms.incidents import ConfirmForm, IncidentFilterForm, OpenIncidentForm, ReasonForm
from complaints.models import Case, QualityIncident
from complaints.services import incidents as services
from core.exceptions import DomainError
from core.web import add_service_errors, allowed_if
from inspections.selectors import is_inspector
from merchants.selectors import merchant_of

viewer_required = allowed_if(services.may_view)
opener_required = allowed_if(services.may_open)
merchant_required = allowed_if(case_selectors.is_portal_merchant)

PAGE_SIZE = 50
MAX_PAGE = 200

# action: (form, who may, service call, message when done)
ACTIONS = {
    "contain": (
        ReasonForm,
        services.may_contain,
        lambda incident, user, data: services.contain(
            incident=incident, by=user, reason=data["reason"]
        ),
        gettext_lazy("The listing is suspended while the incident is investigated."),
    ),
    "lift": (
        ReasonForm,
        services.may_contain,
        lambda incident, user, data: services.lift_containment(
            incident=incident, by=user, reason=data["reason"]
        ),
        gettext_lazy("The containment is lifted; the listing has its earlier status again."),
    ),
    "confirm": (
        ConfirmForm,
        services.may_decide,
        lambda incident, user, data: services.confirm(
            incident=incident,
            by=user,
            findings=data["findings"],
            delist=data["delist"],
            schedule_inspection=data["schedule_inspection"],
        ),
        gettext_lazy("The incident is confirmed."),
    ),
    "dismiss": (
        ReasonForm,
        services.may_decide,
        lambda incident, user, data: services.dismiss(
            incident=incident, by=user, reason=data["reason"]
        ),
        gettext_lazy("The incident is dismissed."),
    ),
}


def allowed_actions(incident: QualityIncident, user) -> list[str]:
    """The steps the page offers, read from the service's transition table."""
    can = services.FLOW.allowed(incident.status)
    actions = []
    if services.may_contain(user):
        if QualityIncident.Status.CONTAINED in can:
            actions.append("contain")
        if incident.status == QualityIncident.Status.CONTAINED:
            actions.append("lift")
    if services.may_decide(user) and QualityIncident.Status.RESOLVED in can:
        actions += ["confirm", "dismiss"]
    return actions


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        return 1


@viewer_required
def incident_list(request):
    filters = IncidentFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    incidents = selectors.incident_list(
        status=data.get("status", ""),
        kind=data.get("kind", ""),
        source=data.get("source", ""),
        merchant=data.get("merchant", "").strip(),
        search=data.get("q", "").strip(),
    )
    page = _page_number(request)
    offset = (page - 1) * PAGE_SIZE
    rows = list(incidents[offset : offset + PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/incidents/list.html",
        {
            "filters": filters,
            "rows": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
            "may_open": services.may_open(request.user),
        },
    )


@viewer_required
def incident_detail(request, pk, action=None):
    incident = get_object_or_404(
        QualityIncident.objects.select_related(
            "merchant", "product", "lot", "inspection", "opened_by"
        ),
        pk=pk,
    )
    bound = None
    if action is not None:
        if request.method != "POST" or action not in ACTIONS:
            raise Http404
        form_class, may, run, done = ACTIONS[action]
        if not may(request.user):
            raise PermissionDenied
        bound = form_class(request.POST, prefix=action)
        if bound.is_valid():
            try:
                run(incident, request.user, bound.cleaned_data)
            except DomainError as exc:
                add_service_errors(bound, exc)
            else:
                messages.success(request, str(done))
                return redirect("complaints:incident-detail", pk=incident.pk)
    forms = {
        name: ACTIONS[name][0](prefix=name) for name in allowed_actions(incident, request.user)
    }
    if bound is not None:
        forms[action] = bound
    return render(
        request,
        "complaints/incidents/detail.html",
        {
            "incident": incident,
            "timeline": selectors.timeline(incident),
            "cases": list(incident.cases.order_by("created_at")),
            "evidence": list(incident.evidence.all()),
            "consequences": selectors.consequences(incident),
            "forms": forms,
            "failed": action if bound is not None else None,
            "may_view_cases": case_selectors.may_view_cases(request.user),
            "may_record_inspection": is_inspector(request.user),
            "remedies": incident.remedies.select_related("proof"),
            "may_view_notices": case_selectors.may_view_incident_notices(request.user),
        },
        status=400 if bound is not None else 200,
    )


@opener_required
def incident_new(request):
    """Open an incident by hand; from a case page (`?case=`) the product, kind and case are
    filled in."""
    case = None
    case_id = request.POST.get("case") or request.GET.get("case")
    if case_id:
        case = get_object_or_404(Case, pk=case_id if str(case_id).isdigit() else 0)
    initial = {}
    if case is not None:
        initial = {
            "case": case.pk,
            "product": case.product_id,
            "kind": services.KIND_BY_COMPLAINT_TYPE.get(
                case.complaint_type,
                QualityIncident.Kind.FALSE_ADVERTISING
                if case.kind == "ad_report"
                else QualityIncident.Kind.QUALITY_DEFECT,
            ),
            "summary": case.description,
        }
    form = OpenIncidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.open_incident(
                kind=data["kind"],
                product=data["product"],
                source=QualityIncident.Source.STAFF,
                summary=data["summary"],
                by=request.user,
                case=case,
            )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, str(gettext_lazy("The incident is open.")))
            return redirect("complaints:incident-detail", pk=incident.pk)
    return render(
        request,
        "complaints/incidents/new.html",
        {"form": form, "case": case},
        status=400 if form.is_bound and form.errors else 200,
    )


@merchant_required
def portal_incidents(request):
    incidents = (
        selectors.incidents_for_merchant_user(request.user)
        .select_related("product")
        .order_by("-opened_at", "-id")[:200]
    )
    return render(
        request,
        "complaints/incidents/portal_list.html",
        {"merchant": merchant_of(request.user), "incidents": list(incidents)},
    )
