"""Reports pages: quarterly snapshots and reports (staff) and the public transparency page."""

from django.urls import path

from reports.views import public
from reports.views import snapshots as views

urlpatterns = [
    path("staff/reports/quarterly/", views.snapshot_list, name="snapshot-list"),
    path("staff/reports/quarterly/generate/", views.snapshot_generate, name="snapshot-generate"),
    path("staff/reports/quarterly/<int:pk>/", views.snapshot_detail, name="snapshot-detail"),
    path(
        "staff/reports/quarterly/<int:pk>/<str:language>.<str:file_format>",
        views.snapshot_download,
        name="snapshot-download",
    ),
    path(
        "staff/reports/quarterly/reports/<int:pk>/publish/",
        views.report_publish,
        name="report-publish",
    ),
    path("transparency/", public.public_index, name="public-index"),
    path("transparency/<int:year>-q<int:quarter>/", public.public_report, name="public-report"),
    path(
        "transparency/<int:year>-q<int:quarter>/<str:language>.<str:file_format>",
        public.public_download,
        name="public-download",
    ),
]
