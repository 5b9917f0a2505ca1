"""Complaints pages for the portal audience."""

urlpatterns = []
