from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    # Publishing a quarterly report is a service that checks the Quality Manager role.
    role_permissions = {
        "data_analysis": [
            "view_riskscore",
            "view_riskscorehistory",
            "view_probationevaluation",
            "view_dailyfigure",
            "view_snapshot",
            "add_snapshot",
            "view_quarterlyreport",
        ],
        "quality_manager": [
            "view_riskscore",
            "view_riskscorehistory",
            "view_probationevaluation",
            "view_dailyfigure",
            "view_snapshot",
            "add_snapshot",
            "view_quarterlyreport",
            "view_finding",
            "view_findingresponse",
        ],
        "quality_management": ["view_riskscore", "view_riskscorehistory"],
        "merchant_management": [
            "view_riskscore",
            "view_riskscorehistory",
            "view_probationevaluation",
        ],
    }

    def ready(self):
        from core.decision_labels import register_reasons
        from core.navigation import register_nav
        from inspections.services import register_risk_source
        from merchants.services import register_tier_source
        from reports import (
            policies,  # noqa: F401 - registers the policies
            reason_texts,
        )
        from reports.services import risk
        from reports.services.risk import may_see_risk
        from reports.services.snapshots import may_read
        from reports.views.dashboards import may_read_dashboards

        register_reasons(reason_texts.TEXTS, reason_texts.render)
        register_risk_source(risk.planner_risk_source)
        register_tier_source(risk.tier_source)
        from core.alerts import register_kind
        from reports.services import assessment

        register_kind("risk_spike", _("Risk spike"), _("%(subject)s: %(detail)s"))
        register_kind(
            "assessment_finding",
            _("Assessment finding"),
            _("An external assessor recorded a finding: %(title)s"),
        )
        register_nav(_("Assessment"), "reports:assessor-home", assessment.is_assessor, 5)
        register_nav(
            _("Assessment findings"),
            "reports:staff-findings",
            lambda u: assessment.may_read_findings(u) and not assessment.is_assessor(u),
            66,
        )
        register_nav(_("Risk"), "reports:risk-list", may_see_risk, 60)
        register_nav(_("Dashboards"), "reports:dashboards", may_read_dashboards, order=61)
        register_nav(_("Quarterly reports"), "reports:snapshot-list", may_read, 70)
        register_nav(_("Transparency"), "reports:public-index", lambda user: True, 95)
        from complaints.services.quality_notices import on_notice_change
        from reports.services.snapshots import invalidate_public_cache

        # A quality notice published or withdrawn changes the transparency page.
        on_notice_change(lambda notice: invalidate_public_cache())
