"""Complaints pages for the staff audience."""

urlpatterns = []
