from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    role_permissions = {
        # snapshots: Quality Managers and Data Analysis read and generate; publishing is a
        # service that checks the Quality Manager role.
        "quality_manager": ["view_snapshot", "add_snapshot", "view_quarterlyreport"],
        "data_analysis": ["view_snapshot", "add_snapshot", "view_quarterlyreport"],
    }

    def ready(self):
        register_snapshot_navigation()


def register_snapshot_navigation() -> None:
    from core.navigation import register_nav
    from reports.services.snapshots import may_read

    register_nav(_("Quarterly reports"), "reports:snapshot-list", may_read, 70)
    register_nav(_("Transparency"), "reports:public-index", lambda user: True, 95)
