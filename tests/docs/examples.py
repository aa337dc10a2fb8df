"""Runs the Python examples of `README.md` and `docs/**/*.md` against the API emulator.

How a page runs (`run_page`):

- Every fenced block whose info string starts with `python` (or `py`) is an example; blocks
  inside another fence (a ````` ````markdown ````` block showing Markdown) are not. A fence may be
  indented (inside an admonition or a list): its indentation is removed.
- The examples of one page run **in order, in one namespace**, like cells of a notebook: a page
  may make `client` in its first block and use it in the next. Each page starts from scratch: a
  fresh namespace (`__name__ == "__main__"`), a freshly seeded emulator (`seed_world`) serving
  the API over real loopback HTTP (`FakeNixflex().serve()`), a fresh working directory.
- The environment holds `NIXFLEX_BASE_URL` (the emulator's URL), `NIXFLEX_API_KEY`
  (`"KEY_ID:KEY_SECRET"`), `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN`; the other `NIXFLEX_*`
  variables are removed. The working directory holds `clinics.csv` and `reseller.db` (the
  rollout guide's 200 clinics). Only loopback addresses resolve: an example that would reach a
  real host fails at once instead of calling out.
- A block with top-level `await` runs on one event loop kept for the whole page, as in Jupyter;
  async examples otherwise call `asyncio.run(...)` themselves.
- A traceback points at the line of the Markdown file. After the page, clients left open in the
  namespace are closed, the server stops, and the environment, working directory and the
  `nixflex` and root loggers are put back as they were.

The seeded placeholders every page may use (`seed_world`; the docs use no others):

- the API key `KEY_ID:KEY_SECRET` (`NIXFLEX_API_KEY`), of the account `acct_ringback`;
- the agents `agent_125207e452f8714a` (the one the docs use) and `agent_9d41c7e0b2a36f58`;
- the Twilio account `AC0123456789abcdef0123456789abcdef`, token `your_twilio_auth_token`,
  holding `+447446466847` and the clinics `+442011110001` to `+442011110199`;
- a second, US, Twilio account `ACfedcba9876543210fedcba9876543210`, token
  `your_us_twilio_auth_token`, holding `+12125550123`;
- the provisioned number `num_xyz789` (`+15551234567`) with 120 SMS, one every 15 minutes from
  2025-01-15 08:00 UTC, and four more provisioned numbers;
- `clinics.csv` and `reseller.db`: 200 clinics, `+442011110001` to `+442011110200`; the last
  one is in no Twilio account.

No number is imported when a page starts. `PAGE_SETUP` adds what one page needs besides: the
rollout guide's run meets two 503s and one connection lost after the import landed.

Markers, on the line just before a block's opening fence:

- `<!-- example: skip -->`: compiled (so its syntax is checked) but not run. For what cannot
  run here (a FastAPI app that needs a server); keep these rare.
- `<!-- example: pytest -->`: the block is a test module: it is written to a file and run with
  pytest in a subprocess, which must pass with at least one test.

Shell commands go in `bash` blocks and are not run.
"""

from __future__ import annotations

import ast
import asyncio
import csv
import inspect
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nixflex
from nixflex.testing import FakeNixflex, FakeServer, RateLimits
from nixflex.testing._docs_world import (
    API_KEY,
    CLINIC_COUNT,
    TWILIO_SID,
    TWILIO_TOKEN,
    clinic,
)
from nixflex.testing._docs_world import seed as seed_world

ROOT = Path(__file__).resolve().parents[2]


MARKER = re.compile(r"<!--\s*example:\s*(?P<mode>[a-z-]+)\s*-->")
MODES = ("run", "skip", "pytest")
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


# --- the examples of a page ------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One fenced Python block: its source, where it starts, and how to treat it."""

    path: Path
    line: int  # the 1-based line of the first line of code
    source: str
    mode: str

    @property
    def where(self) -> str:
        return f"{shown(self.path)}:{self.line}"


