# Every target sets itself up: a fresh clone needs only python3 (3.10+) and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: install lint typecheck verifytypes test pytest test-pythons docs demo bench bench-smoke clean

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

lint: $(STAMP) verifytypes
	$(PY) -m ruff check --output-format concise src tests examples bench
	$(PY) -m ruff format --check src tests examples bench
	$(PY) -m mypy
	$(PY) -m pyright

# Every name nixflex exports has a fully known type, as users' type checkers and editors see the
# installed package: `pyright --verifytypes` must say 100 % (it exits 1 below that, naming each
# symbol). It checks what the wheel installs (py.typed and every module in it), not the editable
# install's source tree: the wheel is built (offline: hatchling is in the dev group) into a
# temporary directory put first on PYTHONPATH, and pyright runs from there, outside the project.
# verifytypes takes its import paths from the first `python` on PATH (it ignores --pythonpath
# and config files), hence the venv's bin first on PATH.
# --ignoreexternal: our signatures use httpx's Client, Request and Response (http_client=, the
# errors' .request and .response) and pandas' DataFrame (to_pandas). httpx leaves some of their
# attributes unannotated (`self.headers = Headers(headers)`) and pandas-stubs' DataFrame has
# partially unknown bases, which pyright would count against every nixflex name that mentions
# them (71.8 % without the flag). Unknowns of nixflex's own still count.
verifytypes: $(STAMP)
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PY) -m pip install --quiet --no-index --no-deps --no-build-isolation --target "$$tmp" . && \
	cd "$$tmp" && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PYTHONPATH="$$tmp" \
	  "$(CURDIR)/$(PY)" -m pyright --verifytypes nixflex --ignoreexternal

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
