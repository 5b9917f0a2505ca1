"""Reports pages: external assessment (assessors' home, findings and responses)."""

from django.urls import path

from reports.views import assessment

urlpatterns = [
    path("assess/", assessment.assessor_home, name="assessor-home"),
    path("staff/findings/", assessment.staff_findings, name="staff-findings"),
    path("staff/findings/<int:pk>/", assessment.staff_finding, name="staff-finding"),
]
