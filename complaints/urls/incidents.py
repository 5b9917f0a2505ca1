"""Quality incident pages: staff under staff/incidents/, the merchant's list in the portal."""

from django.urls import path

from complaints.views import incidents

urlpatterns = [
    path("staff/incidents/", incidents.incident_list, name="staff-incidents"),
    path("staff/incidents/new/", incidents.incident_new, name="incident-new"),
    path("staff/incidents/<int:pk>/", incidents.incident_detail, name="incident-detail"),
    path(
        "staff/incidents/<int:pk>/<slug:action>/",
        incidents.incident_detail,
        name="incident-action",
    ),
    path("merchant/incidents/", incidents.portal_incidents, name="portal-incidents"),
]
