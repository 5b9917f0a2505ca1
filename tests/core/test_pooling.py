"""Transaction pooling (PgBouncer): DB_TRANSACTION_POOLING turns server-side cursors off."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connections
print(json.dumps({
    alias: connections[alias].settings_dict["DISABLE_SERVER_SIDE_CURSORS"]
    for alias in settings.DATABASES
}))
"""


def _read_settings(**env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("flag", "disabled"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_transaction_pooling_is_read_from_the_environment_for_every_database(flag, disabled):
    found = _read_settings(
        DB_TRANSACTION_POOLING=flag, DATABASE_REPLICA_URL=os.environ["DATABASE_URL"]
    )
    assert found == {"default": disabled, "replica": disabled}
