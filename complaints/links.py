"""Consumer tracking links: staff revoke a case's link and issue a new one.

Only the token's hash is stored, so replacing the hash revokes every copy of the old link
at once; the new token is mailed to the consumer (`services.mail_tracking_link`), and is
returned once so staff can pass it on when the case has no e-mail address.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import Case
from core.audit import record_decision
from core.exceptions import NotAllowed


@transaction.atomic
def reissue_tracking_link(*, case: Case, by) -> str:
    """Revoke the case's current link and issue a new one; returns the new token."""
    from complaints import selectors, services

    if not selectors.may_work_cases(by):
        raise NotAllowed(_("Only complaint handlers can reissue a case link."), code="not_agent")
    case = Case.objects.select_for_update().get(pk=case.pk)
    token = secrets.token_urlsafe(32)
    Case.objects.filter(pk=case.pk).update(tracking_token_hash=services.hash_token(token))
    case.tracking_token = token
    record_decision(
        case,
        action="tracking_link_reissued",
        actor=by,
        data={"mailed": bool(case.consumer_email)},
    )
    services.mail_tracking_link(case)
    return token
