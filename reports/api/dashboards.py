"""Reports API: dashboard aggregates. Daily series and period sums from the pre-aggregated
daily figures, filtered by period and category, for quality managers and Data Analysis."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import role_permission
from core.models import Category
from core.roles import Role
from reports.services import dashboards as figures


class DashboardQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First local day (with end).")
    end = serializers.DateField(required=False, help_text="Last local day (with start).")
    days = serializers.IntegerField(
        required=False,
        default=30,
        min_value=1,
        max_value=figures.MAX_PERIOD_DAYS,
        help_text="Without start/end: the last N days up to today.",
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        help_text="Only this category and its descendants.",
    )


DashboardFiguresSerializer = type(
    "DashboardFiguresSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Every daily figure, summed (see reports.services.dashboards.FIGURES).",
        **{
            kind.code: serializers.IntegerField(help_text=kind.definition)
            for kind in figures.FIGURES
        },
    },
)


class DashboardDaySerializer(DashboardFiguresSerializer):
    day = serializers.DateField()


class DashboardKpiSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.ChoiceField(choices=["count", "percent", "stars"])
    value = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(allow_null=True, help_text="Over the previous period.")
    change = serializers.FloatField(allow_null=True)


class DashboardSeriesSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    category = serializers.IntegerField(allow_null=True)
    previous_start = serializers.DateField()
    previous_end = serializers.DateField()
    totals = DashboardFiguresSerializer()
    previous_totals = DashboardFiguresSerializer()
    kpis = DashboardKpiSerializer(many=True)
    series = DashboardDaySerializer(many=True)


class DashboardViewSet(viewsets.ViewSet):
    """Aggregates behind the quality dashboard."""

    permission_classes = [role_permission(Role.QUALITY_MANAGER, Role.DATA_ANALYSIS)]

    @extend_schema(parameters=[DashboardQuerySerializer], responses=DashboardSeriesSerializer)
    @action(detail=False, methods=["get"])
    def series(self, request):
        """One point per local day with every figure, the period's totals and KPIs, and
        the previous period of the same length for comparison."""
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period = figures.choose_period(
            start=params.get("start"), end=params.get("end"), days=params["days"]
        )
        category = params.get("category")
        scope = None if category is None else figures.category_subtree(category.pk)
        data = figures.dashboard(period=period, category_ids=scope)
        before = period.previous()
        payload = {
            "start": period.first,
            "end": period.last,
            "category": category.pk if category else None,
            "previous_start": before.first,
            "previous_end": before.last,
            "totals": data.totals,
            "previous_totals": data.previous,
            "kpis": data.kpis(),
            "series": data.series,
        }
        return Response(DashboardSeriesSerializer(payload).data)


def register(router) -> None:
    router.register("dashboard", DashboardViewSet, basename="dashboard")
