"""Dashboards for quality managers and Data Analysis: KPIs and charts from the daily
figures, the rows behind any figure, and the top-risk panel. Thin: parse the filters, call
reports.services.dashboards, render."""

from urllib.parse import urlencode

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import Category
from core.roles import Role, has_role
from core.web import allowed_if
from reports.services import dashboards as figures
from reports.services import risk


def may_read_dashboards(user) -> bool:
    return has_role(user, Role.QUALITY_MANAGER, Role.DATA_ANALYSIS)


dashboard_access = allowed_if(may_read_dashboards)

PAGE_SIZE = 50


class DashboardFilterForm(forms.Form):
    """Period (a preset or from/to days) and category; invalid input falls back to the
    last 30 days with the errors shown."""

    PRESETS = [
        ("7", _("Last 7 days")),
        ("30", _("Last 30 days")),
        ("90", _("Last 90 days")),
        ("365", _("Last 365 days")),
    ]
    DEFAULT_PRESET = "30"

    period = forms.ChoiceField(
        label=_("Period"), choices=PRESETS, required=False, initial=DEFAULT_PRESET
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None and not data.get("period"):
            # The select shows the period the page falls back to, not its first option.
            data = data.copy()
            data["period"] = self.DEFAULT_PRESET
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [
            ("", _("All categories")),
            *figures.category_choices(),
        ]

    def clean(self):
        data = super().clean()
        # A DomainError is a ValidationError: the form shows its message.
        self.period = figures.choose_period(
            start=data.get("start"),
            end=data.get("end"),
            days=int(data.get("period") or self.DEFAULT_PRESET),
        )
        return data

    def selection(self) -> tuple[figures.Period, Category | None]:
        """The period and category to show (the defaults when the input is not valid)."""
        if not (self.is_bound and self.is_valid()):
            return figures.choose_period(days=int(self.DEFAULT_PRESET)), None
        category = None
        if self.cleaned_data.get("category"):
            category = Category.objects.filter(pk=self.cleaned_data["category"]).first()
        return self.period, category


def _filters(period: figures.Period, category: Category | None, **extra) -> str:
    params = {"start": period.first.isoformat(), "end": period.last.isoformat()}
    if category is not None:
        params["category"] = category.pk
    return urlencode(params | extra)


def _drill_url(code: str, period: figures.Period, category: Category | None) -> str:
    return f"{reverse('reports:dashboard-figure', args=[code])}?{_filters(period, category)}"


def _top_risk(category: Category | None) -> list[dict]:
    """The riskiest merchants (in the category) from the risk scores: the dashboard's only
    tie to them."""
    return risk.top_risk(category=category, limit=10)


def _training(category: Category | None) -> dict:
    """Training completion now (per programme, category, risk tier), from the merchants app."""
    from merchants.models.training import in_language
    from merchants.services import completion_figures

    data = completion_figures(category_ids=_scope(category))
    tiers = {"high": _("High"), "medium": _("Medium"), "low": _("Low"), "": _("Not scored")}
    for row in data["tiers"]:
        row["label"] = tiers.get(row["tier"], row["tier"])
    for row in data["categories"]:
        row["label"] = row["name_zh"] if get_language() == "zh-hans" else row["name_en"]
    for row in data["programmes"]:
        row["label"] = in_language(row["title"], row["title_en"])
    return data


def _scope(category: Category | None) -> list[int] | None:
    return None if category is None else figures.category_subtree(category.pk)


@dashboard_access
def index(request):
    form = DashboardFilterForm(request.GET or None)
    period, category = form.selection()
    data = figures.dashboard(period=period, category_ids=_scope(category))
    kpis = data.kpis()
    charts = figures.charts(data)
    for kpi in kpis:
        kpi["url"] = _drill_url(kpi["figure"], period, category)
        kpi["of_url"] = _drill_url(kpi["of"], period, category) if kpi["of"] else None
    return render(
        request,
        "reports/dashboards/index.html",
        {
            "form": form,
            "period": period,
            "previous": period.previous(),
            "category": category,
            "kpis": kpis,
            "charts": charts,
            "chart_tables": figures.chart_tables(charts),
            "chart_drill": {
                "url": reverse("reports:dashboard-figure", args=["FIGURE"]),
                "category": category.pk if category else "",
            },
            "figures": [
                {
                    "code": kind.code,
                    "label": kind.label,
                    "definition": kind.definition,
                    "total": data.totals[kind.code],
                    "url": _drill_url(kind.code, period, category),
                }
                for kind in figures.FIGURES
            ],
            "top_risk": _top_risk(category),
            "training": _training(category),
        },
    )


@dashboard_access
def figure(request, code):
    """The rows behind one figure for the period and category: their number (or sum) is the
    figure the dashboard showed."""
    kind = figures.FIGURES_BY_CODE.get(code)
    if kind is None:
        raise Http404
    form = DashboardFilterForm(request.GET or None)
    period, category = form.selection()
    rows = figures.figure_rows(kind, period=period, category_ids=_scope(category))
    total = figures.figure_total(rows, kind)
    count = rows.count() if kind.value else total
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(page, pages)
    listed = rows.select_related("merchant", "product").order_by(f"-{kind.event}", "-pk")[
        (page - 1) * PAGE_SIZE : page * PAGE_SIZE
    ]
    return render(
        request,
        "reports/dashboards/figure.html",
        {
            "form": form,
            "kind": kind,
            "period": period,
            "category": category,
            "total": total,
            "count": count,
            "rows": listed,
            "event": kind.event,
            "model": rows.model._meta.model_name,
            "page": page,
            "pages": pages,
            "previous_page": _filters(period, category, page=page - 1) if page > 1 else None,
            "next_page": _filters(period, category, page=page + 1) if page < pages else None,
            "dashboard_url": f"{reverse('reports:dashboards')}?{_filters(period, category)}",
        },
    )
