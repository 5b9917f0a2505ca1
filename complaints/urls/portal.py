"""Complaints pages for the portal audience."""

from django.urls import path

from complaints.views import portal, remedies

urlpatterns = [
    path("merchant/remedies/", remedies.portal_remedies, name="portal-remedies"),
    path(
        "merchant/remedies/<int:pk>/done/",
        remedies.portal_remedy_done,
        name="portal-remedy-done",
    ),
    path("merchant/complaints/", portal.case_list, name="portal-cases"),
    path("merchant/complaints/<int:pk>/", portal.case_detail, name="portal-case"),
    path(
        "merchant/complaints/<int:pk>/<slug:action>/",
        portal.case_detail,
        name="portal-case-action",
    ),
]
