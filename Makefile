# Two commands: `make run` serves the API, `make test` runs every check.
# Both set up what they need (.venv, .env, embedded PostgreSQL) on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev env migrate superuser lint format db-stop clean

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

run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn core.wsgi:application --config gunicorn.conf.py --bind $(HOST):$(PORT)

superuser: install .env
	$(BIN)/python manage.py createsuperuser

test: install-dev .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

db-stop: install
	$(BIN)/python -c 'from core import embedded_db; embedded_db.stop()'

clean: db-stop
	rm -rf $(VENV) staticfiles
