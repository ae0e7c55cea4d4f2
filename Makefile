# garde: every target bootstraps .venv idempotently from a clean clone.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONHASHSEED := 0

.PHONY: setup demo test test-fast lint bench serve train-text eval-text eval-image eval-hash eval-audit contracts clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@command -v chromium >/dev/null 2>&1 || bash scripts/install-chromium.sh
	@touch $(STAMP)

demo: setup
	$(BIN)/python -m garde.demo

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
	$(BIN)/garde policy test

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

serve: setup
	$(BIN)/garde serve

train-text: setup
	$(BIN)/python -m garde.text.train

eval-text: setup
	$(BIN)/python -m garde.text.evaluate

eval-image: setup
	$(BIN)/python -m garde.vision.evaluate

eval-hash: setup
	$(BIN)/python -m garde.hashing.evaluate

eval-audit: setup
	$(BIN)/python -m garde.audit.validate

contracts: setup
	$(PY) ../shared/tools/check_contracts.py $(BIN)/garde

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
