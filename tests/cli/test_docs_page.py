"""Every command of docs/cli.md runs, in order, against the docs' seeded emulator.

The page's `console` blocks are sessions: a line starting with `$ ` is a command, the lines after
it (up to the next command) its output, compared as doctest does with `ELLIPSIS` and
`NORMALIZE_WHITESPACE` (`...` stands for anything: a request id, a timestamp, the rows left
out). Each command must exit 0, unless the next one is `echo $?`, whose output is the status.

The commands are `nixflex ...` (run through Click's runner, in this process), `echo $?`,
`cat FILE` and `head -n N FILE`; any other command fails the test, so the page shows only what
runs here. `nixflex emulator` runs as a real process: its output is read up to
`Press Ctrl-C to stop.`, then it is stopped (its port is any free one; the page shows 8787).

The world is `nixflex.testing._docs_world.seed`; the working directory holds the rollout guide's
files and the page's own: `new-clinics.csv` (50 clinics, two bad rows; `support.import_rows`)
and `profiles.csv`.
"""

from __future__ import annotations

import doctest
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nixflex.testing._docs_world import clinic, write_rollout_files
from tests.cli.support import IMPORT_HEADER, Cli, import_rows, write_csv
from tests.docs.examples import ROOT

PAGE = ROOT / "docs" / "cli.md"
_FENCE = re.compile(r"^```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_CHECKER = doctest.OutputChecker()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass
class Command:
    line: int  # of the page
    text: str
    expected: str


def commands(page: Path) -> list[Command]:
    """The page's commands, in order, each with the output shown under it."""
    text = page.read_text(encoding="utf-8")
    found: list[Command] = []
    for block in _FENCE.finditer(text):
        first = text.count("\n", 0, block.start(1)) + 1
        for offset, line in enumerate(block[1].splitlines()):
            if line.startswith("$ "):
                found.append(Command(first + offset, line[2:], ""))
            elif found and found[-1].line >= first:
                found[-1].expected += line + "\n"
            else:
                raise AssertionError(f"{page.name}:{first + offset}: output before any command")
    return found


def write_page_files(directory: Path) -> None:
    write_rollout_files(directory)
    write_csv(directory / "new-clinics.csv", import_rows(50), IMPORT_HEADER)
    profiles = [
        {
            "phone_number": clinic(n)["phone_number"],
            "custom_prompt": f"Business: {clinic(n)['name']}.",
        }
        for n in range(1, 4)
    ]
    profiles[2]["custom_prompt"] = ""
    write_csv(directory / "profiles.csv", profiles, ["phone_number", "custom_prompt"])
    callers = [
        {"caller_number": "+447700900123", "name": "", "reference_id": "crm_1042"},
        {"caller_number": "+447700900456", "name": "Grace Hopper", "reference_id": "crm_1043"},
        {"caller_number": "+447700900789", "name": "Alan Turing", "reference_id": ""},
    ]
    write_csv(directory / "callers.csv", callers, ["caller_number", "name", "reference_id"])


def run_emulator(args: list[str]) -> tuple[int, str]:
    args = [
        "0" if previous == "--port" else arg
        for previous, arg in zip(["", *args], args, strict=False)
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "nixflex", *args], stdout=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while not lines or lines[-1] != "Press Ctrl-C to stop.\n":
            line = process.stdout.readline()
            assert line, f"the emulator stopped: {''.join(lines)}"
            lines.append(line)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    return 0, re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:8787", "".join(lines))


def run(cli: Cli, command: Command, status: int) -> tuple[int, str]:
    words = shlex.split(command.text, comments=True)
    if words == ["echo", "$?"]:
        return 0, f"{status}\n"
    if words[:1] == ["cat"] and len(words) == 2:
        return 0, Path(words[1]).read_text(encoding="utf-8")
    if words[:2] == ["head", "-n"] and len(words) == 4:
        lines = Path(words[3]).read_text(encoding="utf-8").splitlines(keepends=True)
        return 0, "".join(lines[: int(words[2])])
    if words[:2] == ["nixflex", "emulator"]:
        return run_emulator(words[1:])
    if words[:1] == ["nixflex"]:
        result = cli.run(*words[1:])
        return result.exit_code, result.output
    raise AssertionError(
        f"{PAGE.name}:{command.line}: the page runs only nixflex, echo $?, cat, head"
    )


def test_the_page_has_commands() -> None:
    assert len(commands(PAGE)) >= 15


def test_every_command_of_the_page_runs(cli: Cli, tmp_path: Path) -> None:
    write_page_files(tmp_path)
    page = commands(PAGE)
    status = 0
    for index, command in enumerate(page):
        status, output = run(cli, command, status)
        checked = index + 1 < len(page) and page[index + 1].text == "echo $?"
        where = f"{PAGE.name}:{command.line}: $ {command.text}"
        assert status == 0 or checked, f"{where}\nexited {status}:\n{output}"
        if not _CHECKER.check_output(command.expected, output, _FLAGS):
            pytest.fail(f"{where}\nexpected:\n{command.expected}\ngot:\n{output}")
