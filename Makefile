# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DEBUG ?= 1

.PHONY: run test lint install migrate load clean-db container-steps load-test bench

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

load: migrate
	$(BIN)/python manage.py import_ctgov --if-empty data/msc-trials-2022.json.gz data/seeds
	$(BIN)/python manage.py annotate_msc --missing

run: load
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/hadolint Dockerfile

# The Dockerfile's steps in a fresh virtualenv (CI runs them as part of `make test`).
container-steps: install
	RUN_CONTAINER_STEPS=1 $(BIN)/python -m pytest tests/ops/test_container_steps.py

# The load test (bench/load.py; the mixed workload, then downloads under load): writes docs/load.md.
load-test: load
	$(BIN)/python -m bench.load $(LOAD_ARGS)

clean-db:
	rm -rf var/pgdata

# Benchmarks: `make bench` (the bundled 1,538 trials), `make bench SIZE=500000`, `SIZE=smoke`.
SIZE ?= 1538
$(BIN)/.bench-installed: requirements-bench.txt $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench --size $(SIZE) $(BENCH_ARGS)
