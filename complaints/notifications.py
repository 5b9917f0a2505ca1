"""What the consumer of a case is told, on which channel, in which language.

One entry point for every app:

    from complaints.notifications import notify_consumer
    notify_consumer(case=case, event="remedy", detail="Refund of ¥120: paid")

queues the notice after the current transaction commits (nothing is sent if it rolls back).
Events: "message" (staff wrote), "question" (staff ask the consumer something), "resolved"
(the decision, with the rating link), "remedy" (a remedy record changed state; `detail` is
shown as given, so pass it in the case's language: `translation.override(case.language)`).
The tracking link itself is sent by `send_link` (at filing, and when the consumer asks for
it again on the lookup page).

Each notice goes to every contact the consumer gave (e-mail, and SMS to a phone number,
core.notify), translated into the case's language (Case.language, taken at filing).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core import notify

logger = logging.getLogger(__name__)

EVENTS = ("message", "question", "resolved", "remedy")
RATING_SALT = "complaints.rating-link"


def notify_consumer(*, case, event: str, detail: str = "") -> None:
    """Queue the notice for `event` after commit (see the module docstring)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown consumer notice {event!r}.")
    if not (case.consumer_email or case.consumer_phone):
        return
    from complaints import tasks

    case_id = case.pk
    transaction.on_commit(lambda: tasks.notify_consumer.delay(case_id, event, detail))


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def rating_link(case) -> str:
    """A link that opens the rating form of this case only (signed, nothing stored): the
    tracking token is never kept, so a decision e-mail cannot carry the tracking link."""
    token = signing.dumps({"case": case.pk}, salt=RATING_SALT, compress=True)
    return _absolute(reverse("complaints:rate-link", args=[token]))


def case_for_rating_link(token: str, *, max_age_days: int):
    """The case a rating link names, or None (tampered, or older than max_age_days)."""
    from complaints.models import Case

    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=max_age_days * 86400)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Case.objects.filter(pk=data.get("case") if isinstance(data, dict) else None).first()


def lookup_link() -> str:
    return _absolute(reverse("complaints:lookup"))


def _contacts(case, only: str = "") -> list[str]:
    contacts = [c for c in (case.consumer_email, case.consumer_phone) if c]
    return [only] if only else contacts


def _subject(case) -> str:
    return f"[{settings.DISPLAY_NAME}] {case.reference}"


def _body(case, event: str, detail: str) -> list[str]:
    reference = {"reference": case.reference}
    lost = _("Lost the link to your case? Ask for a new one here: %(link)s") % {
        "link": lookup_link()
    }
    if event == "message":
        return [_("There is a new message about your case %(reference)s.") % reference, lost]
    if event == "question":
        return [
            _(
                "We need more information about your case %(reference)s. The clock is paused "
                "until you reply."
            )
            % reference,
            _("Reply from the link to your case."),
            lost,
        ]
    if event == "resolved":
        return [
            _("Your case %(reference)s has been decided: %(outcome)s.")
            % {**reference, "outcome": case.get_outcome_display()},
            *([case.outcome_reason] if case.outcome_reason else []),
            _("Tell us how we handled it: %(link)s") % {"link": rating_link(case)},
        ]
    if event == "remedy":
        return [
            _("The remedy for your case %(reference)s has changed.") % reference,
            *([detail] if detail else []),
            lost,
        ]
    raise ValueError(event)


def deliver(case, event: str, detail: str = "") -> int:
    """Send the notice now on every channel of the consumer (the task calls this). A channel
    that fails is logged and does not keep the others from being tried."""
    with translation.override(case.language or settings.LANGUAGE_CODE):
        subject, body = _subject(case), "\n\n".join(_body(case, event, detail))
    return _send_each(_contacts(case), subject, body)


def _send_each(contacts, subject, body) -> int:
    sent = 0
    for contact in contacts:
        try:
            notify.send(channel=notify.channel_for(contact), to=contact, subject=subject, body=body)
        except Exception:
            logger.exception("consumer notice to %s failed", notify.channel_for(contact))
        else:
            sent += 1
    return sent


def send_link(case, token: str, *, to: str = "", reissued: bool = False) -> int:
    """Send the tracking link (the token lives only in this message; the database keeps its
    hash) to `to`, or to every contact of the case."""
    with translation.override(case.language or settings.LANGUAGE_CODE):
        link = _absolute(reverse("complaints:case", args=[token]))
        lines = [
            (
                _("Here is a new link to your case %(reference)s, as you asked.")
                if reissued
                else _("We have recorded your case %(reference)s.")
            )
            % {"reference": case.reference},
            _("Follow it, reply and add files here: %(link)s") % {"link": link},
            _("Keep this link private: anyone who has it can read the case."),
        ]
        if reissued:
            lines.append(_("Any earlier link to this case no longer works."))
        subject, body = _subject(case), "\n\n".join(lines)
    return _send_each(_contacts(case, to), subject, body)
