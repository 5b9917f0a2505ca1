"""Reports pages: risk."""

urlpatterns = []
