# certportal — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PORT ?= 8000
WEB_WORKERS ?= 2
CELERY_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help setup system-deps venv migrate messages compilemessages run run-prod test test-pg lint typecheck format bench bench-smoke worker clean check-deploy backup restore

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# What to install: `make run` needs only the portal's own packages (DEPS=runtime: requirements.txt, pango, fonts,
# gettext); everything else (DEPS=dev) also installs the test tools (requirements-dev.txt: pytest, Playwright,
# moto's S3 server for run-prod, ruff) and what the browser tests and benchmarks need (chromium, libatomic1,
# poppler, wrk). A target-specific DEPS reaches the recipes of the target's prerequisites.
DEPS := dev
run: DEPS := runtime
backup restore: DEPS := runtime

system-deps: ## Install missing Debian/Ubuntu packages: pango, HarfBuzz subset, CJK fonts, gettext (+ chromium & co. but for make run)
	@PYTHON=$(PYTHON) ./scripts/system-deps.sh $(DEPS)

# One stamp per set; the dev set includes the runtime one (requirements-dev.txt starts with -r requirements.txt).
# --no-compile: Python compiles what it imports when it first imports it, not every file of every package.
# `python3 -m venv` needs ensurepip, which Debian ships apart (python3-venv): system-deps.sh venv installs it first.
NEW_VENV := test -x $(PY) || { PYTHON=$(PYTHON) ./scripts/system-deps.sh venv && $(PYTHON) -m venv $(VENV); }
$(VENV)/.installed-runtime: requirements.txt
	@$(NEW_VENV)
	@echo "venv: installing the portal's Python packages (requirements.txt) into $(VENV)"
	@$(PY) -m pip install -q --disable-pip-version-check --no-compile -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	@$(NEW_VENV)
	@echo "venv: installing the portal's Python packages and the test tools (requirements-dev.txt) into $(VENV)"
	@$(PY) -m pip install -q --disable-pip-version-check --no-compile -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime

venv: ## Create .venv with the pinned requirements and the test tools (make run: requirements.txt only)
	@$(MAKE) --no-print-directory -s $(VENV)/.installed-$(DEPS)

compilemessages: venv ## Compile the translations (locale/*.po → .mo)
	@if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then $(MANAGE) compilemessages --ignore '.venv/*' -v 0; fi

messages: venv ## Refresh locale/*.po from the source (then translate and commit)
	$(MANAGE) makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(MANAGE) makemessages -d djangojs -l zh_Hans -l en --ignore '.venv/*' --ignore 'var/*' --ignore 'static/vendor/*' --no-obsolete

# apt and pip side by side (-j2: on a bare machine each takes 15-25 s), after python3-venv, which both would want.
setup: ## Everything needed before running or testing
	@PYTHON=$(PYTHON) ./scripts/system-deps.sh venv
	@$(MAKE) --no-print-directory -j2 system-deps venv DEPS=$(DEPS)
	@$(MAKE) --no-print-directory compilemessages DEPS=$(DEPS)

# Static files are collected unless DEBUG is on (make run): then WhiteNoise serves them from the apps' folders and
# pages link their plain names, so collecting (and compressing) them would only slow the first start.
migrate: setup
	@echo "Preparing the database$$([ "$$DEBUG" = true ] || echo ' and the static files')"
	@$(MANAGE) migrate --noinput -v 0
	@[ "$$DEBUG" = true ] || $(MANAGE) collectstatic --noinput -v 0

# Demo mode (DEMO_MODE, settings.py): the seeded certificates rest on placeholder points and are printed as
# specimens. Exported so seed_demo, the web process and the Celery worker all see it; run-prod never sets it.
# DEBUG too: the local demo on loopback, plain HTTP, the README's fixed demo logins (seed_demo refuses them
# with DEBUG off), the sandbox payment provider on.
run: export DEMO_MODE ?= true
run: export DEBUG ?= true
# The address printed on certificates (QR code) and in e-mail links follows the port served (make run PORT=8234),
# unless SITE_URL is given on the command line or in the environment.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
# Python's output unbuffered, so each process's lines show when written (beat's banner at its start, not its end).
run: export PYTHONUNBUFFERED := 1
# Ctrl-C: `set -m` runs honcho as a job of its own that holds the terminal, so the terminal's SIGINT reaches honcho
# (which stops web, worker and beat with SIGTERM) and not make; honcho's 130 (or 143 after a SIGTERM) is the stop
# that was asked for, so make ends with 0. setpriv --pdeathsig: if make is killed instead, honcho is told to stop.
# honcho kills what still runs 5 s after its SIGTERM (KILL_WAIT, no option for it): the worker's warm shutdown (its
# running tasks, then its pool; ~4 s on the embedded broker, whose loop looks every 2 s) gets 20 s instead.
HONCHO := $(PY) -c 'import honcho.command, honcho.manager; honcho.manager.KILL_WAIT = 20; honcho.command.main()'
run: migrate ## Set up, seed demo data and start web + Celery worker + beat in demo mode (Ctrl-C stops all)
	@$(MANAGE) seed_demo
	@$(MANAGE) create_dev_signing_key
	@echo ""
	@echo "  certportal is starting on http://127.0.0.1:$(PORT)/  (staff: http://127.0.0.1:$(PORT)/admin/)"
	@echo "  Links in e-mails and on certificates: $(SITE_URL)"
	@echo "  Demo mode: certificates granted on placeholder points are specimens (DEMO_MODE=$$DEMO_MODE)"
	@echo "  Ctrl-C stops it."
	@echo ""
	@set -m; PORT=$(PORT) setpriv --pdeathsig TERM $(HONCHO) start -f Procfile; status=$$?; \
	if [ $$status = 130 ] || [ $$status = 143 ]; then echo "certportal stopped."; else exit $$status; fi

