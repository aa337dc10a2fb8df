"""Which modules each part of nixflex pulls in: the layers depend one way.

resources -> client/core -> models/convert -> (lazily) display. Importing any module of the SDK
in a fresh interpreter must not load the notebook display (`_display`), the emulator
(`nixflex.testing`), pandas or tqdm: those load when a notebook draws a table, a test builds an
emulator, `to_pandas()` or `progress=True` is called. The converter (and cattrs) loads with the
first decode, asyncio with the first retry wait of an async client.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nixflex

SRC = Path(nixflex.__file__).parent
OPTIONAL = (
    "anyio",
    "httpcore",
    "asyncio",
    "cattrs",
    "nixflex._convert",
    "nixflex._display",
    "nixflex.testing",
    "pandas",
    "tqdm",
)
SDK_MODULES = [
    "nixflex",
    *sorted(
        info.name
        for info in pkgutil.walk_packages(nixflex.__path__, "nixflex.")
        if not info.name.startswith(
            ("nixflex.testing", "nixflex._display", "nixflex._convert", "nixflex._deadline")
        )
    ),
]


def loaded_by(module: str) -> list[str]:
    """The modules of `OPTIONAL` that `import module` loads in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps(sorted(m for m in {OPTIONAL!r} if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return list(json.loads(out))


def test_the_sdk_modules_are_all_found() -> None:
    assert {"nixflex", "nixflex._core", "nixflex._client", "nixflex.models"} <= set(SDK_MODULES)


@pytest.mark.parametrize("module", SDK_MODULES)
def test_importing_a_module_of_the_sdk_loads_nothing_optional(module: str) -> None:
    assert loaded_by(module) == []


def test_the_deadline_loads_httpcore_which_a_pool_needs_anyway() -> None:
    # Imported when the sync client makes its pool, as httpx imports httpcore then.
    assert loaded_by("nixflex._deadline") == ["anyio", "httpcore"]


def test_the_converter_loads_cattrs_and_nothing_else_optional() -> None:
    assert loaded_by("nixflex._convert") == ["cattrs", "nixflex._convert"]


def _runtime_imports(path: Path) -> set[str]:
    """The nixflex modules a file imports when it runs (not those under `TYPE_CHECKING`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for child in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").startswith("nixflex")
        ):
            found.add(("." * node.level) + (node.module or ""))
    return found


def test_the_display_module_is_a_leaf() -> None:
    assert _runtime_imports(SRC / "_display.py") == set()


@pytest.mark.parametrize("name", ["_core", "_retry", "_client", "_pagination", "_bulk"])
def test_the_core_imports_the_display_only_lazily(name: str) -> None:
    tree = ast.parse((SRC / f"{name}.py").read_text(encoding="utf-8"))
    top_level = {
        node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.level
    }
    assert "_display" not in top_level
