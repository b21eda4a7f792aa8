# Beacon: `make run` opens the app on the demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export BEACON_HOME ?= $(CURDIR)/workspace
WAREHOUSE := $(BEACON_HOME)/warehouse.duckdb

.PHONY: setup demo run test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(WAREHOUSE): $(STAMP) ingest/demo.py ingest/demo_marketing.py assets/demo_model.yaml
	$(BIN)/beacon demo

demo: $(WAREHOUSE)

run: demo
	$(BIN)/streamlit run app.py --server.port 8501

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	for script in bench/[!_]*.py; do $(BIN)/python -m bench.$$(basename $$script .py) || exit 1; done

clean:
	rm -rf $(VENV) $(WAREHOUSE) .pytest_cache .ruff_cache
