"""Reports pages: traceability per lot and per product (staff)."""

from django.urls import path

from reports.views import traceability

urlpatterns = [
    path("staff/trace/lots/<int:pk>/", traceability.trace_lot, name="staff-trace-lot"),
    path("staff/trace/products/<int:pk>/", traceability.trace_product, name="staff-trace-product"),
]
