# Two commands do everything: `make run` and `make test`. Both install what is missing
# into .venv and start embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
EMBED := $(PY) -m core.embedded --
UV_VERSION := 0.13.9

.PHONY: install run test lint migrations-check messages bench bench-deps e2e-deps pgbouncer-deps clean

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	@touch $@

install: $(VENV)/.installed

run: install
	$(EMBED) scripts/run.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: lint e2e-deps
	$(EMBED) scripts/test.sh $(PYTEST_ARGS)

# Browser journeys (tests/e2e) drive Debian's chromium through Playwright; never
# `playwright install`. Installs chromium and a CJK font when missing and we are root.
E2E_PACKAGES := chromium fonts-wqy-microhei
e2e-deps:
	@if [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends $(E2E_PACKAGES) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $(E2E_PACKAGES); }; \
	else \
	  echo "e2e-deps: /usr/bin/chromium or a CJK font is missing and this is not root;"; \
	  echo "  run: sudo apt-get install --no-install-recommends $(E2E_PACKAGES)"; \
	  echo "  (the browser journeys in tests/e2e fail without it under CI=true)"; \
	fi

# Connection pooling (docs/scaling.md): .ci/run passes the `external` subset through Debian's
# PgBouncer in transaction mode (scripts/pgbouncer.py). Installs it when missing and we are root.
pgbouncer-deps:
	@if command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends pgbouncer >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends pgbouncer; }; \
	  systemctl disable --now pgbouncer >/dev/null 2>&1 || service pgbouncer stop >/dev/null 2>&1 || true; \
	else \
	  echo "pgbouncer-deps: pgbouncer is missing and this is not root;"; \
	  echo "  run: sudo apt-get install --no-install-recommends pgbouncer"; \
	fi

# Regenerate the translation catalogues after changing strings, then translate and compile.
messages: install
	$(PY) scripts/messages.py

bench: install bench-deps
	$(EMBED) $(PY) -m bench

# The filing bench under a constant arrival rate (bench/complaints_wrk.py) drives gunicorn
# with Debian's wrk (a compiled load generator, not sharing the server's interpreter).
# Installs it when missing and we are root; without it that bench says so and skips.
BENCH_PACKAGES := wrk
bench-deps:
	@if command -v wrk >/dev/null; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends $(BENCH_PACKAGES) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $(BENCH_PACKAGES); }; \
	else \
	  echo "bench-deps: wrk is missing and this is not root;"; \
	  echo "  run: sudo apt-get install --no-install-recommends $(BENCH_PACKAGES)"; \
	fi

clean:
	rm -rf $(VENV) staticfiles

# Backups (docs/operations.md): one dated archive of the database and the private files in
# BACKUP_DIR (var/backups), the newest BACKUP_KEEP kept.
#   make backup
#   make restore ARCHIVE=var/backups/quality-backup-20261203T020000Z.tar [FORCE=1]
.PHONY: backup restore
backup: install
	$(EMBED) $(PY) manage.py backup

restore: install
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=path/to/archive.tar [FORCE=1]"; exit 2; }
	$(EMBED) $(PY) manage.py restore "$(ARCHIVE)" $(if $(FORCE),--force)
