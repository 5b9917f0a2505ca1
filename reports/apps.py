from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    role_permissions = {
        "quality_manager": ["view_dailyfigure"],
        "data_analysis": ["view_dailyfigure"],
    }

    def ready(self):
        self._ready_dashboards()

    @staticmethod
    def _ready_dashboards():
        from core.navigation import register_nav
        from reports.views.dashboards import may_read_dashboards

        register_nav(_("Dashboards"), "reports:dashboards", may_read_dashboards, order=60)
