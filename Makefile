# Service Assurance API — developer tasks. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo
BIN := service-assurance

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

.PHONY: run
run: ## Run the API on the embedded SQLite default (./data/), with demo data loaded
	$(CARGO) run --bin $(BIN) -- demo
	$(CARGO) run --bin $(BIN) -- serve

.PHONY: demo
demo: ## Load demo customers, users, services and incidents (idempotent)
	$(CARGO) run --bin $(BIN) -- demo

.PHONY: setup
setup: ## Install build libraries if missing and make sure PostgreSQL is running
	scripts/setup.sh

.PHONY: test
test: setup ## Every test on SQLite and PostgreSQL, again with the clock a year ahead, then the generated clients
	$(CARGO) test --workspace --locked
	scripts/future-clock.sh
	scripts/client-gate.sh

.PHONY: client-gate
client-gate: ## Generate Python and TypeScript clients from openapi.yaml, type-check strictly, run the flow (~1 min)
	scripts/client-gate.sh

.PHONY: test-sqlite
test-sqlite: ## Run the unit tests and the HTTP tests on SQLite only
	$(CARGO) test --workspace --locked -- --skip postgres::

.PHONY: test-pg
test-pg: setup ## Run the HTTP tests on PostgreSQL only
	$(CARGO) test -p tests --locked -- postgres::

.PHONY: contract
contract: setup ## Fuzz the running server against openapi.yaml (schemathesis), both backends, admin and customer_user by default (~21 min)
	scripts/contract.sh

.PHONY: fmt
fmt: ## Format the code
	$(CARGO) fmt --all

.PHONY: lint
lint: ## Check formatting, clippy (warnings are errors) and the OpenAPI file
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) test -p tests --locked --test http -- contract::openapi_yaml_matches_the_code

.PHONY: lint-openapi
lint-openapi: ## Lint openapi.yaml (Redocly, strict) and check every body shows an example
	scripts/lint-openapi.sh

.PHONY: openapi
openapi: ## Regenerate openapi.yaml from the code
	$(CARGO) run --quiet --bin $(BIN) -- openapi > openapi.yaml

.PHONY: bench
BENCH_BASELINE_REV ?= b5411d7
bench: setup ## Benchmarks (release build, both backends, beside the release before issue 17): BENCHMARKS.md, MNI storm, uploads, 1M-ticket export, SLA report, cascade
	scripts/bench-tools.sh
	scripts/bench-baseline.sh $(BENCH_BASELINE_REV) >/dev/null
	$(CARGO) build --release --locked --bin $(BIN)
	BENCH_BASELINE="$$(scripts/bench-baseline.sh $(BENCH_BASELINE_REV))" BENCH_BASELINE_LABEL="$(BENCH_BASELINE_REV)" python3 scripts/bench.py
	$(CARGO) bench -p tests --locked --bench cascade

.PHONY: build
build: ## Build the release binary
	$(CARGO) build --release --bin $(BIN)
