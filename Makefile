# Patchwork: set up, run, test and benchmark.
#   make setup   .venv (pip, requirements.txt + requirements-dev.txt) + node_modules (npm ci) + static/vendor/ assets
#   make demo    workspaces/demo.gpkg (the deterministic demo borough)
#   make run     the app on http://127.0.0.1:8501 (.streamlit/config.toml)
#   make test    make lint, then pytest over tests/ (PYTEST_ARGS="tests/unit -x" to narrow; NO_LINT=1 skips lint)
#   make bench   benchmarks in bench/ (BENCH_ARGS="name ..." to pick)
#   make lint    ruff, mypy, duplicate code, module sizes, layers (LINT_PATHS="geo/plan" to narrow;
#                one check alone: make lint-ruff | lint-mypy | lint-dup | lint-size | lint-layers)
# Each step is idempotent: setup re-runs only what changed (requirements*.txt,
# package.json/package-lock.json, scripts/vendor.py) or went missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
# python3.11 where it exists, else whatever python3 is.
BOOTSTRAP_PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)

VENV_STAMP := $(VENV)/.patchwork-setup.stamp
NODE_STAMP := $(ROOT)/node_modules/.patchwork-setup.stamp
VENDOR_STAMP := $(ROOT)/static/vendor/.patchwork-setup.stamp
DEMO := $(ROOT)/workspaces/demo.gpkg

# Real data beside the repo (CI copies shared/ there); override from the environment.
PATCHWORK_DATA ?= $(abspath $(ROOT)/../shared/data)
export PATCHWORK_DATA

PYTEST_ARGS ?= tests
BENCH_ARGS ?=

# What `make lint` checks (configuration in pyproject.toml, tools pinned in requirements-dev.txt).
# LINT_PATHS="geo/plan ui/map.py" narrows every check to those paths; each check's own list can
# be set too (RUFF_PATHS, MYPY_PATHS, DUP_PATHS, SIZE_PATHS). On a subset mypy still reads the
# modules it imports but reports errors only in the given paths; the duplicate-code check only
# compares the given files with each other.
LINT_PATHS ?=
RUFF_PATHS ?= $(or $(LINT_PATHS),geo ui pages app.py bench scripts tests)
MYPY_PATHS ?= $(or $(LINT_PATHS),geo ui)
MYPY_FLAGS ?= $(if $(LINT_PATHS),--follow-imports=silent)
DUP_PATHS ?= $(or $(LINT_PATHS),geo ui pages app.py)
SIZE_PATHS ?= $(LINT_PATHS)
LINT_CHECKS := ruff mypy dup size layers

.PHONY: help setup demo run test bench clean lint $(addprefix lint-,$(LINT_CHECKS))

help:
	@sed -n '2,11p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

setup: $(VENV_STAMP) $(NODE_STAMP) $(VENDOR_STAMP)

$(VENV_STAMP): $(ROOT)/requirements.txt $(ROOT)/requirements-dev.txt
	test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r $(ROOT)/requirements.txt -r $(ROOT)/requirements-dev.txt
	touch $@

$(NODE_STAMP): $(ROOT)/package.json $(ROOT)/package-lock.json
	cd $(ROOT) && npm ci --no-audit --no-fund
	touch $@

$(VENDOR_STAMP): $(NODE_STAMP) $(ROOT)/scripts/vendor.py | $(VENV_STAMP)
	$(PY) $(ROOT)/scripts/vendor.py --root $(ROOT)
	touch $@

demo: $(DEMO)

# Built once; rebuilt when the generator, geo.io or the schemas change. `python -m geo.demo` writes the
# demo borough's boundary files (data/boundaries/, committed: byte-identical unless geo/demo changed)
# and the workspace built from them, each atomically, so an interrupted run never leaves a
# half-written file. The app and the tests call geo.io.ensure_demo, which rebuilds what is missing or
# stale by the generator's hash (every geo/demo/*.py).
$(DEMO): $(wildcard $(ROOT)/geo/demo/*.py) $(wildcard $(ROOT)/geo/io/*.py) $(ROOT)/geo/model.py | $(VENV_STAMP)
	cd $(ROOT) && $(PY) -m geo.demo --out $(DEMO)
	touch $@

run: setup demo
	cd $(ROOT) && $(VENV)/bin/streamlit run app.py

# The tests run after the checks: a type error, a style finding, duplicated code, an oversized module
# or an import across layers fails `make test` (so CI). NO_LINT=1 skips them while iterating on tests.
# (Not LINT: make has a built-in variable of that name.)
NO_LINT ?=
test: setup demo $(if $(NO_LINT),,lint)
	cd $(ROOT) && $(PY) -m pytest -q -ra $(PYTEST_ARGS)

# Every check runs (one failing does not stop the others); the last line names those that failed.
lint: $(VENV_STAMP)
	@failed=""; \
	for c in $(LINT_CHECKS); do $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) lint-$$c || failed="$$failed lint-$$c"; done; \
	if [ -n "$$failed" ]; then echo "lint: FAILED:$$failed" >&2; exit 1; fi; \
	echo "lint: OK (ruff, mypy, duplicate code, module sizes, layers)"

lint-ruff: $(VENV_STAMP)
	@echo "== lint-ruff: ruff check $(RUFF_PATHS)"
	@cd $(ROOT) && $(VENV)/bin/ruff check $(RUFF_PATHS) \
	  || { echo "lint-ruff: FAILED: ruff findings above ('ruff check --fix PATHS' fixes those marked [*])" >&2; exit 1; }

lint-mypy: $(VENV_STAMP)
	@echo "== lint-mypy: mypy $(strip $(MYPY_FLAGS) $(MYPY_PATHS))"
	@cd $(ROOT) && $(PY) -m mypy $(MYPY_FLAGS) $(MYPY_PATHS) \
	  || { echo "lint-mypy: FAILED: type errors above" >&2; exit 1; }

lint-dup: $(VENV_STAMP)
	@echo "== lint-dup: pylint duplicate-code (6 lines or more) over $(DUP_PATHS)"
	@cd $(ROOT) && $(PY) -m pylint --recursive=y $(DUP_PATHS) \
	  || { echo "lint-dup: FAILED: duplicated code above (R0801)" >&2; exit 1; }
	@echo "lint-dup: OK: no duplicated code"

lint-size: $(VENV_STAMP)
	@echo "== lint-size: geo/ ui/ modules <= 500 lines, pages/ <= 200"
	@cd $(ROOT) && $(PY) scripts/check_sizes.py $(SIZE_PATHS) \
	  || { echo "lint-size: FAILED: modules over the size limit above" >&2; exit 1; }

lint-layers: $(VENV_STAMP)
	@echo "== lint-layers: geo/ never imports Streamlit or ui/; packages import only the layers below; no cycles"
	@cd $(ROOT) && $(PY) scripts/check_layers.py \
	  || { echo "lint-layers: FAILED: imports across layers above (docs/architecture.md)" >&2; exit 1; }

bench: setup
	cd $(ROOT) && $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(ROOT)/node_modules $(ROOT)/static/vendor $(ROOT)/.mypy_cache $(ROOT)/.ruff_cache
