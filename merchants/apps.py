from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("Merchants")
    role_permissions = {
        "merchant_management": [
            "*_merchant",
            "*_membership",
            "*_restriction",
            "*_application",
            "*_document",
            "*_categorydocumentrule",
            "view_categoryrequest",
            "add_categoryrequest",
            "change_categoryrequest",
            "*_agreementversion",
            "view_agreementacceptance",
            "*_trainingsession",
            "*_trainingattendance",
            "*_trainingprogramme",
            "*_trainingmodule",
            "*_trainingmaterial",
            "*_quizquestion",
            "*_trainingassignment",
            "view_quizattempt",
            "view_trainingstep",
            "*_probation",
            "view_violationrule",
            "add_violationrule",
            "view_violationentry",
            "add_violationentry",
            "view_sanction",
            "add_sanction",
            "view_appeal",
            "change_appeal",
        ],
        "quality_manager": ["view_*"],
        "quality_management": [
            "view_trainingprogramme",
            "view_trainingassignment",
            "view_merchant",
            "view_restriction",
            "view_probation",
            "view_violationrule",
            "view_violationentry",
            "add_violationentry",
            "view_sanction",
        ],
        "data_analysis": [
            "view_trainingprogramme",
            "view_trainingassignment",
            "view_merchant",
            "view_restriction",
            "view_probation",
            "view_violationrule",
            "view_violationentry",
            "view_sanction",
        ],
        "consumer_service": ["view_merchant"],
    }

    def ready(self):
        from core.alerts import choice_label, register_kind
        from core.navigation import register_nav
        from core.roles import Role, has_role, is_staff_member, register_staff_guard
        from merchants import (
            policies,  # noqa: F401 - registers the policies
            portal,
        )
        from merchants.models import CategoryRequest
        from merchants.services import refuse_staff_role_for_member, standing_setup, training_setup

        register_staff_guard(refuse_staff_role_for_member)

        from core.decision_labels import register_reasons
        from merchants import reason_texts

        # Histories render the reasons this app writes as codes, in the reader's language;
        # a page of them reads the categories they name at once.
        register_reasons(
            reason_texts.TEXTS, reason_texts.render, read_many=reason_texts.categories_named
        )

        register_kind(
            "document_expiring", _("Document expiring"), _("%(document)s expires on %(expires)s")
        )
        register_kind(
            "document_expired", _("Document expired"), _("%(document)s expired on %(expires)s")
        )
        register_kind(
            "probation_review_due",
            _("Probation review due"),
            _("%(merchant)s: probation ends on %(ends)s"),
        )

        register_kind(
            "team_invitation",
            _("Team invitation"),
            _("%(merchant)s invites you to join their team"),
        )
        register_kind(
            "licence_reverification_due",
            _("Licence re-verification due"),
            _("%(merchant)s: business licence %(document)s must be re-verified by %(due)s"),
        )
        register_kind(
            "agreement_acceptance_due",
            _("New merchant agreement"),
            _("Please accept %(agreement)s by %(due)s"),
        )
        register_kind(
            "application_needs_changes",
            _("Application needs changes"),
            _("%(merchant)s: please update your application: %(reason)s"),
        )
        register_kind(
            "application_decided",
            _("Application decided"),
            _("%(merchant)s: your application was %(status)s. %(reason)s"),
        )
        register_kind(
            "category_requested",
            _("Category requested"),
            _("%(merchant)s asks to sell in %(category)s; its test report waits for review"),
        )
        register_kind(
            "category_request_decided",
            _("Category request decided"),
            _("%(merchant)s: your request to sell in %(category)s was %(status)s. %(reason)s"),
            labels={"status": choice_label(CategoryRequest.Status)},
        )
        register_nav(_("Merchant portal"), "merchants:portal-home", portal.is_portal_user, 10)
        register_nav(
            _("Merchant reviews"),
            "merchants:review-queue",
            lambda u: has_role(u, Role.MERCHANT_MANAGEMENT),
            20,
        )
        portal.install_upload_access_rule()
        portal.register_portal_link(_("Overview"), "merchants:portal-home", 10)
        portal.register_portal_link(_("Application"), "merchants:portal-apply", 20)
        portal.register_portal_link(_("Requirements"), "merchants:portal-requirements", 30)
        portal.register_portal_link(_("Documents"), "merchants:portal-documents", 40)
        portal.register_portal_link(_("Categories"), "merchants:portal-categories", 45)
        portal.register_portal_link(_("Agreement"), "merchants:portal-agreement", 50)
        portal.register_portal_link(_("Training"), "merchants:portal-training", 60)
        portal.register_portal_link(_("Team"), "merchants:portal-team", 90)
        register_nav(
            _("Training completion"),
            "merchants:staff-training",
            lambda u: has_role(u, Role.QUALITY_MANAGER, Role.MERCHANT_MANAGEMENT),
            25,
        )
        register_nav(_("My training"), "merchants:staff-my-training", is_staff_member, 26)
        standing_setup.ready()
        training_setup.ready()
