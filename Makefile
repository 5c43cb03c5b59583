# The two commands a new user needs: `make demo` and `make test`. Both create the virtualenv and start
# the local services (Docker Engine, Redis, PostgreSQL, registries, base images) first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# OSV records for the demo's offline database (online sites use `dockgate vulndb update` instead).
VULNDB_SRC ?= ../shared/vulndb
VULNDB := .state/vulndb.sqlite

.PHONY: demo test unit lint bench services services-down venv peers example-deps vulndb

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

services:
	scripts/services up

services-down:
	scripts/services down

example-deps: venv
	scripts/fetch-example-deps

peers:
	test ! -x scripts/install-peers || scripts/install-peers

vulndb: venv
	test -s $(VULNDB) || $(BIN)/dockgate vulndb import $(VULNDB_SRC) --db $(VULNDB)

demo: venv services example-deps vulndb
	@eval "$$(scripts/services env)" && DOCKGATE_VULNDB=$(VULNDB) $(BIN)/python scripts/demo.py

test: venv services peers example-deps
	@eval "$$(scripts/services env)" && $(BIN)/pytest -q -p no:cacheprovider

unit: venv
	$(BIN)/pytest -q tests/unit

lint: venv
	$(BIN)/ruff check app workers attestations tests bench
	$(BIN)/ruff format --check app workers attestations
	$(BIN)/mypy

bench: venv services peers example-deps
	@eval "$$(scripts/services env)" && for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
