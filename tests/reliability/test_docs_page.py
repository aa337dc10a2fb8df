"""The Reliability page (docs/reliability.md) names every reliability test, and only tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.reliability, pytest.mark.anyio]

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reliability.md"
NODE_ID = re.compile(r"`(tests/reliability/test_\w+\.py)::(test_\w+)`")


def reliability_tests() -> set[str]:
    """Every test function of the `tests/reliability/test_*.py` modules, as a node id."""
    found = set()
    for module in sorted((ROOT / "tests" / "reliability").glob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
                "test_"
            ):
                found.add(f"tests/reliability/{module.name}::{node.name}")
    return found


def test_the_reliability_page_names_every_test_and_only_tests() -> None:
    named = {f"{path}::{name}" for path, name in NODE_ID.findall(PAGE.read_text("utf-8"))}
    tests = reliability_tests()
    assert sorted(tests - named) == [], "tests the page does not name"
    assert sorted(named - tests) == [], "names on the page that are no test"
