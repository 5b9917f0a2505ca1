from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the private files into one dated "
        "archive with a manifest; keeps the newest BACKUP_KEEP archives in BACKUP_DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=None, help="folder for the archive (BACKUP_DIR)"
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="keep this many newest archives, delete older ones (BACKUP_KEEP; 0 keeps all)",
        )

    def handle(self, *args, **options):
        directory = options["dir"] or settings.BACKUP_DIR
        keep = settings.BACKUP_KEEP if options["keep"] is None else options["keep"]
        try:
            result = backup.create_backup(
                directory, keep=keep, progress=lambda line: self.stdout.write(line)
            )
        except backup.BackupError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for missing in result.missing:
            self.stderr.write(
                _("Warning: a row points to %(file)s but the file is not on disk.")
                % {"file": missing}
            )
        for old in result.removed:
            self.stdout.write(_("Removed old archive %(path)s") % {"path": old})
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup written: %(path)s (%(size)s, %(rows)s rows in %(tables)s tables, "
                    "%(files)s files, %(seconds).1f s)"
                )
                % {
                    "path": result.path,
                    "size": backup._mb(result.size),
                    "rows": f"{sum(result.tables.values()):,}",
                    "tables": len(result.tables),
                    "files": f"{result.files:,}",
                    "seconds": result.seconds,
                }
            )
        )
