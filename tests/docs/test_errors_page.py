"""docs/errors.md's tree names every error class the SDK exports, each with its code."""

from __future__ import annotations

import re

import nixflex
from nixflex._exceptions import documented_codes
from tests.docs.examples import ROOT

PAGE = ROOT / "docs" / "errors.md"


def _tree() -> str:
    text = PAGE.read_text(encoding="utf-8")
    found = re.search(r"^## The tree\n.*?^```text\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    assert found, "docs/errors.md has no tree"
    return found[1]


def test_the_tree_names_every_exported_error_class() -> None:
    exported = {
        name
        for name in nixflex.__all__
        if isinstance(getattr(nixflex, name), type)
        and issubclass(getattr(nixflex, name), nixflex.NixflexError)
    }
    shown = set(re.findall(r"\b([A-Za-z]+Error)\b", _tree()))

    assert exported - shown == set()
    assert shown - exported == set()


def test_the_tree_gives_each_documented_code_its_class() -> None:
    tree = _tree()
    for code, cls in documented_codes().items():
        assert re.search(rf"\b{cls.__name__}\s+{code}$", tree, re.MULTILINE), code
