from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")
    role_permissions = {
        "quality_manager": ["view_*"],
        "data_analysis": ["view_category", "view_policyversion"],
        "quality_management": ["*_category", "view_policyversion", "add_policyversion"],
        "merchant_management": ["view_category", "view_policyversion", "add_policyversion"],
        "consumer_service": ["view_category", "view_policyversion"],
    }

    def ready(self):
        from core import db, roles
        from core.navigation import register_nav

        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="core.sync_roles")
        # A group's name is a role code (`consumer_service`): wherever Django prints a group
        # (admin lists and filters, choices, read-only fields, breadcrumbs) people read the
        # department's name in their language. Code keeps using `group.name`.
        from django.contrib.auth.models import Group

        Group.__str__ = lambda group: str(roles.role_label(group.name))
        post_migrate.connect(db.install_fast_trigger_functions, dispatch_uid="core.fast_triggers")
        register_nav(_("Inbox"), "core:inbox", lambda u: u.is_authenticated, order=900)
        register_nav(
            _("Admin"), "admin:index", lambda u: u.is_authenticated and u.is_staff, order=950
        )