run-prod: setup ## The production stack on loopback (plain HTTP, random demo logins): PostgreSQL, Redis, S3 (moto), gunicorn, N workers, one beat
	PORT=$(PORT) WEB_WORKERS=$(WEB_WORKERS) CELERY_WORKERS=$(CELERY_WORKERS) ./scripts/run-prod.sh

lint: venv ## ruff check + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs over the portal's code (settings in pyproject.toml: what is checked, which modules are strict).
typecheck: venv ## Type-check the portal's code with mypy (0 errors allowed)
	$(VENV)/bin/mypy

format: venv ## Apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: setup lint typecheck ## Set up, lint, type-check, Django checks (deployment ones too), migrations check, the whole test suite
	$(MANAGE) check --fail-level WARNING
	$(MAKE) --no-print-directory check-deploy
	$(MANAGE) makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# A production-like environment: a long random SECRET_KEY, DEBUG off, HTTPS only behind one proxy, HSTS a year,
# a shared (Redis) cache. Only the settings are checked, so no Redis need run; the database is an empty in-memory
# one, so the demo accounts `make run` left in var/ do not count (on a real installation they fail the check).
# A signing key that is not a development one, made for the check in a temporary file and removed after it.
export CHECK_DEPLOY_SIGNING_KEY := import tempfile; from certportal.signing import new_ca_and_signer_pkcs12 as new; \
f = tempfile.NamedTemporaryFile(suffix=".p12", delete=False); f.write(new("check CA", "check signer", "check")); print(f.name)
check-deploy: venv ## Django's deployment checks with production settings: 0 issues allowed (silenced: see settings)
	@key="$$($(PY) -c "$$CHECK_DEPLOY_SIGNING_KEY")"; \
	DEBUG=false SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	ALLOWED_HOSTS=cert.example.com CSRF_TRUSTED_ORIGINS=https://cert.example.com SITE_URL=https://cert.example.com \
	SECURE_SSL_REDIRECT=true SESSION_COOKIE_SECURE=true CSRF_COOKIE_SECURE=true SECURE_HSTS_SECONDS=31536000 \
	USE_X_FORWARDED_PROTO=true TRUSTED_PROXY_COUNT=1 \
	CACHE_URL=redis://127.0.0.1:6379/2 DATABASE_URL=sqlite://:memory: \
	MFA_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	SIGNING_PKCS12_PATH="$$key" $(MANAGE) check --deploy --fail-level WARNING; \
	status=$$?; rm -f "$$key"; exit $$status

test-pg: setup ## The test suite on PostgreSQL (DATABASE_URL, default local postgres)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/certportal} $(PY) -m pytest --create-db $(PYTEST_ARGS)

# One SQLite database is migrated first; each script on SQLite starts from a copy of it (bench/_setup.py), not
# from the migrations again (~8 s each). Every script runs, even after one fails, and says how long it took; the
# target fails at the end and names the scripts that failed.
BENCH_MIGRATED := $(CURDIR)/var/bench-migrated.sqlite3
RUN_BENCHES = rm -f $(BENCH_MIGRATED); DATABASE_URL=sqlite:///$(BENCH_MIGRATED) $(MANAGE) migrate --noinput -v 0 || exit 1; \
	export BENCH_MIGRATED_DATABASE=$(BENCH_MIGRATED); failed=""; for script in bench/bench_*.py; do \
	echo "== $$script"; started=$$SECONDS; $(PY) $$script || failed="$$failed $$script"; \
	echo "== $$script took $$((SECONDS - started)) s"; done; \
	if [ -n "$$failed" ]; then echo "bench: failed:$$failed"; exit 1; fi

# The soak with restarts (bench_soak.py, 15 minutes in full) runs shortened here; it says so. SOAK_SECONDS=900 for all.
bench: export SOAK_SECONDS ?= 150
bench: migrate ## Run every benchmark under bench/ (prints `bench: <name> = <value> <unit>` lines)
	@$(RUN_BENCHES)

# CI: every benchmark on a tiny size (BENCH_SMOKE=1, see bench/_setup.py), so a broken one fails the build; the
# figures it prints mean nothing.
bench-smoke: setup ## Run every benchmark on a tiny size, figures not checked (fails when a script fails)
	@export BENCH_SMOKE=1; $(RUN_BENCHES)

# Backups (README "Operations", docs/operations.md): run them with the portal's environment (DATABASE_URL, the
# bucket's AWS_* or PRIVATE_STORAGE_ROOT), e.g. from .env.
backup: venv ## Back up the database and every private file with a manifest (BACKUP_DIR, default var/backups/<time>)
	@$(MANAGE) backup $(if $(BACKUP_DIR),--output "$(BACKUP_DIR)")

restore: venv ## Verify a backup and restore it into an empty database and storage (BACKUP_DIR=..., FORCE=1 to replace)
	@[ -n "$(BACKUP_DIR)" ] || { echo "make restore BACKUP_DIR=var/backups/<time> [FORCE=1]"; exit 2; }
	@$(MANAGE) restore "$(BACKUP_DIR)" $(if $(FORCE),--force)

worker: venv ## A Celery worker alone (uses CELERY_BROKER_URL)
	$(VENV)/bin/celery -A certportal worker -l INFO

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
