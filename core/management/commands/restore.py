from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from core import backup


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup`: checks it against its manifest, "
        "restores the database in one transaction and then the private files."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database or private folder that already holds data",
        )

    def handle(self, *args, **options):
        connections.close_all()  # our own session must not hold locks on what is dropped
        try:
            result = backup.restore_backup(
                options["archive"],
                force=options["force"],
                progress=lambda line: self.stdout.write(line),
            )
        except backup.BackupError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if result.replaced:
            self.stdout.write(
                _("The private files that were there before are kept in %(path)s.")
                % {"path": result.replaced}
            )
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The archive is from an older version: %(count)s migrations are not "
                        "applied yet. Run `manage.py migrate` now."
                    )
                    % {"count": len(result.pending_migrations)}
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored %(rows)s rows in %(tables)s tables and %(files)s files "
                    "(%(seconds).1f s); counts and hashes match the manifest."
                )
                % {
                    "rows": f"{sum(result.tables.values()):,}",
                    "tables": len(result.tables),
                    "files": f"{result.files:,}",
                    "seconds": result.seconds,
                }
            )
        )
