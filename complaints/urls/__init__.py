"""Complaints pages, one module per audience: consumers (public), Consumer Service (staff)
and merchants (portal)."""

from complaints.urls import incidents, portal, public, staff

app_name = "complaints"
urlpatterns = [*public.urlpatterns, *staff.urlpatterns, *portal.urlpatterns, *incidents.urlpatterns]
from complaints.urls import notices, portal, public, staff

app_name = "complaints"
urlpatterns = [*public.urlpatterns, *staff.urlpatterns, *portal.urlpatterns, *notices.urlpatterns]
