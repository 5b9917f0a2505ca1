#!/usr/bin/env bash
# Run inside `python -m core.embedded`, which has set DATABASE_URL and REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
python manage.py makemigrations --check --dry-run
python scripts/messages.py --check
exec pytest -n "${PYTEST_WORKERS:-2}" "$@"
