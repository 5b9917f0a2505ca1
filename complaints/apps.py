from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")
    role_permissions = {
        "consumer_service": ["*_case", "*_casemessage", "*_casepause", "view_slapolicy"],
        "quality_manager": ["view_*", "*_slapolicy", "*_businesscalendar", "*_calendarday"],
        "data_analysis": ["view_case", "view_slapolicy"],
    }

    def ready(self):
        from complaints import intake_hooks

        intake_hooks.register()
