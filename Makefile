# Maticko — the commands a person needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV ?= $(ROOT)/.venv
BIN := $(VENV)/bin
APP := $(ROOT)/dirt_stack
HOST ?= 127.0.0.1
PORT ?= 8000
export VENV
# Python may write bytecode even when the shell says not to: pytest then keeps its
# rewritten test modules between runs, and the manage.py and gunicorn processes the
# tests start reuse the compiled application instead of compiling it each time.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help run dev setup test bench lint lint-python lint-frontend lint-container lint-infra lint-workflows format
.PHONY: test-app test-infra test-fast test-sqlite lint-migrations

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-16s %s\n", $$1, $$2}'

setup: ## Install dependencies, build the frontend, migrate and load demo data
	@bash $(APP)/setup.sh

# run.sh is the one place that says how the local servers start (the tests start it too).
run: setup ## Set everything up and serve on http://$(HOST):$(PORT) with the production server (gunicorn)
	@printf '\n  Maticko: http://%s:%s/   (organizer login: demo@maticko.test / maticko-demo)\n\n' "$(HOST)" "$(PORT)"
	HOST=$(HOST) PORT=$(PORT) exec bash $(APP)/run.sh

dev: setup ## Like run, with Django's reloading development server and the Vite dev server (hot reload)
	@printf '\n  Maticko (development): http://%s:%s/   (organizer login: demo@maticko.test / maticko-demo)\n\n' "$(HOST)" "$(PORT)"
	HOST=$(HOST) PORT=$(PORT) exec bash $(APP)/run.sh --dev

# The infrastructure's tests and linters (moto, the AWS CLI, cfn-lint, shellcheck,
# hadolint, actionlint, zizmor) live in a virtual environment of their own, so the
# application's .venv carries none of them.
INFRA_VENV := $(ROOT)/.venv-infra
INFRA_BIN := $(INFRA_VENV)/bin
$(INFRA_VENV)/.installed: $(ROOT)/infrastructure/requirements.txt
	@bash $(APP)/setup.sh --dev --no-db --no-build
	$(BIN)/python -m venv $(INFRA_VENV)
	$(INFRA_BIN)/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

# Serial make runs the infrastructure's tests first, so the application's summary
# comes last; `make -k test` runs the second part even when the first one fails.
test: test-infra test-app ## Run the whole test suite: test-infra, then test-app

