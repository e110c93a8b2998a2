# Two commands do all the set-up on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint services bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

## demo: seed a synthetic case system, run the credit-platform DAGs through Airflow, print the summary
demo: $(STAMP)
	$(BIN)/hub demo

## test: lint, then every test against real MariaDB and PostgreSQL (installed and started when absent)
test: $(STAMP) services
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

services:
	scripts/ensure-mariadb.sh
	scripts/ensure-postgres.sh
	scripts/ensure-sshd.sh
	@# A real Compose parser for tests/test_docker_compose.py (no engine needed for `config`).
	command -v docker-compose >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq --no-install-recommends docker-compose >/dev/null)

## bench: the credit-platform push benchmark (N rows, default 200000; POOL_MB sizes MariaDB's buffer pool for the run)
bench: $(STAMP) services
	$(BIN)/python bench/credit_push.py --rows $${N:-200000} $${POOL_MB:+--innodb-buffer-pool-mb $$POOL_MB}

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf .demo .airflow
