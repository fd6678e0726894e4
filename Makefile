# Alur: `make run` starts the embedded default (SQLite, the five SOPs, demo users);
# `make test` runs every test. Both set up what they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test test-engine test-web test-processes lint bpmnlint bench clean worker

$(STAMP): setup.cfg
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

venv: $(STAMP)
node: $(NODE_STAMP)

run: $(STAMP) $(NODE_STAMP)
	$(VENV)/bin/alur init --deploy
	$(VENV)/bin/alur run

test: $(STAMP) $(NODE_STAMP) bpmnlint
	$(PY) -m pytest

test-engine: $(STAMP)
	$(PY) -m pytest tests/engine tests/test_layering.py

test-web: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest tests/web

test-processes: $(STAMP)
	$(PY) -m pytest tests/processes

bpmnlint: $(NODE_STAMP)
	npx --no-install bpmnlint processes/*.bpmn

lint: $(STAMP) bpmnlint
	$(VENV)/bin/ruff check engine web alur tests

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
