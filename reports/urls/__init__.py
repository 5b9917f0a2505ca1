"""Reports pages, one module per capability."""

from reports.urls import dashboards, risk, snapshots

app_name = "reports"
urlpatterns = [*risk.urlpatterns, *snapshots.urlpatterns, *dashboards.urlpatterns]
