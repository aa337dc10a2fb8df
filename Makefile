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
	$(PY) -m ruff check --output-format concise src tests examples
	$(PY) -m ruff format --check src tests examples
	$(PY) -m mypy

pytest: $(STAMP)
	$(PY) -m pytest

test: lint pytest

demo: $(STAMP)
	$(PY) examples/reseller_onboarding.py

# The benchmarks (bench/, docs/performance.md) also need pydantic, the `bench` extra.
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# The table of docs/performance.md; about two minutes. Run it on a quiet machine.
bench: $(STAMP) $(BENCH_STAMP)
	$(PY) bench/run.py

# Every benchmark with tiny counts, in seconds: keeps bench/ working, asserts nothing on times.
bench-smoke: $(STAMP) $(BENCH_STAMP)
	$(PY) bench/run.py --smoke

clean:
	rm -rf $(VENV) site .mypy_cache .pytest_cache .ruff_cache
