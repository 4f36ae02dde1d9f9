# The two commands a newcomer runs: `make demo` and `make test`. Both build .venv from python3 alone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/iam-prune demo

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check check tests bench
	$(BIN)/ruff format --check check tests bench
	$(BIN)/zizmor --offline --no-progress action.yml .github/workflows/*.yml examples/workflows/*.yml

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache iam-prune-demo
