# Two commands on a fresh machine (DESIGN §8):  make run   and   make test
# Everything runs from .venv, created here from requirements.txt when missing or outdated.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.requirements.sha256
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv install migrate seed run test lint format messages check-deploy ci clean

help:
	@echo "make run           set up .venv, migrate, load demo data, start web + worker + beat"
	@echo "make test          set up .venv, run the whole test suite (PYTEST_ARGS=... to narrow)"
	@echo "make lint          ruff check + ruff format --check"
	@echo "make format        ruff format + ruff check --fix"
	@echo "make messages      update and compile the zh_Hans translations in locale/"
	@echo "make check-deploy  Django's deployment checks against config.settings.production"
	@echo "make ci            what CI runs (.ci/run): PostgreSQL + Redis, tests and checks"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/python

# Reinstall only when requirements.txt has changed since the last successful install.
install: venv
	@want=$$($(BIN)/python -c 'import hashlib; print(hashlib.sha256(open("requirements.txt", "rb").read()).hexdigest())'); \
	if [ "$$(cat $(STAMP) 2>/dev/null)" != "$$want" ]; then \
		echo "Installing requirements.txt into $(VENV)..."; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt \
			&& echo "$$want" > $(STAMP); \
	fi

migrate: install
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo
	$(MANAGE) seed_stock

run: seed
	$(MANAGE) collectstatic --noinput --verbosity 0
	VENV=$(VENV) bin/run-all

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# --ignore keeps the virtualenv's and var/'s files out of both commands.
messages: install
	mkdir -p locale
	$(MANAGE) makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(MANAGE) compilemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*'

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$${SECRET_KEY:-check-deploy-dummy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-example.com}" \
	$(MANAGE) check --deploy --fail-level WARNING

ci:
	bash .ci/run

clean:
	rm -rf var/staticfiles var/celery var/log .pytest_cache
