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

.PHONY: help setup demo test test-spark test-fast status lint docs clean mf

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip sync --quiet requirements.lock
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed ## create .venv from the pinned lock file and install salesmart

demo: setup ## generate demo data, run the whole pipeline, print the scorecard and the KPI summary
	@# about 80 lines before the dashboard path: each command prints what it did, so make does not echo them
	@$(BIN)/salesmart generate --scale $(SCALE) --seed $(SEED) --months $(MONTHS) --out $(SALESMART_LANDING)
	@$(BIN)/salesmart run
	@$(BIN)/salesmart scorecard --reps 3
	@$(BIN)/salesmart kpi
	@$(BIN)/salesmart report

# Test workers (pytest-xdist): whole modules per worker, handed out in collection order, which
# tests/python/conftest.py sorts longest first (--no-loadscope-reorder: xdist would otherwise start with the
# modules that have the most tests, and the long few-test ones would finish last on one worker).
# TEST_WORKERS=0 runs the tests serially in one process (make test TEST_WORKERS=0, or in the environment).
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test: setup ## run every test (pytest drives dbt build and dbt tests); TEST_WORKERS=0 runs them serially
	$(BIN)/pytest -q $(XDIST)

test-spark: setup ## the DuckDB-vs-Spark equivalence test alone (needs Java; fails instead of skipping)
	SALESMART_REQUIRE_SPARK=1 $(BIN)/pytest -q -s tests/python/test_spark.py

test-fast: setup ## the tests that run no whole pipeline, plus one smoke pipeline (under 3 minutes)
	$(BIN)/pytest -q $(XDIST) -m "not slow or smoke"

status: setup ## last runs, batches, rejected files and rows
	$(BIN)/salesmart status

lint: setup ## ruff check, ruff format --check, sqlfluff (dbt templater, as CI)
	$(BIN)/ruff check scripts tests/python bench
	$(BIN)/ruff format --check scripts tests/python bench
	@# The dbt templater opens <home>/build.duckdb: use the warehouse when built (accurate column lists),
	@# else an empty temp home, so linting never creates files in warehouse/.
	@home="$(SALESMART_HOME)"; tmp=""; \
	if [ ! -f "$$home/build.duckdb" ]; then tmp=$$(mktemp -d); home=$$tmp; fi; \
	echo "sqlfluff lint models macros tests --templater dbt (SALESMART_HOME=$$home)"; \
	SALESMART_HOME=$$home $(BIN)/sqlfluff lint models macros tests --templater dbt; rc=$$?; \
	if [ -n "$$tmp" ]; then rm -rf "$$tmp"; fi; exit $$rc

docs: setup ## dbt docs generate against the built warehouse, then the docs coverage check
	@test -f "$(SALESMART_HOME)/build.duckdb" || { echo "docs: no warehouse in $(SALESMART_HOME): run make demo first"; exit 2; }
	$(BIN)/dbt docs generate --quiet
	$(PY) -m salesmart.docs_coverage

mf: setup ## query the semantic layer: make mf METRICS=bookings,win_rate GROUP_BY=metric_time__quarter
	@test -x $(BIN)/mf || { echo "mf: dbt-metricflow is not installed in $(VENV) (re-lock: make lock, then make setup)"; exit 2; }
	$(BIN)/dbt parse --quiet
	$(BIN)/mf query --metrics $(METRICS) --group-by $(GROUP_BY) $(MF_ARGS)

lock: ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --generate-hashes --python-version 3.11 -o requirements.lock

clean: ## remove generated data and warehouse files (keeps .venv)
	rm -rf data warehouse target logs

BENCH_SCALES ?= 0.1 0.3 1

bench: setup ## benchmark every step at BENCH_SCALES (default 0.1 0.3 1; writes bench/results.json and .md)
	$(PY) bench/harness.py --scales $(BENCH_SCALES)

bench-ci: setup ## the same benchmark at scale 0.01 (a smoke run for CI)
	$(PY) bench/harness.py --scales 0.01
