"""Email intake: read the complaints mailbox into cases.

`ingest(url)` reads every message of a Maildir folder, an mbox file or an IMAP folder
(`maildir:///path`, `mbox:///path`, `imaps://user:password@host[:port]/FOLDER`). Each
message is stored once: the InboundMail row's unique Message-ID is claimed first, inside
the message's own transaction, so reading a mailbox twice (or two overlapping runs) adds
nothing. A message whose order number matches a purchase becomes a case with the
purchase's merchant, product and delivered-at; any other waits on the intake page.
Attachments go through core.uploads.store_upload; refused ones are listed on the mail,
never stored.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import imaplib
import logging
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from complaints import services
from complaints.models import Case, InboundMail
from core.uploads import atomic_with_uploads, store_upload

logger = logging.getLogger(__name__)

MAX_BODY_CHARS = 20_000
MAX_ATTACHMENTS = 10
# "Order 2026-000123", "order no. A123", "order number: X-1", "订单号" + fullwidth colon.
ORDER_NUMBER = re.compile(
    r"(?:order\s*(?:number|no\.?|num\.?|#|id)?|订单(?:编?号|号码)?)\s*[:\uff1a#]?\s*"
    r"((?=[A-Za-z0-9_-]*\d)[A-Za-z0-9][A-Za-z0-9_-]{3,63})",
    re.IGNORECASE,
)


class MailboxError(Exception):
    """The mailbox URL is unusable (unknown scheme, missing path, IMAP refused us)."""


@dataclass
class IngestResult:
    read: int = 0
    stored: int = 0
    cases: int = 0
    needs_triage: int = 0
    duplicates: int = 0
    refused_attachments: int = 0
    failed: list[str] = field(default_factory=list)

    def __str__(self):
        return (
            f"read {self.read}, stored {self.stored} ({self.cases} cases, "
            f"{self.needs_triage} to triage), {self.duplicates} already stored, "
            f"{self.refused_attachments} attachments refused, {len(self.failed)} failed"
        )


# --- reading mailboxes ------------------------------------------------------------------------


@dataclass(frozen=True)
class RawMessage:
    data: bytes
    uid: bytes | None = None  # the IMAP UID, to flag the message once it is stored


def _local_mailbox(box) -> Iterator[RawMessage]:
    for key in box.iterkeys():
        yield RawMessage(box.get_bytes(key))


class ImapFolder:
    """Messages not yet \\Seen in one IMAP folder, fetched with BODY.PEEK so a message is
    only flagged \\Seen after its transaction committed (a crash re-reads it, and the
    Message-ID constraint turns the re-read into a no-op)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if not parts.hostname or not parts.username:
            raise MailboxError("imaps:// needs user:password@host")
        self.host, self.port = parts.hostname, parts.port or 993
        self.user, self.password = unquote(parts.username), unquote(parts.password or "")
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self.connection: imaplib.IMAP4_SSL | None = None

    def __iter__(self) -> Iterator[RawMessage]:
        try:
            self.connection = imaplib.IMAP4_SSL(self.host, self.port, timeout=60)
            self.connection.login(self.user, self.password)
            status, _data = self.connection.select(f'"{self.folder}"')
            if status != "OK":
                raise MailboxError(f"cannot open IMAP folder {self.folder!r}")
            status, data = self.connection.uid("SEARCH", None, "UNSEEN")
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"IMAP: {exc}") from exc
        for uid in (data[0] or b"").split():
            status, parts = self.connection.uid("FETCH", uid, "(BODY.PEEK[])")
            if status == "OK" and parts and isinstance(parts[0], tuple):
                yield RawMessage(parts[0][1], uid)

    def done(self, message: RawMessage) -> None:
        if self.connection is not None and message.uid:
            self.connection.uid("STORE", message.uid, "+FLAGS", "(\\Seen)")

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                self.connection.logout()


class LocalFolder:
    def __init__(self, box):
        self.box = box

    def __iter__(self) -> Iterator[RawMessage]:
        return _local_mailbox(self.box)

    def done(self, message: RawMessage) -> None:
        """Local folders are read whole every time; the Message-ID keeps that idempotent."""

    def close(self) -> None:
        self.box.close()


def open_mailbox(url: str):
    parts = urlsplit(url)
    path = unquote(parts.path)
    try:
        if parts.scheme == "maildir" and path:
            return LocalFolder(mailbox.Maildir(path, factory=None, create=False))
        if parts.scheme == "mbox" and path:
            return LocalFolder(mailbox.mbox(path, factory=None, create=False))
    except mailbox.Error as exc:
        raise MailboxError(f"no mailbox at {path}") from exc
    if parts.scheme == "imaps":
        return ImapFolder(url)
    raise MailboxError("use maildir:///path, mbox:///path or imaps://user:password@host/FOLDER")


