"""Notification channels behind one interface: e-mail, and SMS through a pluggable backend.

    from core.notify import send
    send(channel="email" | "sms", to=address_or_number, subject=..., body=...)

E-mail goes through Django's mail backend (settings.EMAIL_*). SMS goes through the backend
named by settings.SMS_BACKEND (a dotted path to a class with `send_messages(messages)`):
`core.notify.LoggingSMSBackend` (the default: writes each message to the log, so nothing is
lost before a gateway is contracted) or `core.notify.LocmemSMSBackend` (tests: keeps them in
`core.notify.sms_outbox`). A real gateway is a class with the same method.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

EMAIL = "email"
SMS = "sms"
CHANNELS = (EMAIL, SMS)


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str


class BaseSMSBackend:
    """What an SMS gateway implements: send each message, return how many were accepted."""

    def send_messages(self, messages: list[SMSMessage]) -> int:  # pragma: no cover
        raise NotImplementedError


class LoggingSMSBackend(BaseSMSBackend):
    def send_messages(self, messages):
        for message in messages:
            logger.info("SMS to %s: %s", message.to, message.body)
        return len(messages)


sms_outbox: list[SMSMessage] = []


class LocmemSMSBackend(BaseSMSBackend):
    def send_messages(self, messages):
        sms_outbox.extend(messages)
        return len(messages)


def sms_backend() -> BaseSMSBackend:
    path = getattr(settings, "SMS_BACKEND", "core.notify.LoggingSMSBackend")
    return import_string(path)()


def channel_for(contact: str) -> str:
    """E-mail for an address, SMS for anything else (a phone number)."""
    return EMAIL if "@" in contact else SMS


def send(*, channel: str, to: str, subject: str, body: str) -> None:
    """Send one message on one channel. SMS carries the subject as its first line."""
    if channel == EMAIL:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    elif channel == SMS:
        sms_backend().send_messages([SMSMessage(to=to, body=f"{subject}\n{body}")])
    else:
        raise ValueError(f"Unknown channel {channel!r}.")
