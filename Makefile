# Yiyang: `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-base
TEST_STAMP := $(VENV)/.installed-test
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= 2

.PHONY: demo test test-sqlite test-postgres test-browser lint install browser clean bench-registry

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(TEST_STAMP)

install: $(TEST_STAMP)

# Debian's Chromium for the Playwright browser tests (Playwright cannot download its own here),
# and a Chinese font so that screenshots (YIYANG_SHOTS) show the interface as users see it.
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium fonts-wqy-zenhei; }

demo: $(STAMP)
	$(BIN)/yiyang migrate --verbosity 0
	$(BIN)/yiyang demo
	$(BIN)/yiyang serve --host 127.0.0.1 --port 8000

test: $(TEST_STAMP) browser lint test-sqlite test-postgres

lint: $(TEST_STAMP)
	$(BIN)/ruff check yiyang tests bench

test-sqlite: $(TEST_STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

# The same suite again on PostgreSQL when it is reachable, browser flows included.
test-postgres: $(TEST_STAMP)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup; \
	else echo "PostgreSQL at $(PG_URL) is not reachable: skipping the PostgreSQL run"; fi

bench-registry: $(STAMP)
	$(BIN)/yiyang bench registry --elders 1000000

clean:
	rm -rf $(VENV) var
