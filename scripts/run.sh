#!/usr/bin/env bash
# Run inside `python -m core.embedded`, which has set DATABASE_URL and REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" PORT="${PORT:-8000}"
python manage.py migrate --noinput
python manage.py seed_demo
cat <<MSG

  Site:       http://127.0.0.1:${PORT}/
  Admin:      http://127.0.0.1:${PORT}/admin/
  API docs:   http://127.0.0.1:${PORT}/api/docs/
  Health:     http://127.0.0.1:${PORT}/health/
  (logins above; Ctrl-C stops web, worker, beat and the embedded services)

MSG
exec honcho start -f Procfile
