from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    role_permissions = {
        "data_analysis": ["view_riskscore", "view_probationevaluation"],
        "quality_manager": ["view_riskscore", "view_probationevaluation"],
        "quality_management": ["view_riskscore"],
        "merchant_management": ["view_riskscore", "view_probationevaluation"],
    }

    def ready(self):
        from core.navigation import register_nav
        from inspections.services import register_risk_source
        from reports import policies  # noqa: F401 - registers the policies
        from reports.services import risk
        from reports.services.risk import may_see_risk

        register_risk_source(risk.planner_risk_source)
        register_nav(_("Risk"), "reports:risk-list", may_see_risk, 60)
