"""Public and intake registrations: header links and who may download inbound-mail files."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register_nav
from core.roles import Role, has_role
from core.uploads import register_access_rule


def _consumers(user) -> bool:
    """The consumer forms in the header: not for a merchant's people, whose portal is one
    place (its own complaints page answers their cases)."""
    if not user.is_authenticated:
        return True
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
    register_nav(_("Complain"), "complaints:new-complaint", _consumers, order=600)
    register_nav(_("Report false advertising"), "complaints:new-report", _consumers, order=610)
    register_nav(_("Complaint intake"), "complaints:intake", _intake_staff, order=620)
    register_access_rule(inbound_mail_files)
