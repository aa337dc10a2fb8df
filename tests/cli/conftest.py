from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.support import Cli, served_world


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The `nixflex` command against a freshly seeded emulator, in a fresh working directory."""
    monkeypatch.chdir(tmp_path)
    with served_world(tmp_path) as world:
        yield world
