"""Complaints pages for the staff audience."""

from django.urls import path

from complaints.views import staff

urlpatterns = [
    path("staff/complaints/", staff.case_queue, name="staff-queue"),
    path("staff/complaints/queue/<slug:scope>/", staff.case_queue, name="staff-queue-scope"),
    path("staff/complaints/assign/", staff.bulk_assign, name="staff-bulk-assign"),
    path("staff/complaints/<int:pk>/", staff.case_detail, name="staff-case"),
    path("staff/complaints/<int:pk>/link/reissue/", staff.reissue_link, name="staff-reissue-link"),
    path("staff/complaints/<int:pk>/<slug:action>/", staff.case_detail, name="staff-case-action"),
]
