from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")
    role_permissions = {
        "consumer_service": [
            "*_case",
            "*_casemessage",
            "*_casepause",
            "view_slapolicy",
            "view_buyernotice",
        ],
        "quality_manager": [
            "view_*",
            "*_slapolicy",
            "*_businesscalendar",
            "*_calendarday",
            "change_buyernotice",
            "approve_qualitynotice",
        ],
        "quality_management": [
            "view_buyernotice",
            "change_buyernotice",
            "view_qualitynotice",
            "add_qualitynotice",
            "change_qualitynotice",
        ],
        "data_analysis": ["view_case", "view_slapolicy"],
    }

    def ready(self):
        from complaints import (  # noqa: F401 (policies registers)
            intake_hooks,
            merchant_alerts,
            policies,
            selectors,
        )
        from core.navigation import register_nav
        from core.uploads import ACCESS_RULES, register_access_rule
        from merchants.portal import register_overview_panel, register_portal_link

        register_nav(_("Complaints"), "complaints:staff-queue", selectors.may_view_cases, 40)
        register_portal_link(_("Complaints"), "complaints:portal-cases", 80)
        if selectors.may_read_case_upload not in ACCESS_RULES:
            register_access_rule(selectors.may_read_case_upload)
        intake_hooks.register()
        merchant_alerts.register()
        register_overview_panel(merchant_alerts.waiting_panel, 10)
        from inspections.quality_record import register_notice_source

        register_notice_source(selectors.product_quality_notices)
