"""Complaints pages for the staff audience."""

from django.urls import path

from complaints.views import remedies, staff

urlpatterns = [
    path("staff/complaints/", staff.case_queue, name="staff-queue"),
    path("staff/complaints/queue/<slug:scope>/", staff.case_queue, name="staff-queue-scope"),
    path("staff/complaints/assign/", staff.bulk_assign, name="staff-bulk-assign"),
    path(
        "staff/remedies/grant/<slug:target_kind>/<int:pk>/",
        remedies.grant,
        name="remedy-grant",
    ),
    path("staff/remedies/<int:pk>/", remedies.remedy_detail, name="remedy"),
    path(
        "staff/remedies/<int:pk>/<slug:action>/",
        remedies.remedy_detail,
        name="remedy-action",
    ),
    path("staff/complaints/<int:pk>/", staff.case_detail, name="staff-case"),
    path("staff/complaints/<int:pk>/link/reissue/", staff.reissue_link, name="staff-reissue-link"),
    path("staff/complaints/<int:pk>/<slug:action>/", staff.case_detail, name="staff-case-action"),
]
