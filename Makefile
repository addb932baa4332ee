# Patchwork: set up, run, test and benchmark.
#   make setup   .venv (pip, requirements.txt) + node_modules (npm ci) + static/vendor/ assets
#   make demo    workspaces/demo.gpkg (the deterministic demo borough)
#   make run     the app on http://127.0.0.1:8501 (.streamlit/config.toml)
#   make test    pytest over tests/ (PYTEST_ARGS="tests/unit -x" to narrow)
#   make bench   benchmarks in bench/ (BENCH_ARGS="name ..." to pick)
# Each step is idempotent: setup re-runs only what changed (requirements.txt,
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

.PHONY: help setup demo run test bench clean

help:
	@sed -n '2,9p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

setup: $(VENV_STAMP) $(NODE_STAMP) $(VENDOR_STAMP)

$(VENV_STAMP): $(ROOT)/requirements.txt
	test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r $(ROOT)/requirements.txt
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

test: setup demo
	cd $(ROOT) && $(PY) -m pytest -q -ra $(PYTEST_ARGS)

bench: setup
	cd $(ROOT) && $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(ROOT)/node_modules $(ROOT)/static/vendor