# The application's tests spread over TEST_APP_WORKERS processes a file at a time (servers,
# browsers and the fleet mostly wait on I/O, so they overlap well even on two cores); each
# process has its own test database (test_<name>_gw<N>). 0 runs them in one process.
TEST_APP_WORKERS ?= auto
test-app: ## The application's tests (SQLite by default; PostgreSQL with DATABASE_URL)
	@bash $(APP)/setup.sh --dev --no-db
	cd $(APP) && $(BIN)/pytest -n $(TEST_APP_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The emulator deploys of one test file share their stacks, so the files are spread over
# INFRA_TEST_WORKERS processes whole (--dist loadfile); 0 runs them in one process.
INFRA_TEST_WORKERS ?= auto
test-infra: $(INFRA_VENV)/.installed ## The infrastructure's tests, in .venv-infra (templates, user data, deploys to moto)
	cd $(ROOT)/infrastructure && $(INFRA_BIN)/pytest -n $(INFRA_TEST_WORKERS) --dist loadfile $(INFRA_PYTEST_ARGS)

# The fast suite leaves out what starts servers or browsers (markers in
# dirt_stack/pyproject.toml) and spreads the rest over TEST_WORKERS processes (0: one process).
FAST_MARKERS := not slow and not fleet and not browser
TEST_WORKERS ?= auto
test-fast: ## The application's tests but the slow, fleet and browser ones, in parallel (under a minute)
	@bash $(APP)/setup.sh --dev --no-db
	cd $(APP) && $(BIN)/pytest -n $(TEST_WORKERS) -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

# The tests of the code that takes another path on SQLite (`connection.vendor`: the purchase's
# statements and writers, stock, limits, hoarding, search, the on-sale room's ticker) and of
# what `make run` itself does (demo data): CI runs them on SQLite beside `make lint`, and the
# whole suite on PostgreSQL.
SQLITE_TESTS := $(addprefix tests/,test_statements.py test_writers.py test_stock_paths.py \
	test_stock_state_machine.py test_quotas.py test_purchase_fast_lane.py test_api_purchase.py \
	test_checkout.py test_order_lifecycle.py test_order_state_machine.py test_hold_extension.py \
	test_email_limits.py test_hoarding.py test_hoarding_api.py test_storefront_availability.py \
	test_onsale_rate.py test_onsale_state_machine.py test_onsale_rooms.py test_onsale_gate.py \
	test_questions.py test_waitlist.py test_webhooks.py test_hostile_input.py test_seed_demo.py \
	test_migrations_dates.py test_taxes.py test_taxes_hostile.py test_invoicing.py)
test-sqlite: ## The tests of SQLite's own code paths (SQLITE_TESTS), on SQLite, in parallel
	@bash $(APP)/setup.sh --dev --no-db
	cd $(APP) && $(BIN)/pytest -n $(TEST_WORKERS) -m "$(FAST_MARKERS)" $(PYTEST_ARGS) $(SQLITE_TESTS)

FLEET_PORT ?= 8080
FLEET_INSTANCES ?= 2
.PHONY: fleet
fleet: ## Gunicorn instances behind HAProxy on http://127.0.0.1:$(FLEET_PORT) (PostgreSQL; Ctrl-C stops)
	@bash $(APP)/setup.sh --no-db
	bash $(ROOT)/infrastructure/local/fleet.sh --instances $(FLEET_INSTANCES) --port $(FLEET_PORT)

bench: ## Flash-sale benchmarks on PostgreSQL (200 buyers; a single-date event, then one date of a 50-date series) and SQLite (50 buyers); prints JSON
	@bash $(APP)/setup.sh --dev --no-db
	$(BIN)/python bench/flash_sale.py --database postgres --tickets 2000 --buyers 200
	$(BIN)/python bench/flash_sale.py --database postgres --tickets 2000 --buyers 200 --dates 50
	$(BIN)/python bench/flash_sale.py --database sqlite --tickets 500 --buyers 50

.PHONY: bench-overload
bench-overload: ## Open-loop overload benchmark on PostgreSQL: arrivals at 3 x the purchase capacity for 60 s, without and with the on-sale room; prints JSON
	@bash $(APP)/setup.sh --dev --no-db
	$(BIN)/python bench/overload.py --database postgres --overload 3 --duration 60

lint: lint-python lint-translations lint-types lint-frontend lint-i18n lint-types-generated lint-migrations lint-container lint-infra lint-workflows ## Run every linter

lint-python:
	@bash $(APP)/setup.sh --dev --no-db --no-build
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	cd $(APP) && $(BIN)/lint-imports --no-logo

# The server's translation catalogs hold every string the code marks, translated into every
# language (core/management/commands/check_catalogs.py). Extraction is Django's makemessages,
# which needs GNU gettext: .ci/run installs it; without it a local run says so and skips.
.PHONY: lint-translations translations
lint-translations: ## Check that the server's catalogs are complete (de, fr, es, cs)
	@bash $(APP)/setup.sh --dev --no-db --no-build
	@if command -v xgettext >/dev/null 2>&1; then \
		cd $(APP) && DEBUG=true $(BIN)/python manage.py check_catalogs; \
	elif [ "$${CI:-}" = true ]; then \
		echo "lint-translations: GNU gettext (xgettext) is missing" >&2; exit 1; \
	else \
		echo "lint-translations: skipped, GNU gettext (xgettext) is not installed (apt-get install gettext)"; \
	fi

translations: ## Extract the server's new strings into its catalogs (then translate them)
	cd $(APP) && DEBUG=true $(BIN)/python manage.py check_catalogs --update

# mypy's Django plugin imports maticko.settings, which refuses to load without a
# SECRET_KEY unless DEBUG is on; DEBUG=true lets it load with its development
# defaults (nothing is served, no database is opened).
.PHONY: lint-types
lint-types: ## Type-check dirt_stack with mypy and django-stubs (dirt_stack/mypy.ini)
	@bash $(APP)/setup.sh --dev --no-db --no-build
	cd $(APP) && DEBUG=true $(BIN)/mypy

lint-frontend:
	@bash $(APP)/setup.sh --dev --no-db --no-build
	cd $(APP)/frontend && npm run --silent lint

# The pages' translations (DEVELOPMENT.md, "Translating the pages"): Lingui's extraction
# must leave src/locales/ unchanged and every message must be translated.
.PHONY: lint-i18n
lint-i18n: ## Fail when the pages' catalogs miss a message or a translation
	@bash $(APP)/setup.sh --dev --no-db --no-build
	cd $(APP)/frontend && npm run --silent i18n:check

# The frontend's TypeScript types are generated from the server's schemas (DEVELOPMENT.md).
.PHONY: types lint-types-generated
types: ## Regenerate the frontend's TypeScript types from the server's schemas
	@bash $(APP)/setup.sh --no-db --no-build
	cd $(APP)/frontend && npm run --silent types

lint-types-generated:
	@bash $(APP)/setup.sh --dev --no-db --no-build
	cd $(APP)/frontend && npm run --silent types:check

lint-migrations: ## Fail when a model change has no migration (makemigrations --check)
	@bash $(APP)/setup.sh --dev --no-db --no-build
	cd $(APP) && DEBUG=true DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run

lint-container: $(INFRA_VENV)/.installed ## Lint the Dockerfile with hadolint
	$(INFRA_BIN)/hadolint Dockerfile

# checkov pins libraries of its own, so it gets its own virtual environment.
CHECKOV_VENV := $(ROOT)/.venv-checkov
$(CHECKOV_VENV)/.installed: $(ROOT)/infrastructure/requirements-checkov.txt
	@bash $(APP)/setup.sh --dev --no-db --no-build
	$(BIN)/python -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

lint-infra: $(INFRA_VENV)/.installed $(CHECKOV_VENV)/.installed ## Lint the CloudFormation templates and shell scripts
	PATH="$(INFRA_BIN):$$PATH" CHECKOV="$(CHECKOV_VENV)/bin/checkov" bash $(ROOT)/infrastructure/lint.sh

lint-workflows: $(INFRA_VENV)/.installed ## Lint the GitHub Actions workflows (actionlint with shellcheck, zizmor)
	cd $(ROOT) && PATH="$(INFRA_BIN):$$PATH" $(INFRA_BIN)/actionlint
	cd $(ROOT) && $(INFRA_BIN)/zizmor --offline .github/

format: ## Format Python and frontend code in place
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	cd $(APP)/frontend && npm run --silent format
