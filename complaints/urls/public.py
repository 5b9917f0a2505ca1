"""Complaints pages for the public audience."""

urlpatterns = []
