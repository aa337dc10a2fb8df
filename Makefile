# Every target sets itself up: a fresh clone needs only python3 (3.10+) and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: install lint typecheck test pytest docs demo bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(PY) -m ruff check --output-format concise src tests
	$(PY) -m ruff format --check src tests
	$(PY) -m mypy

pytest: $(STAMP)
	$(PY) -m pytest

test: lint pytest

demo: $(STAMP)
	$(PY) examples/reseller_onboarding.py

clean:
	rm -rf $(VENV) site .mypy_cache .pytest_cache .ruff_cache
