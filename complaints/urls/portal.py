"""Complaints pages for the portal audience."""

from django.urls import path

from complaints.views import portal

urlpatterns = [
    path("merchant/complaints/", portal.case_list, name="portal-cases"),
    path("merchant/complaints/<int:pk>/", portal.case_detail, name="portal-case"),
    path(
        "merchant/complaints/<int:pk>/<slug:action>/",
        portal.case_detail,
        name="portal-case-action",
    ),
]
