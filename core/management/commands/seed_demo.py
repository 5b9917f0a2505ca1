from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load demo data (idempotent): users per role, merchants, and each app's examples."

    def handle(self, *args, **options):
        self.stdout.write("Demo logins (user / password / who):")
        # INSTALLED_APPS lists the project's apps in layer order, so each app's examples can
        # use the ones below it. (The kernel asks Django, never the project's config.)
        names = [c.name for c in apps.get_app_configs() if "site-packages" not in c.path]
        demos = [import_module(f"{n}.demo") for n in names if find_spec(f"{n}.demo")]
        for demo in demos:
            demo.seed(self.stdout.write)
        # Then whatever must happen once every app has its examples (e.g. sanctions).
        for demo in demos:
            if hasattr(demo, "seed_late"):
                demo.seed_late(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
