"""Reports pages: dashboards."""

urlpatterns = []
