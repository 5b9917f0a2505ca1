"""Quality incident registrations: the staff nav entry, the alert kinds, who may download
an incident's evidence, and the rejected-lot listener of the (lower) inspections app."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register_nav
from core.uploads import ACCESS_RULES, register_access_rule


def _incident_staff(user) -> bool:
    from complaints.services.incidents import may_view

    return may_view(user)


def incident_files(request, upload) -> bool:
    """Staff who read incidents read their evidence; the cases' own files keep their rules."""
    from complaints.models import QualityIncident

    return (
        _incident_staff(request.user)
        and QualityIncident.evidence.through.objects.filter(upload_id=upload.pk).exists()
    )


def register() -> None:
    from complaints.services import incidents
    from inspections.services import on_lot_rejected
    from merchants.portal import register_portal_link

    register_nav(_("Quality incidents"), "complaints:staff-incidents", _incident_staff, 45)
    register_portal_link(_("Quality incidents"), "complaints:portal-incidents", 85)
    incidents.register_alert_kinds()
    if incident_files not in ACCESS_RULES:
        register_access_rule(incident_files)
    on_lot_rejected(incidents.open_for_rejected_lot)
