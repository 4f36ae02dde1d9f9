# The two commands a newcomer runs: `make demo` and `make test`. Both build .venv from python3 alone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NODE_DEPS := node_deps
NODE_STAMP := $(NODE_DEPS)/.installed

.PHONY: demo test lint typecheck unit bench clean comment-screenshot

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/iam-prune demo

test: $(STAMP) lint typecheck unit

# GitHub's OpenAPI description and GraphQL schema (the publish tests check every request
# against them) and GitHub's
# Markdown CSS (docs/render_comment.py). Optional: without npm the tests that need them skip.
$(NODE_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix $(NODE_DEPS) --no-audit --no-fund --silent \
			@octokit/openapi@23.0.2 @octokit/graphql-schema@15.26.1 github-markdown-css@5.9.0 && touch $(NODE_STAMP) \
			|| echo "npm install failed: the OpenAPI check of the GitHub requests will be skipped"; \
	else echo "npm not found: the OpenAPI check of the GitHub requests will be skipped"; fi

lint: $(STAMP)
	$(BIN)/ruff check check tests bench docs
	$(BIN)/ruff format --check check tests bench docs
	$(BIN)/zizmor --offline --no-progress action.yml .github/workflows/*.yml examples/workflows/*.yml

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

# The picture of the pull-request comment in the README, from the demo's report.
comment-screenshot: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	$(BIN)/python docs/render_comment.py --demo --output docs/comment.png

clean:
	rm -rf $(VENV) $(NODE_DEPS) .pytest_cache .mypy_cache .ruff_cache iam-prune-demo
