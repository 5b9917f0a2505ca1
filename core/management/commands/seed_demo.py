from importlib import import_module
from importlib.util import find_spec

from django.core.management.base import BaseCommand

from config.api import APPS


class Command(BaseCommand):
    help = "Load demo data (idempotent): users per role, merchants, and each app's examples."

    def handle(self, *args, **options):
        self.stdout.write("Demo logins (user / password / who):")
        # Layer order, so each app's examples can use the ones below it.
        demos = [import_module(f"{app}.demo") for app in APPS if find_spec(f"{app}.demo")]
        for demo in demos:
            demo.seed(self.stdout.write)
        # Then whatever must happen once every app has its examples (e.g. sanctions).
        for demo in demos:
            if hasattr(demo, "seed_late"):
                demo.seed_late(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
