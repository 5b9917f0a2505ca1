"""URLs for the bench-only helpdesk site (helpdesk reverses its own names in e-mails)."""

from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
