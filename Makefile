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
	$(PY) -m ruff check --output-format concise src tests examples bench
	$(PY) -m ruff format --check src tests examples bench
	$(PY) -m mypy
	$(PY) -m pyright

pytest: $(STAMP)
	$(PY) -m pytest

test: lint pytest docs bench-smoke

# The docs site (mkdocs.yml, docs/) into site/; any warning fails the build. Offline: no plugin
# downloads anything. NO_MKDOCS_2_WARNING silences Material's notice about MkDocs 2.0.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

demo: $(STAMP)
	$(PY) examples/reseller_onboarding.py

# The table of docs/performance.md, in about 90 s. Run it on a quiet machine (see `uptime`).
bench: $(STAMP)
	$(PY) bench/run.py
	$(PY) bench/bulk.py

# Every benchmark with tiny counts, in seconds: keeps bench/ working (part of `make test`);
# it asserts nothing about times.
bench-smoke: $(STAMP)
	$(PY) bench/run.py --smoke
	$(PY) bench/bulk.py --smoke

clean:
	rm -rf $(VENV) site .mypy_cache .pytest_cache .ruff_cache
