"""Complaints pages, one module per audience: consumers (public), Consumer Service (staff)
and merchants (portal), plus quality incidents and their notices (staff)."""

from complaints.urls import incidents, notices, portal, public, staff

app_name = "complaints"
urlpatterns = [
    *public.urlpatterns,
    *staff.urlpatterns,
    *portal.urlpatterns,
    *incidents.urlpatterns,
    *notices.urlpatterns,
]
