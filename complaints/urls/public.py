"""Complaints pages for the public audience (consumers, no account), and Consumer Service's
intake of phone calls and emails under staff/complaints/intake/."""

from django.urls import path

from complaints.views import intake, public

urlpatterns = [
    path("complaints/new/", public.new_complaint, name="new-complaint"),
    path("complaints/new/remedies/", public.remedies, name="remedies"),
    path("complaints/report/new/", public.new_report, name="new-report"),
    path("complaints/lookup/", public.lookup, name="lookup"),
    path("rights/", public.rights_guide, name="rights-guide"),
    path("complaints/rate/<str:token>/", public.rate_by_link, name="rate-link"),
    path("complaints/case/<str:token>/", public.case, name="case"),
    path("complaints/case/<str:token>/reply/", public.reply, name="case-reply"),
    path("complaints/case/<str:token>/rate/", public.rate, name="case-rate"),
    path(
        "complaints/case/<str:token>/files/<uuid:upload_id>/",
        public.attachment,
        name="case-attachment",
    ),
    path("staff/complaints/intake/", intake.home, name="intake"),
    path("staff/complaints/intake/complaint/", intake.record_complaint, name="intake-complaint"),
    path("staff/complaints/intake/report/", intake.record_report, name="intake-report"),
    path("staff/complaints/intake/mail/<int:pk>/", intake.mail_case, name="intake-mail"),
    path(
        "staff/complaints/intake/mail/<int:pk>/dismiss/",
        intake.mail_dismiss,
        name="intake-mail-dismiss",
    ),
]
