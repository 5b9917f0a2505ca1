"""manage.py of the bench-only django-helpdesk site; run with var/bench-helpdesk/.venv."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # The repository root, so that `bench.helpdesk.settings` imports.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.helpdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