def describe(url: str) -> str:
    """The mailbox URL without its password (what gets stored and logged)."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return parts.geturl()[:200]


# --- parsing ----------------------------------------------------------------------------------


@dataclass
class ParsedMail:
    message_id: str
    from_name: str
    from_address: str
    subject: str
    body: str
    sent_at: datetime | None
    order_number: str
    attachments: list[SimpleUploadedFile]


def _message_id(message: EmailMessage, data: bytes) -> str:
    found = (message.get("Message-ID") or "").strip()
    if found:
        return found[:998]
    # No Message-ID: the content's digest identifies it just as well for idempotency.
    return f"<sha256-{hashlib.sha256(data).hexdigest()}@no-message-id>"


def _sender(message: EmailMessage) -> tuple[str, str]:
    try:
        pairs = getaddresses([str(message.get("From", ""))])
    except (TypeError, ValueError, IndexError):
        pairs = []
    for name, address in pairs:
        try:
            validate_email(address)
        except ValidationError:
            continue
        return name.strip()[:200], address.strip().lower()
    return "", ""


def _sent_at(message: EmailMessage) -> datetime | None:
    try:
        sent = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if sent is None or sent.tzinfo is None:
        return None
    return sent


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = strip_tags(text)
    return text.strip()[:MAX_BODY_CHARS]


def _attachments(message: EmailMessage) -> list[SimpleUploadedFile]:
    files = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if not payload:
            continue
        name = part.get_filename() or "attachment"
        files.append(SimpleUploadedFile(name, payload, content_type=part.get_content_type()))
    return files


def parse(data: bytes) -> ParsedMail:
    message = email.message_from_bytes(data, policy=email.policy.default)
    subject = str(message.get("Subject", "")).strip()[:500]
    body = _text(message)
    name, address = _sender(message)
    found = ORDER_NUMBER.search(subject) or ORDER_NUMBER.search(body)
    return ParsedMail(
        message_id=_message_id(message, data),
        from_name=name,
        from_address=address,
        subject=subject,
        body=body,
        sent_at=_sent_at(message),
        order_number=found.group(1) if found else "",
        attachments=_attachments(message),
    )


# --- storing ----------------------------------------------------------------------------------


def _claim(parsed: ParsedMail, *, source: str, now: datetime) -> InboundMail | None:
    """Insert the mail row; None when its Message-ID is already stored (the unique
    constraint decides, so two concurrent runs cannot both claim a message)."""
    mail = InboundMail(
        message_id=parsed.message_id,
        mailbox=source,
        from_name=parsed.from_name,
        from_address=parsed.from_address,
        subject=parsed.subject,
        body=parsed.body,
        order_number=parsed.order_number,
        sent_at=parsed.sent_at,
        received_at=now,
    )
    try:
        with transaction.atomic():
            mail.save(force_insert=True)
    except IntegrityError:
        return None
    return mail


def _store_attachments(mail: InboundMail, files, result: IngestResult) -> None:
    stored, refused = [], []
    for index, file in enumerate(files):
        if index >= MAX_ATTACHMENTS:
            refused.append({"name": file.name, "reason": _("Too many attachments.")})
            continue
        try:
            with transaction.atomic():
                stored.append(store_upload(file))
        except ValidationError as exc:
            refused.append({"name": file.name, "reason": " ".join(exc.messages)})
    if stored:
        mail.attachments.set(stored)
    if refused:
        mail.refused_attachments = refused
        mail.save(update_fields=["refused_attachments"])
        result.refused_attachments += len(refused)


def _received_at(parsed: ParsedMail, now: datetime) -> datetime:
    """When the consumer reached us: the Date header, unless it is missing, in the
    future (a wrong clock) or older than the time we read it by more than a week."""
    sent = parsed.sent_at
    if sent is None or sent > now or (now - sent).days > 7:
        return now
    return sent


def _try_open_case(mail: InboundMail, parsed: ParsedMail) -> str:
    """Open the case when the order matches a purchase; else return why not (a code of
    InboundMail.UNMATCHED, or the engine's refusal)."""
    if not parsed.order_number:
        return "no_order_number"
    if not parsed.from_address:
        return "no_sender"
    purchase = services.purchase_for_filer(order_number=parsed.order_number, trusted=True)
    if purchase is None:
        return "no_purchase"
    try:
        with transaction.atomic():
            case = services.file_case(  # the one intake: it also mails the tracking link
                channel=Case.Channel.EMAIL,
                merchant=purchase.merchant,
                product=purchase.product,
                order_number=purchase.order_number,
                delivered_at=purchase.delivered_at,
                consumer_name=parsed.from_name or parsed.from_address,
                consumer_email=parsed.from_address,
                complaint_type=Case.ComplaintType.OTHER,
                description="\n\n".join(p for p in (parsed.subject, parsed.body) if p)
                or parsed.subject,
                received_at=mail.received_at,
                attachments=list(mail.attachments.all()),
            )
    except ValidationError as exc:
        return " ".join(exc.messages)[:300]
    mail.status = InboundMail.Status.CASE_OPENED
    mail.case = case
    mail.save(update_fields=["status", "case"])
    return ""


def store_message(data: bytes, *, source: str = "", result: IngestResult | None = None):
    """Store one raw message (all of it or nothing); returns the InboundMail, or None when
    its Message-ID was already stored."""
    result = result if result is not None else IngestResult()
    parsed = parse(data)
    now = timezone.now()
    with atomic_with_uploads():  # a rollback removes the attachments' files too
        mail = _claim(parsed, source=source, now=now)
        if mail is None:
            result.duplicates += 1
            return None
        mail.received_at = _received_at(parsed, now)
        mail.save(update_fields=["received_at"])
        _store_attachments(mail, parsed.attachments, result)
        why = _try_open_case(mail, parsed)
        if why:
            mail.why_unmatched = why[:300]
            mail.save(update_fields=["why_unmatched"])
    result.stored += 1
    if mail.case_id:
        result.cases += 1
    else:
        result.needs_triage += 1
    return mail


def ingest(url: str) -> IngestResult:
    """Read the mailbox at `url` into InboundMail rows and cases (see the module doc)."""
    folder = open_mailbox(url)
    source = describe(url)
    result = IngestResult()
    try:
        for message in folder:
            result.read += 1
            try:
                store_message(message.data, source=source, result=result)
            except Exception as exc:  # one broken message must not stop the rest
                logger.exception("complaint mail could not be stored")
                result.failed.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            folder.done(message)
    finally:
        folder.close()
    return result
