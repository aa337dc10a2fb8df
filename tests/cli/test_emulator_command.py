"""`nixflex emulator` hands each of its options to `python -m nixflex.testing`."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from click.testing import CliRunner

import nixflex.testing.__main__ as testing_main
from nixflex.cli._app import app


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["--host", "127.0.0.1", "--port", "8787", "--latency", "0.0"]),
        (
            ["--port", "0", "--seed", "1", "--no-rate-limits", "--rollout", "-v"],
            ["--host", "127.0.0.1", "--port", "0", "--latency", "0.0", "--seed", "1",
             "--verbose", "--no-rate-limits", "--rollout"],
        ),
    ],
)  # fmt: skip
def test_the_emulator_command_passes_its_options_on(
    monkeypatch: pytest.MonkeyPatch, args: list[str], expected: list[str]
) -> None:
    seen: list[Sequence[str]] = []

    def serve(argv: Sequence[str]) -> int:
        seen.append(list(argv))
        return 0

    monkeypatch.setattr(testing_main, "main", serve)

    result = CliRunner().invoke(app, ["emulator", *args])

    assert result.exit_code == 0, result.output
    assert seen == [expected]
    # Every option of `python -m nixflex.testing` the command passes is one it knows.
    testing_main.build_parser().parse_args(seen[0])
