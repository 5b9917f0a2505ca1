from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("staff/inspections/", views.staff_queue, name="staff-queue"),
    path("staff/inspections/plans/<int:pk>/start/", views.staff_start, name="staff-start"),
    path("staff/inspections/<int:pk>/record/", views.staff_record, name="staff-record"),
    path("staff/inspections/<int:pk>/reports/", views.staff_lab_report, name="staff-lab-report"),
    path(
        "staff/inspections/switching/<int:pk>/corrective-action/",
        views.staff_corrective_action,
        name="staff-corrective-action",
    ),
    path("merchant/inspections/", views.merchant_inspections, name="merchant-inspections"),
    path("merchant/inspections/<int:pk>/", views.merchant_inspection, name="merchant-inspection"),
]
