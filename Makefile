# Alur: `make run` starts the embedded default (SQLite, the five SOPs, demo users);
# `make test` runs every test. Both set up what they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
MODELER := web/static/vendor/modeler.js
# The suite runs in PYTEST_WORKERS processes (pytest-xdist; each has its own PostgreSQL database and
# tmp folders); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
XDIST := -n $(PYTEST_WORKERS) --dist worksteal

.PHONY: run modeler translations test test-engine test-web test-processes lint typecheck bpmnlint bench soak clean worker

$(STAMP): setup.cfg
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# npm ci also brings axe-core (devDependency), which the browser tests inject into every page they walk.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf web/static/vendor/bpmn-js && mkdir -p web/static/vendor
	cp -r node_modules/bpmn-js/dist web/static/vendor/bpmn-js
	rm -rf web/static/vendor/chart.js && mkdir -p web/static/vendor/chart.js
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md web/static/vendor/chart.js/
	touch $(NODE_STAMP)

# The process owners' modeler (bpmn-js + properties panel + the Alur group), bundled by esbuild (gitignored).
$(MODELER): $(NODE_STAMP) $(wildcard web/modeler_js/*)
	npm run --silent build:modeler

venv: $(STAMP)
node: $(NODE_STAMP)
modeler: $(MODELER)

# Debian packages, each named with the command it provides: Chromium prints SOP documents to PDF
# and drives the browser tests; pdftoppm (poppler-utils) checks the PDF pages in the tests;
# systemd-analyze and nginx check deploy/'s units and site (tests/test_deployment.py) and nginx
# fronts the soak test; pg_dump and pg_restore (postgresql-client) back up and restore PostgreSQL;
# slapd (OpenLDAP) is the directory the LDAP sign-in tests start on loopback (tests/ldap_server.py).
RUN_PACKAGES := chromium:chromium
TEST_PACKAGES := $(RUN_PACKAGES) pdftoppm:poppler-utils systemd-analyze:systemd nginx:nginx-light \
	pg_dump:postgresql-client pg_restore:postgresql-client slapd:slapd ldapsearch:ldap-utils

run: $(STAMP) $(NODE_STAMP) $(MODELER)
	bash tools/system-packages.sh $(RUN_PACKAGES)
	$(VENV)/bin/alur init --deploy
	$(VENV)/bin/alur run

# Web translations: extract the Indonesian source messages, merge into the English catalogue,
# compile the .mo (committed, so a fresh clone needs no build step). Translate new entries in
# web/translations/en/LC_MESSAGES/messages.po, then run this again.
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F web/babel.cfg -k lazy_gettext -k N_ --no-location -w 100 \
		--project=Alur -o web/translations/messages.pot .
	$(VENV)/bin/pybabel update -i web/translations/messages.pot -d web/translations -l en -w 100 --ignore-obsolete
	$(VENV)/bin/pybabel compile -d web/translations -l en

test: $(STAMP) $(NODE_STAMP) $(MODELER) bpmnlint
	bash tools/system-packages.sh $(TEST_PACKAGES)
	$(PY) -m pytest $(XDIST)

test-engine: $(STAMP)
	$(PY) -m pytest $(XDIST) tests/engine tests/test_layering.py

test-web: $(STAMP) $(NODE_STAMP) $(MODELER)
	$(PY) -m pytest $(XDIST) tests/web

test-processes: $(STAMP)
	$(PY) -m pytest $(XDIST) tests/processes

bpmnlint: $(NODE_STAMP)
	npx --no-install bpmnlint processes/*.bpmn

# Static gates (CI runs both): ruff over every Python folder, and mypy, strict (setup.cfg [mypy]).
lint: $(STAMP) bpmnlint
	$(VENV)/bin/ruff check engine web alur tests bench tools stubs

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP) $(NODE_STAMP)
	command -v wrk >/dev/null || (apt-get install -y -qq wrk || echo "wrk missing: the HTTP rows will be skipped")
	$(PY) -m bench

# The production set-up of docs/operations.md under load and faults, on loopback (not part of `make test`):
# nginx, two gunicorn app servers, two workers, a scratch PostgreSQL database; SOAK_MINUTES (default 10),
# SOAK_STAFF (pairs of staff, default 4). Writes bench/results/soak.md.
soak: $(STAMP)
	bash tools/system-packages.sh nginx:nginx-light
	$(PY) -c 'import requests' 2>/dev/null || $(PY) -m pip install --quiet -e '.[soak]'
	$(PY) -m bench.soak

worker: $(STAMP)
	$(VENV)/bin/alur worker

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
