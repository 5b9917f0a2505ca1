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
        ],
        "quality_manager": ["view_*"],
        "data_analysis": ["view_*"],
        "merchant_management": ["view_*"],
    }

    def ready(self):
        from core.alerts import register_kind
        from core.navigation import register_nav
        from core.roles import Role, has_role
        from core.uploads import register_access_rule
        from inspections import policies, selectors  # noqa: F401 - registers the policies
        from merchants.selectors import merchant_of

        register_kind(
            "inspection_objection",
            _("Inspection objection"),
            _("%(merchant)s objects to inspection %(inspection)s and asks for a re-test"),
        )
        register_access_rule(selectors.may_see_lab_report)
        register_nav(
            _("Inspections"),
            "inspections:staff-queue",
            lambda u: has_role(u, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER),
            45,
        )
        register_nav(
            _("Inspections"),
            "inspections:merchant-inspections",
            lambda u: merchant_of(u) is not None,
            25,
        )
