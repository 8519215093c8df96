# Ecomdrop IA Connector — developer and operator commands. `make` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is for local use: debug mode and the embedded SQLite database unless told otherwise.
RUN_DEBUG ?= true

.DEFAULT_GOAL := help
.PHONY: help sysdeps sysdeps-browser sysdeps-servers install install-dev hooks run demo test screenshots shopify-simulator dropi-simulator worker lint lint-imports typecheck fmt check migrations-check deploy-check db-check messages docker-config bench clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

sysdeps: ## install the C headers mysqlclient compiles against (apt when root; otherwise says what to install)
	@if pkg-config --exists mysqlclient 2>/dev/null || pkg-config --exists mariadb 2>/dev/null; then \
		exit 0; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
		echo "Installing default-libmysqlclient-dev pkg-config build-essential (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			default-libmysqlclient-dev pkg-config build-essential >/dev/null; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "error: mysqlclient needs system packages. Run:"; \
		echo "  sudo apt-get install default-libmysqlclient-dev pkg-config build-essential"; exit 1; \
	elif command -v brew >/dev/null 2>&1; then \
		echo "error: mysqlclient needs system packages. Run:"; \
		echo "  brew install mysql-client pkg-config"; \
		echo "  export PKG_CONFIG_PATH=\"$$(brew --prefix)/opt/mysql-client/lib/pkgconfig\""; exit 1; \
	else \
		echo "error: install the MySQL client development files (libmysqlclient or MariaDB Connector/C)"; \
		echo "       with pkg-config and a C compiler, then run make again."; exit 1; \
	fi

sysdeps-browser: ## install Debian's chromium for the browser tests (apt when root)
	@if [ -x /usr/bin/chromium ]; then exit 0; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
		echo "Installing chromium (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)."; \
	fi

# Tests start their own Redis and nginx (on free ports) to check the shared cache and the proxy.
SERVERS := redis-server:redis-server nginx:nginx-light

sysdeps-servers: ## install Debian's redis-server and nginx for the tests that start them (apt when root)
	@missing=""; for pair in $(SERVERS); do \
		command -v $${pair%%:*} >/dev/null 2>&1 || [ -x /usr/sbin/$${pair%%:*} ] || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
		echo "Installing$$missing (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "note:$$missing missing; the tests that start them will be skipped (apt-get install$$missing)."; \
	fi

$(VENV)/.runtime: requirements.txt
	@$(MAKE) --no-print-directory sysdeps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime ## create .venv and install the runtime dependencies

install-dev: $(VENV)/.dev ## install runtime + test/lint dependencies

hooks: install-dev ## install the git pre-commit hook (ruff, ruff-format, import-linter, mypy; .pre-commit-config.yaml)
	$(BIN)/pre-commit install

run: install ## migrate, then serve http://127.0.0.1:8000 and run the task worker (honcho: the Procfile's web and worker; Ctrl-C stops both)
	DEBUG=$${DEBUG:-$(RUN_DEBUG)} $(MANAGE) migrate --noinput
	@echo ""
	@echo "  Admin console: http://$(HOST):$(PORT)/admin/"
	@echo "  Create an admin user first (another terminal):  DEBUG=true $(MANAGE) createsuperuser"
	@echo ""
	DEBUG=$${DEBUG:-$(RUN_DEBUG)} PATH="$(CURDIR)/$(BIN):$$PATH" GUNICORN_CMD_ARGS="--bind $(HOST):$(PORT)" \
		$(BIN)/honcho start --procfile Procfile --env /dev/null --port $(PORT) web worker

demo: install ## the app (as make run) with every simulator: local Shopify, Ecomdrop, Dropi and theme host; prints a link to open
	$(PY) -m simulators.demo --host $(HOST) --port $(PORT)

test: install-dev sysdeps-browser sysdeps-servers ## run the whole suite (against DATABASE_URL; SQLite when unset)
	$(BIN)/pytest

screenshots: install-dev sysdeps-browser ## run the browser tests and save their screenshots in docs/screenshots/
	CONNECTOR_SCREENSHOTS=1 $(BIN)/pytest -m browser

shopify-simulator: install ## run the local Shopify simulator on :9100, theme operations included (docs/development.md)
	$(PY) -m simulators.shopify_themes --port 9100

dropi-simulator: install ## run the local Dropi simulator on :9300 with a demo catalogue (docs/development.md)
	$(PY) -m simulators.dropi --port 9300

worker: install ## run the background task worker (manage.py worker: tasks plus recovery of lost work)
	DEBUG=$${DEBUG:-$(RUN_DEBUG)} $(MANAGE) worker

lint: install-dev lint-imports ## ruff lint + format check, and the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-imports: install-dev ## check the dependency direction between apps (import-linter contracts in pyproject.toml)
	$(BIN)/lint-imports --no-logo

typecheck: install-dev ## mypy with django-stubs ([tool.mypy] in pyproject.toml: connector, webhooks and ops strict)
	$(BIN)/mypy

fmt: install-dev ## format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install-dev ## fail if models and migrations disagree
	DEBUG=true $(MANAGE) makemigrations --check --dry-run

# Django's production checklist with production-like settings: throwaway secrets, DEBUG off.
deploy-check: install-dev ## manage.py check --deploy --fail-level WARNING with production-like settings
	DEBUG=false \
	SECRET_KEY="check-production-like-secret-key-0123456789-abcdefghijklmnop" \
	FIELD_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	SHOPIFY_API_KEY=check-api-key SHOPIFY_API_SECRET=check-api-secret SHOPIFY_APP_URL=https://connector.example.com \
		$(MANAGE) check --deploy --fail-level WARNING

db-check: install-dev ## migrate the DATABASE_URL database, then run the system checks that need it
	DEBUG=true $(MANAGE) migrate --noinput
	DEBUG=true $(MANAGE) check --database default

# What .ci/run runs once it has set up MariaDB and DATABASE_URL (test_makefile.py keeps them in step).
CHECKS := lint typecheck migrations-check docker-config deploy-check db-check test

check: $(CHECKS) ## everything CI runs: lint + import contracts, mypy, migrations, compose file, deploy and database checks, tests

messages: install-dev ## refresh and compile the translation catalogues (needs gettext)
	DEBUG=true $(MANAGE) makemessages -l es --ignore=.venv --ignore=bench
	DEBUG=true $(MANAGE) compilemessages --ignore=.venv

docker-config: install-dev ## validate docker/compose.yaml (YAML parse, services, MySQL settings) without Docker
	$(PY) docker/check_config.py

# The runnable benchmarks; the other files in bench/ are their helpers (settings, URLs, apps, load generator).
BENCHES := admin_changelist auth_overhead backup_restore catalogue dropi_orders order_flow shipping_writeback tracking_sync webhook_ingest

bench: install-dev ## run the benchmarks in bench/ (needs DATABASE_URL=mysql://…)
	@for name in $(BENCHES); do \
		echo "== bench/$$name.py"; $(PY) bench/$$name.py || exit 1; \
	done

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache .mypy_cache
