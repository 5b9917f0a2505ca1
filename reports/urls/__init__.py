"""Reports pages, one module per capability."""

from reports.urls import assessment, dashboards, risk, snapshots, traceability

app_name = "reports"
urlpatterns = [
    *risk.urlpatterns,
    *snapshots.urlpatterns,
    *dashboards.urlpatterns,
    *traceability.urlpatterns,
    *assessment.urlpatterns,
]
