# Two commands: `make run` serves the API, `make test` runs every check.
# Both set up what they need (.venv, .env, embedded PostgreSQL) on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test e2e bench profile profile-cpu demo install install-dev env migrate superuser format db-stop clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# A .env from .env.example with a freshly generated SECRET_KEY, only when there is none.
.env:
	@key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))'); \
	sed "s|^SECRET_KEY=.*|SECRET_KEY=$$key|" .env.example > .env
	@echo "Wrote .env with a new SECRET_KEY"

env: .env

migrate: install .env
	$(BIN)/python manage.py migrate --noinput

# One notification worker beside gunicorn; the trap stops it whenever gunicorn ends (Ctrl-C too).
run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@$(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn core.wsgi:application --config gunicorn.conf.py --bind $(HOST):$(PORT)

# The API with demo data (manage.py generate_data) in its own embedded database `clinic_demo`.
demo: install .env
	EMBEDDED_PG_DATABASE=clinic_demo $(BIN)/python manage.py migrate --noinput
	EMBEDDED_PG_DATABASE=clinic_demo $(BIN)/python manage.py generate_data --skip-if-exists
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	EMBEDDED_PG_DATABASE=clinic_demo $(BIN)/gunicorn core.wsgi:application --config gunicorn.conf.py --bind $(HOST):$(PORT)

superuser: install .env
	$(BIN)/python manage.py createsuperuser

test: install-dev .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# End-to-end: a live server on a fresh database, schemathesis as every role, and headless
# Chromium on the docs pages (Debian's chromium, installed here when missing and possible).
e2e: install-dev .env
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser check"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "Could not install chromium: the browser check will be skipped"; }
	$(BIN)/pytest -c e2e/pytest.ini e2e

# Throughput and latency against the framework's own ceiling (bench/README.md). Installs
# Debian's wrk when missing. Takes about five minutes; results in bench/results/.
bench: install-dev .env
	$(BIN)/python -m bench.run

# Where a booking request spends its time (pyinstrument call tree in bench/results/).
profile: install-dev .env
	$(BIN)/python -m bench.profile

profile-cpu: install-dev .env
	$(BIN)/python -m bench.profile --cpu

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

db-stop: install
	$(BIN)/python -c 'from core import embedded_db; embedded_db.stop()'

clean: db-stop
	rm -rf $(VENV) staticfiles
