# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast fuzz lint clean system-packages bench bench-large docs pg-catalogue

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# pyodbc cannot even be imported without libodbc; FreeTDS is the ODBC driver the tests use.
system-packages:
	@if ! dpkg -s tdsodbc unixodbc >/dev/null 2>&1; then \
		echo "Installing tdsodbc and unixodbc (apt)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq tdsodbc unixodbc >/dev/null; \
	fi

demo: $(STAMP)
	rm -rf demo-output
	$(BIN)/datamigrate migrate --ddl examples/retail -o demo-output/retail_dbt --level build --sample-rows 20

# Everything: the guards (lint), then the whole suite. CI runs this.
test: $(STAMP) system-packages lint
	$(BIN)/pytest

# The fast tier, for the edit-test loop: no dbt, no processes, no servers (about a minute).
FAST := not (slow or dbt or process or postgres or mssql or llm)
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "$(FAST)"

# Benchmarks (not part of `make test`): each stage against sqloxide, sqlglot and bare dbt compile.
# validate and dbt compile run up to BENCH_DBT_MAX tables (10,000 models take many minutes).
BENCH_SIZES ?= 100 1000 10000
BENCH_RUNS ?= 3
BENCH_DBT_MAX ?= 1000
BENCH_OUT ?= benchmarks/results
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py --sizes $(BENCH_SIZES) --runs $(BENCH_RUNS) --dbt-max $(BENCH_DBT_MAX) \
		--out $(BENCH_OUT)

# Large and hostile inputs (a 100 MB script, a 20 MB line, 2,000-deep nesting, 3,000 columns, 10,000 tables):
# time and peak memory of each command (benchmarks/large_inputs.py). A few minutes.
bench-large: $(STAMP)
	$(BIN)/python benchmarks/large_inputs.py --out $(BENCH_OUT)

# docs/issue-codes.md is generated from the issue catalogue (src/datamigrate_cli/model/issues.py).
docs: $(STAMP)
	$(BIN)/python -m datamigrate_cli.model.issues > docs/issue-codes.md

# Hostile schemas through the whole pipeline, many more seeds than `make test` runs (tests/hostile.py).
FUZZ_SEEDS ?= 20
fuzz: $(STAMP)
	DATAMIGRATE_FUZZ_SEEDS=$(FUZZ_SEEDS) $(BIN)/pytest -q tests/test_untrusted_input.py

# The guards: style, formatting, the import layers (pyproject.toml's importlinter contracts), the types
# (pyproject.toml's [tool.mypy]; its cache, .mypy_cache, keeps a second run to a few seconds).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo-output .pytest_cache

# The PostgreSQL functions and operators the semantic check knows (src/datamigrate_cli/targets/data/), read
# from the server DATAMIGRATE_PG_HOST, _PORT, _USER, _PASSWORD, _DATABASE point at (pg_catalog only).
pg-catalogue: $(STAMP)
	$(BIN)/python tools/pg_catalogue.py
