from importlib import import_module
from importlib.util import find_spec

from django.core.management.base import BaseCommand

from config.api import APPS


class Command(BaseCommand):
    help = "Load demo data (idempotent): users per role, merchants, and each app's examples."

    def handle(self, *args, **options):
        self.stdout.write("Demo logins (user / password / who):")
        # Layer order, so each app's examples can use the ones below it.
        for app in APPS:
            if find_spec(f"{app}.demo"):
                import_module(f"{app}.demo").seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
