# Two commands do everything: `make run` and `make test`. Both install what is missing
# into .venv and start embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
EMBED := $(PY) -m core.embedded --
UV_VERSION := 0.13.9

.PHONY: install run test lint migrations-check messages bench e2e-deps clean

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

test: lint
	$(EMBED) scripts/test.sh $(PYTEST_ARGS)

# Regenerate the translation catalogues after changing strings, then translate and compile.
messages: install
	$(PY) scripts/messages.py

bench: install
	$(EMBED) $(PY) -m bench

clean:
	rm -rf $(VENV) staticfiles
