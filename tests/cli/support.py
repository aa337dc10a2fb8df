"""What the CLI's tests share: the docs' seeded emulator over loopback, and a runner against it.

`Cli.run(...)` invokes the `nixflex` command in this process through Click's `CliRunner`, with
the environment an operator would have (`NIXFLEX_BASE_URL` at the emulator, `NIXFLEX_API_KEY`),
so every command meets real HTTP, the SDK's retries and the emulator's answers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result

from nixflex.cli._app import app
from nixflex.testing import FakeNixflex
from nixflex.testing._docs_world import AGENT_ID, API_KEY, TWILIO_SID, TWILIO_TOKEN, clinic
from nixflex.testing._docs_world import seed as seed_world

IMPORT_HEADER = ["phone_number", "twilio_sid", "twilio_token", "agent_id", "custom_prompt"]
# Two bad rows among 50: one not in E.164 form, one whose number no Twilio account holds.
BAD_FORMAT_ROW = 20
NOT_IN_TWILIO_ROW = 50


class Cli:
    """The `nixflex` command, run in-process against a served emulator."""

    def __init__(self, fake: FakeNixflex, base_url: str, workdir: Path) -> None:
        self.fake = fake
        self.base_url = base_url
        self.workdir = workdir
        self.env: dict[str, str | None] = {
            "NIXFLEX_BASE_URL": base_url,
            "NIXFLEX_API_KEY": API_KEY,
            "NIXFLEX_KEY_ID": None,
            "NIXFLEX_KEY_SECRET": None,
            "NIXFLEX_LOG": None,
        }

    def run(
        self, *args: str, input: str | None = None, env: Mapping[str, str | None] = {}
    ) -> Result:
        """`nixflex ARGS...`; the result has `exit_code`, `stdout`, `stderr` and `output`."""
        return CliRunner().invoke(
            app, list(args), input=input, env={**self.env, **env}, prog_name="nixflex"
        )


@contextmanager
def served_world(workdir: Path) -> Iterator[Cli]:
    """The docs' world (`nixflex.testing._docs_world.seed`) served on loopback."""
    fake = FakeNixflex(seed=1)
    seed_world(fake)
    with fake.serve() as server:
        yield Cli(fake, server.url, workdir)


def import_rows(count: int = 50) -> list[dict[str, str]]:
    """`count` clinics in the import file's columns; rows 20 and 50 (1-based) are bad."""
    rows = []
    for n in range(1, count + 1):
        number = clinic(n)["phone_number"]
        if n == BAD_FORMAT_ROW:
            number = "020 1111 0020"
        elif n == NOT_IN_TWILIO_ROW:
            number = clinic(200)["phone_number"]
        rows.append(
            {
                "phone_number": number,
                "twilio_sid": TWILIO_SID,
                "twilio_token": TWILIO_TOKEN,
                "agent_id": AGENT_ID,
                "custom_prompt": f"Business: {clinic(n)['name']}." if n % 2 else "",
            }
        )
    return rows


def write_csv(path: Path, rows: Sequence[Mapping[str, str]], header: Sequence[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(header))
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))
