# `make run` starts wabroadcast (sandbox mode against the built-in simulator when no Meta
# credentials are set); `make test` runs every test. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-quick lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/wabroadcast serve

test: $(STAMP)
	$(PY) -m pytest

test-quick: $(STAMP)
	$(PY) -m pytest -m "not slow" -x -q

lint: $(STAMP)
	$(PY) -m ruff check wabroadcast tests bench
	$(PY) -m ruff format --check wabroadcast tests bench
	$(PY) -m mypy wabroadcast

bench: $(STAMP)
	$(PY) bench/import_contacts.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