def shown(path: Path) -> str:
    """`path` relative to the repository (`docs/bulk.md`) when it is inside it."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def pages() -> list[Path]:
    """README.md and every Markdown page under docs/, in a stable order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def examples(path: Path) -> list[Example]:
    """The Python blocks of a Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        info = opening["info"].strip()
        end = index + 1
        while end < len(lines):
            closing = _FENCE.match(lines[end])
            if (
                closing is not None
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
                and not closing["info"].strip()
            ):
                break
            end += 1
        language = re.split(r"[\s{]", info, maxsplit=1)[0].lstrip(".").lower() if info else ""
        if language in ("python", "py"):
            body = [line[len(indent) :] if line.startswith(indent) else line for line in lines]
            source = textwrap.dedent("\n".join(body[index + 1 : end])) + "\n"
            found.append(Example(path, index + 2, source, _mode(lines, index, path)))
        index = end + 1
    return found


def _mode(lines: list[str], fence_index: int, path: Path) -> str:
    previous = lines[fence_index - 1].strip() if fence_index > 0 else ""
    marker = MARKER.fullmatch(previous)
    if marker is None:
        return "run"
    mode = marker["mode"]
    if mode not in MODES:
        raise ValueError(f"{path}:{fence_index}: unknown marker {mode!r}; known: {MODES}")
    return mode


# --- the world the examples run in -----------------------------------------------------------


def write_files(directory: Path) -> None:
    """`clinics.csv` and `reseller.db`, the rollout guide's inputs, in `directory`."""
    clinics = [clinic(n) for n in range(1, CLINIC_COUNT + 1)]
    with (directory / "clinics.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=["phone_number", "name", "address"])
        writer.writeheader()
        writer.writerows(
            {key: row[key] for key in ("phone_number", "name", "address")} for row in clinics
        )
    database = sqlite3.connect(directory / "reseller.db")
    try:
        with database:
            database.execute(
                "CREATE TABLE clinics (phone_number TEXT PRIMARY KEY, name TEXT, address TEXT,"
                " hours TEXT, services TEXT)"
            )
            database.executemany(
                "INSERT INTO clinics VALUES (:phone_number, :name, :address, :hours, :services)",
                clinics,
            )
    finally:
        database.close()


def _rollout_faults(fake: FakeNixflex) -> None:
    # The first three imports fail: two answered 503 before the server did anything, and one
    # whose connection broke after the number was imported (the SDK cannot know which).
    fake.fail_next(2, 503, route="POST /v1/phone-numbers")
    fake.drop_next(1, route="POST /v1/phone-numbers", after_processing=True)


PAGE_SETUP: dict[str, Callable[[FakeNixflex], None]] = {
    "docs/bulk.md": _rollout_faults,
}


# --- running a page --------------------------------------------------------------------------


class PageRun:
    """One page's namespace and event loop; `run` executes its examples one by one."""

    def __init__(self, path: Path, workdir: Path) -> None:
        self.path = path
        self.workdir = workdir
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path)}
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, example: Example) -> None:
        if example.mode == "pytest":
            self._run_pytest(example)
            return
        code = self._compile(example)
        if example.mode == "skip":
            return
        try:
            if code.co_flags & inspect.CO_COROUTINE:
                self._page_loop().run_until_complete(eval(code, self.namespace))
            else:
                exec(code, self.namespace)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise AssertionError(
                f"the example at {example.where} raised {type(exc).__name__}: {exc}\n"
                + "".join(traceback.format_exception(exc))
            ) from None

    def _compile(self, example: Example) -> Any:
        # Leading newlines put the code at its own line of the Markdown file in a traceback.
        source = "\n" * (example.line - 1) + example.source
        try:
            return compile(source, str(example.path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except SyntaxError as exc:
            raise AssertionError(
                f"the example at {example.where} is not valid Python: {exc}"
            ) from None

    def _page_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def _run_pytest(self, example: Example) -> None:
        self._compile(example)
        module = self.workdir / f"test_example_{example.line}.py"
        module.write_text(example.source, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", module.name],
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"the test module at {example.where} failed under pytest "
                f"(exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
            )

    def close(self) -> None:
        """Close the clients an example left open, then the page's event loop."""
        for value in list(self.namespace.values()):
            if isinstance(value, nixflex.Client):
                value.close()
            elif isinstance(value, nixflex.AsyncClient) and not value.is_closed:
                self._page_loop().run_until_complete(value.aclose())
        if self._loop is not None:
            self._loop.close()


@contextmanager
def loopback_only() -> Iterator[None]:
    """Let names resolve only to the loopback interface while examples run."""
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in ("127.0.0.1", "localhost", "::1", None):
            raise socket.gaierror(socket.EAI_NONAME, f"docs examples may not reach {name}")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = guarded
    try:
        yield
    finally:
        socket.getaddrinfo = real


@contextmanager
def saved_process_state() -> Iterator[None]:
    """Put the environment, working directory and the loggers back after a page."""
    environ = dict(os.environ)
    cwd = Path.cwd()
    loggers = [logging.getLogger(), logging.getLogger("nixflex")]
    saved = [(log, log.level, list(log.handlers), log.propagate) for log in loggers]
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        os.chdir(cwd)
        for log, level, handlers, propagate in saved:
            log.setLevel(level)
            log.handlers[:] = handlers
            log.propagate = propagate


def run_page(path: Path, workdir: Path) -> int:
    """Run every example of `path` against a freshly seeded emulator; returns how many ran."""
    page_examples = examples(path)
    # The API's limits (600 reads and 120 writes per key), in windows of 2 s instead of a
    # minute: a page importing 200 clinics is paced as it would be, in seconds, not minutes.
    fake = FakeNixflex(seed=1, rate_limits=RateLimits(reads=600, writes=120, window=2))
    seed_world(fake)
    setup = PAGE_SETUP.get(shown(path))
    if setup is not None:
        setup(fake)
    write_files(workdir)
    with saved_process_state(), fake.serve() as server, loopback_only():
        _set_environment(server)
        os.chdir(workdir)
        page = PageRun(path, workdir)
        try:
            for example in page_examples:
                page.run(example)
        finally:
            page.close()
    return sum(example.mode != "skip" for example in page_examples)


def _set_environment(server: FakeServer) -> None:
    for name in [name for name in os.environ if name.startswith("NIXFLEX_")]:
        del os.environ[name]
    os.environ.update(
        NIXFLEX_BASE_URL=server.url,
        NIXFLEX_API_KEY=API_KEY,
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
    )
