"""Public and intake registrations: header links and who may download inbound-mail files."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register_nav
from core.roles import Role, has_role, user_roles
from core.uploads import register_access_rule


def consumers(user) -> bool:
    """The consumer links in the header: not for a merchant's people, whose portal is one
    place (its own complaints page answers their cases), nor for staff, labs or assessors
    (their "Complaints" is the work queue; the footer keeps the rights guide for all)."""
    if not user.is_authenticated:
        return True
    if user.is_superuser or user_roles(user):
        return False
    from merchants.selectors import merchant_of

    return merchant_of(user) is None


def _intake_staff(user) -> bool:
    return has_role(user, Role.CONSUMER_SERVICE)


def inbound_mail_files(request, upload) -> bool:
    """Consumer Service reads the attachments of ingested emails (the triage page)."""
    from complaints.models import InboundMail

    return (
        _intake_staff(request.user)
        and InboundMail.attachments.through.objects.filter(upload_id=upload.pk).exists()
    )


def register() -> None:
    register_nav(_("Complain"), "complaints:new-complaint", consumers, order=600)
    register_nav(_("Report false advertising"), "complaints:new-report", consumers, order=610)
    register_nav(_("Complaint intake"), "complaints:intake", _intake_staff, order=620)
    register_access_rule(inbound_mail_files)
