from django.urls import path

from inspections import lab_views, public_views, views

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
    path("staff/inspections/<int:pk>/samples/", lab_views.staff_samples, name="staff-samples"),
    path("staff/labs/", lab_views.staff_labs, name="staff-labs"),
    path("staff/labs/<int:pk>/", lab_views.staff_lab, name="staff-lab"),
    path("lab/samples/", lab_views.lab_samples, name="lab-samples"),
    path("lab/samples/<str:code>/", lab_views.lab_sample, name="lab-sample"),
    path("lab/samples/<str:code>/template.csv", lab_views.lab_template, name="lab-template"),
    path("quality/products/<int:pk>/", public_views.public_product, name="public-product"),
    path("quality/lots/<str:code>/", public_views.public_lot, name="public-lot"),
    path("merchant/lots/", public_views.merchant_lots, name="merchant-lots"),
    path("merchant/lots/<int:pk>/qr.svg", public_views.merchant_lot_qr, name="merchant-lot-qr"),
    path("merchant/inspections/", views.merchant_inspections, name="merchant-inspections"),
    path("merchant/inspections/<int:pk>/", views.merchant_inspection, name="merchant-inspection"),
]
