# GridCare: `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
BIN := .venv/bin
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install demo serve test test-sqlite test-postgres lint format browser messages clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set (these machines),
# Python never caches it, and every process compiled Django, pandas and Ibis again
# (`gridcare check` 3.9 s → 1.4 s).
install: $(UV)
	$(UV) sync --frozen --quiet --all-extras --compile-bytecode
	$(BIN)/python -m compileall -q src
	npm ci --no-audit --no-fund --loglevel=error
	./scripts/ensure-system-packages gettext
	./scripts/ensure-system-packages pdf
	$(MAKE) --no-print-directory messages
	$(BIN)/gridcare assistant train --if-missing

messages:
	cd src/gridcare && ../../$(BIN)/gridcare compilemessages --verbosity 0

demo: install
	$(BIN)/gridcare demo

browser:
	./scripts/ensure-system-packages chromium

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_thin_edges.py

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: install browser
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_thin_edges.py
	$(BIN)/mypy
	$(MAKE) --no-print-directory test-sqlite test-postgres

test-sqlite:
	$(BIN)/pytest

# The engine tests use no database (and start Spark): the SQLite pass covers them.
test-postgres:
	GRIDCARE_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest --ignore=tests/engine

clean:
	rm -rf var test-artifacts .pytest_cache .mypy_cache .ruff_cache
