from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("Merchants")
    role_permissions = {
        "merchant_management": [
            "view_violationrule",
            "add_violationrule",
            "view_violationentry",
            "view_sanction",
            "add_sanction",
            "view_appeal",
            "change_appeal",
        ],
        "quality_management": ["view_violationrule", "view_violationentry", "view_sanction"],
        "quality_manager": ["view_violationrule", "view_violationentry", "view_sanction"],
        "data_analysis": ["view_violationrule", "view_violationentry", "view_sanction"],
    }

    def ready(self):
        from merchants import (
            policies,  # noqa: F401  (registers the policies)
            standing_setup,
        )

        standing_setup.ready()
