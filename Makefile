# salesmart: the front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export SALESMART_HOME ?= $(CURDIR)/warehouse
export SALESMART_LANDING ?= $(CURDIR)/data/landing
export DBT_PROFILES_DIR ?= $(CURDIR)/profiles
SCALE ?= 0.02
SEED ?= 42
MONTHS ?= 12
METRICS ?= bookings,win_rate,revenue,gross_margin
GROUP_BY ?= metric_time__quarter

.PHONY: help setup demo test test-fast status lint clean mf

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip sync --quiet requirements.lock
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed ## create .venv from the pinned lock file and install salesmart

demo: setup ## generate demo data, run the whole pipeline, print the KPIs
	$(BIN)/salesmart generate --scale $(SCALE) --seed $(SEED) --months $(MONTHS) --out $(SALESMART_LANDING)
	$(BIN)/salesmart run
	$(BIN)/salesmart kpi --grain quarter
	$(BIN)/salesmart report

test: setup ## run every test (pytest drives dbt build and dbt tests)
	$(BIN)/pytest -q

test-fast: setup ## the tests that do not run dbt
	$(BIN)/pytest -q -m "not slow"

status: setup ## last runs, batches, rejected files and rows
	$(BIN)/salesmart status

lint: setup ## ruff and sqlfluff
	$(BIN)/ruff check scripts tests/python
	$(BIN)/ruff format --check scripts tests/python

mf: setup ## query the semantic layer: make mf METRICS=bookings,win_rate GROUP_BY=metric_time__quarter
	@test -x $(BIN)/mf || { echo "mf: dbt-metricflow is not installed in $(VENV) (re-lock: make lock, then make setup)"; exit 2; }
	$(BIN)/dbt parse --quiet
	$(BIN)/mf query --metrics $(METRICS) --group-by $(GROUP_BY) $(MF_ARGS)

lock: ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean: ## remove generated data and warehouse files (keeps .venv)
	rm -rf data warehouse target logs

bench: setup ## benchmark every step at scales 0.1, 0.3 and 1 (writes bench/results.json and .md)
	$(PY) scripts/bench.py --scales 0.1 0.3 1

bench-ci: setup ## the same benchmark at scale 0.01 (a smoke run for CI)
	$(PY) scripts/bench.py --scales 0.01
