from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")
    role_permissions = {
        "quality_management": [
            "*_inspectionplan",
            "*_inspection",
            "*_sampleresult",
            "view_switchingrecord",
            "change_switchingrecord",
            "view_objection",
            "change_objection",
            "*_lab",
            "*_labmember",
            "*_sample",
            "*_custodyevent",
        ],
        "quality_manager": ["view_*"],
        "data_analysis": ["view_*"],
        "merchant_management": ["view_*"],
    }

    def ready(self):
        from core.alerts import register_kind
        from core.navigation import register_nav
        from core.roles import ExternalRole, Role, has_role
        from core.uploads import register_access_rule
        from inspections import policies, selectors  # noqa: F401 - registers the policies
        from merchants.selectors import merchant_of

        register_kind(
            "inspection_rejected", _("Inspection rejected"), _("Inspection %(inspection)s rejected")
        )
        register_kind(
            "inspection_objection",
            _("Inspection objection"),
            _("%(merchant)s objects to inspection %(inspection)s and asks for a re-test"),
        )
        from core.decision_labels import register_reasons
        from inspections import reason_texts

        # Histories render the reasons this app writes as codes, in the reader's language.
        register_reasons(reason_texts.TEXTS, reason_texts.render)
        register_access_rule(selectors.may_see_lab_report)
        register_access_rule(selectors.may_see_sample_report)
        from merchants.portal import register_portal_link

        register_portal_link(_("Lots and QR codes"), "inspections:merchant-lots", 26)
        register_kind(
            "lab_accreditation_expiring",
            _("Lab accreditation expiring"),
            _("The accreditation of %(lab)s ends on %(date)s"),
        )
        register_kind(
            "sample_refused",
            _("Sample refused by the lab"),
            _("%(lab)s refused sample %(sample)s: %(reason)s"),
        )
        register_nav(
            _("Testing labs"),
            "inspections:staff-labs",
            lambda u: has_role(u, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER),
            46,
        )
        register_nav(
            _("Lab samples"),
            "inspections:lab-samples",
            lambda u: has_role(u, ExternalRole.LAB) and not u.is_superuser,
            10,
        )
        register_nav(
            _("Inspections"),
            "inspections:staff-queue",
            selectors.is_inspector,  # the queue's own rule: Quality Managers read labs and risk
            45,
        )
        register_nav(
            _("Inspections"),
            "inspections:merchant-inspections",
            lambda u: merchant_of(u) is not None,
            25,
        )
