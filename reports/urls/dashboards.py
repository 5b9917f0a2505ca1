"""Reports pages: dashboards (staff)."""

from django.urls import path

from reports.views import dashboards

urlpatterns = [
    path("staff/dashboards/", dashboards.index, name="dashboards"),
    path("staff/dashboards/figures/<slug:code>/", dashboards.figure, name="dashboard-figure"),
]
