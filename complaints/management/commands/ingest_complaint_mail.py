"""Read the complaints mailbox into cases: `manage.py ingest_complaint_mail
[--mailbox maildir:///path | mbox:///path | imaps://user:password@host/INBOX]`.

Without --mailbox it reads COMPLAINTS_MAILBOX. Safe to run again: each Message-ID is stored
once."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from complaints.mail import MailboxError, describe, ingest
from core.audit import system_context


class Command(BaseCommand):
    help = "Read the complaints mailbox (Maildir, mbox or IMAP) into cases; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", default="", help="defaults to COMPLAINTS_MAILBOX")

    def handle(self, *args, mailbox="", **options):
        url = mailbox or settings.COMPLAINTS_MAILBOX
        if not url:
            raise CommandError("Give --mailbox or set COMPLAINTS_MAILBOX.")
        try:
            with system_context("ingest-complaint-mail"):
                result = ingest(url)
        except (MailboxError, OSError) as exc:
            raise CommandError(f"{describe(url)}: {exc}") from exc
        self.stdout.write(f"{describe(url)}: {result}")
        for failure in result.failed:
            self.stderr.write(f"failed: {failure}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} messages could not be stored")
