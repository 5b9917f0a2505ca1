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
            "view_slabreach",
            # Quality incidents: open one from a case and suspend the listing at once.
            "view_qualityincident",
            "add_qualityincident",
            "contain_qualityincident",
            "add_remedy",
            "change_remedy",
            "view_remedy",
            "view_recovery",
            "view_buyernotice",
        ],
        "quality_management": [
            "view_qualityincident",
            "add_qualityincident",
            "contain_qualityincident",
            "decide_qualityincident",
            "add_remedy",
            "change_remedy",
            "view_remedy",
            "view_recovery",
            "view_buyernotice",
            "change_buyernotice",
            "view_qualitynotice",
            "add_qualitynotice",
            "change_qualitynotice",
        ],
        # Supervisors: remedies above the order amount, recoveries settled or written off.
        "quality_manager": [
            "view_*",
            "*_slapolicy",
            "*_businesscalendar",
            "*_calendarday",
            "contain_qualityincident",
            "decide_qualityincident",
            "*_remedy",
            "grant_remedy_above_order",
            "change_recovery",
            "change_buyernotice",
            "approve_qualitynotice",
        ],
        "data_analysis": [
            "view_case",
            "view_slapolicy",
            "view_slabreach",
            "view_qualityincident",
        ],
    }

    def ready(self):
        from complaints import (  # noqa: F401 (policies registers)
            incident_hooks,
            intake_hooks,
            merchant_alerts,
            policies,
            reason_texts,
            selectors,
        )
        from complaints.services import policies as sla_policies
        from complaints.services import remedies  # noqa: F401 (registers alert kinds)
        from core.decision_labels import register_reasons

        # Histories render the reasons this app writes as codes, in the reader's language.
        register_reasons(reason_texts.TEXTS, reason_texts.render)
        from core.alerts import register_kind
        from core.navigation import register_nav
        from core.uploads import ACCESS_RULES, register_access_rule
        from merchants.portal import register_overview_panel, register_portal_link

        register_kind("sla_at_risk", _("SLA at risk"), _("%(case)s: %(target)s due at %(due)s"))
        register_kind(
            "sla_breached", _("SLA breached"), _("%(case)s: %(target)s was due at %(due)s")
        )
        register_nav(_("Complaints"), "complaints:staff-queue", selectors.may_view_cases, 40)
        register_portal_link(_("Complaints"), "complaints:portal-cases", 80)
        for rule in (selectors.may_read_case_upload, selectors.may_read_remedy_proof):
            if rule not in ACCESS_RULES:
                register_access_rule(rule)
        register_nav(_("Your rights"), "complaints:rights-guide", intake_hooks.consumers, 95)
        register_portal_link(_("Remedies to pay"), "complaints:portal-remedies", 85)
        intake_hooks.register()
        merchant_alerts.register()
        incident_hooks.register()
        sla_policies.register()
        register_overview_panel(merchant_alerts.waiting_panel, 10)
        from inspections.quality_record import register_notice_source

        register_notice_source(selectors.product_quality_notices)
