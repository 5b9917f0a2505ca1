"""Staff pages for an incident's buyer notices and public quality notice."""

from django.urls import path

from complaints.views import notices

urlpatterns = [
    path("staff/incident-notices/<int:pk>/", notices.incident_notices, name="incident-notices"),
    path(
        "staff/incident-notices/<int:pk>/buyers/",
        notices.notify_buyers,
        name="incident-notify-buyers",
    ),
    path(
        "staff/incident-notices/<int:pk>/public/prefill/",
        notices.prefill_notice,
        name="incident-notice-prefill",
    ),
    path(
        "staff/incident-notices/<int:pk>/public/draft/",
        notices.draft_notice,
        name="incident-notice-draft",
    ),
    path(
        "staff/incident-notices/<int:pk>/public/approve/",
        notices.approve_notice,
        name="incident-notice-approve",
    ),
    path(
        "staff/incident-notices/<int:pk>/public/withdraw/",
        notices.withdraw_notice,
        name="incident-notice-withdraw",
    ),
]
