# Relance: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint bench clean browser
CHROMIUM ?= /usr/bin/chromium
# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the whole system on embedded defaults: Temporal dev server, SMTP outbox, worker, back office.
run: $(STAMP)
	$(BIN)/relance up

## The browser the back office's tests drive: Debian's chromium (nothing downloaded by a test tool).
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian's chromium for the browser tests"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
		else \
			echo "the browser tests need $(CHROMIUM): sudo apt-get install chromium" >&2; exit 1; \
		fi; \
	fi

## Run the test suite (time-skipping Temporal server, aiosmtpd, SQLite and PostgreSQL, chromium).
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .

## The benchmarks (see BENCHMARKS.md); grouped sending on 100 invoices, as its full 2,000 take hours.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bulk_start
	$(BIN)/python -m benchmarks.label_stamping
	$(BIN)/python -m benchmarks.letter_rendering
	$(BIN)/python -m benchmarks.grouped_sending --debtors 25

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
