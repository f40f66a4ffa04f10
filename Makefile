# Community Rights Desk: `make run` starts the desk with demo data, `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# A Python 3.12+ interpreter: $(PYTHON) if given, else the first suitable one on PATH, else pyenv's.
define find_python
for c in $${PYTHON:-} python3.13 python3.12 python3 python; do \
  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
    command -v $$c; exit 0; fi; done; \
if command -v pyenv >/dev/null 2>&1; then \
  for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$$' | sort -t. -k2,2nr -k3,3nr); do \
    p="$$(pyenv prefix $$v)/bin/python3"; \
    if [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "$$p"; exit 0; fi; done; fi; \
exit 1
endef

.PHONY: help install run test e2e lint worker clean

# The local desk (install, run, worker, lint) runs in DEBUG unless told otherwise; with
# DEBUG=0 it needs SECRET_KEY, like production. Tests never run in DEBUG.
install run worker lint: export DEBUG ?= 1
run: export SITE_URL ?= http://$(HOST):$(PORT)

help:
	@echo "make run      set up, migrate, load demo data once, serve on http://$(HOST):$(PORT)/"
	@echo "make test     set up, then run the whole test suite (DATABASE_URL selects the database)"
	@echo "make install  set up the virtual environment and the database only"
	@echo "make e2e      browser tests with accessibility checks (needs Debian's chromium)"
	@echo "make worker   run the background task worker (emails, letters, reminders)"
	@echo "make lint     ruff, mypy and the migrations check"

$(VENV)/.installed: pyproject.toml
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  py="$$( $(find_python) )" || { \
	    echo "error: Community Rights Desk needs Python 3.12 or newer." >&2; \
	    echo "       Install it (e.g. 'pyenv install 3.12' or your system's python3.12 package)," >&2; \
	    echo "       or point at one with: make PYTHON=/path/to/python3.12 run" >&2; exit 1; }; \
	  echo "Using $$py ($$($$py --version))"; \
	  rm -rf $(VENV) && "$$py" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

run: install
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py demo_logins
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Browser tests in Debian's Chromium (apt-get install chromium); CI runs them too.
e2e: $(VENV)/.installed
	$(VENV)/bin/pytest -m e2e tests/e2e $(PYTEST_ARGS)

# TASK_BACKEND=redis: django-tasks-redis's worker (docs/operations.md, "Workers").
worker: install
	@if [ "$${TASK_BACKEND:-database}" = redis ]; then \
	  set -x; $(PY) manage.py run_redis_tasks --continuous --claim-interval 300; \
	else set -x; $(PY) manage.py run_worker; fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var
