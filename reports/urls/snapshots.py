"""Reports pages: snapshots."""

urlpatterns = []
