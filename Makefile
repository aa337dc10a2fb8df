# Every target sets itself up: a fresh clone needs only python3 (3.10+) and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: install lint typecheck test pytest test-pythons docs demo bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e . --group dev
	touch $(STAMP)

install: $(STAMP)

# The package alone (httpx, attrs, cattrs): what `make demo` needs, not the dev toolchain.
PACKAGE_STAMP := $(VENV)/.installed-package
$(PACKAGE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(PACKAGE_STAMP)

lint: $(STAMP)
	$(PY) -m ruff check --output-format concise src tests examples bench
	$(PY) -m ruff format --check src tests examples bench
	$(PY) -m mypy
	$(PY) -m pyright

pytest: $(STAMP)
	$(PY) -m pytest

test: lint pytest docs bench-smoke

# The test suite on the oldest and the newest supported Python, each in its own venv
# (.venv-3.10, .venv-3.13): a `python3.X` on PATH, else pyenv's. Run by CI after `make test`.
test-pythons:
	@set -e; for version in 3.10 3.13; do \
	  py=""; \
	  for candidate in python$$version $$HOME/.pyenv/versions/$$version.*/bin/python$$version; do \
	    if $$candidate -c 'import sys' >/dev/null 2>&1; then py=$$candidate; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then echo "Python $$version not found" >&2; exit 1; fi; \
	  $$py -m venv .venv-$$version; \
	  .venv-$$version/bin/python -m pip install --quiet --upgrade pip; \
	  .venv-$$version/bin/python -m pip install --quiet -e . --group dev; \
	  .venv-$$version/bin/python --version; \
	  .venv-$$version/bin/python -m pytest -q -p no:cacheprovider; \
	done

# The docs site (mkdocs.yml, docs/) into site/; any warning fails the build. Offline: no plugin
# downloads anything. NO_MKDOCS_2_WARNING silences Material's notice about MkDocs 2.0.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

demo: $(PACKAGE_STAMP)
	$(PY) examples/reseller_onboarding.py

# The tables of docs/performance.md, in about 13 minutes (raw httpx at 1,000 calls in flight is
# most of it). Run it on a quiet machine (see `uptime`).
bench: $(STAMP)
	$(PY) bench/run.py
	$(PY) bench/bulk.py

# Every benchmark with tiny counts, in seconds: keeps bench/ working (part of `make test`);
# it asserts nothing about times.
bench-smoke: $(STAMP)
	$(PY) bench/run.py --smoke
	$(PY) bench/bulk.py --smoke

clean:
	rm -rf $(VENV) .venv-3.10 .venv-3.13 site .mypy_cache .pytest_cache .ruff_cache
