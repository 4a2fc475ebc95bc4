# Relance: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the whole system on embedded defaults (Temporal dev server, SMTP outbox, worker) with the demo cases.
run: $(STAMP)
	$(BIN)/relance up --demo

## Run the test suite (time-skipping Temporal server, aiosmtpd, SQLite and PostgreSQL).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

## Bulk start benchmark (see BENCHMARKS.md).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bulk_start
	$(BIN)/python -m benchmarks.label_stamping
	$(BIN)/python -m benchmarks.letter_rendering

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
