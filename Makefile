# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DEBUG ?= 1

.PHONY: run test lint install migrate load clean-db container-steps load-test lighthouse bench record-responses

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-compile --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

load: migrate
	$(BIN)/python manage.py import_ctgov data/msc-trials-2022.json.gz data/seeds
	$(BIN)/python manage.py annotate_msc --missing
	$(BIN)/python manage.py store_studies
	$(BIN)/python manage.py relate_trials
	$(BIN)/python manage.py store_cards

run: load
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite on every core (TEST_WORKERS=0: in one process), a test file per worker at a time,
# in the order tests/conftest.py gives them.
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Record again the responses tests/search/test_recorded_responses.py compares (after a change
# of behaviour made on purpose; review the diff of tests/search/recorded_responses.json).
record-responses: install
	RECORD_RESPONSES=1 $(BIN)/python -m pytest -p no:cacheprovider tests/search/test_recorded_responses.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/hadolint Dockerfile

# The Dockerfile's steps in a fresh virtualenv (CI runs them as part of `make test`).
container-steps: install
	RUN_CONTAINER_STEPS=1 $(BIN)/python -m pytest tests/ops/test_container_steps.py

# The load test (bench/load.py; the mixed workload, then downloads under load): writes
# docs/benchmarks/load.md.
load-test: load
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# Lighthouse scores of the home, list and trial pages (npm's lighthouse, Debian's chromium).
lighthouse: load
	$(BIN)/python -m bench.lighthouse $(LIGHTHOUSE_ARGS)

clean-db:
	rm -rf var/pgdata

# Benchmarks: `make bench` (the bundled 1,538 trials), `make bench SIZE=500000`, `SIZE=smoke`.
SIZE ?= 1538
$(BIN)/.bench-installed: requirements-bench.txt $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench --size $(SIZE) $(BENCH_ARGS)
