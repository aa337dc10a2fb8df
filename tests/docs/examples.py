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

What a page shows as printed is what its examples print (`Outputs`):

- A `print(...)` statement whose last line ends in a comment prints that comment: every time it
  runs (at least once in the page, maybe from a function a later block calls), what it printed,
  without the final newline, must match the comment's text after `# `. So a comment on a
  `print` line is its output, never an explanation (put that on the line above).
- A fenced block marked `<!-- example: output -->` (on the line before its opening fence; a
  `text` block) is everything the Python block before it printed to stdout.
- In both, `...` stands for any text, as doctest's `ELLIPSIS` has it: the parts that differ from
  run to run (`request_id=req_...`, an exception's own words in `(...)`) and the lines left out.
  Everything else must match exactly.

The seeded placeholders every page may use (`seed_world`; the docs use no others), the same world
a reader gets from `python -m nixflex.testing`:

- the API key `KEY_ID:KEY_SECRET` (`NIXFLEX_API_KEY`), of the account `acct_ringback`;
- the agents `agent_125207e452f8714a` (the one the docs use) and `agent_9d41c7e0b2a36f58`;
- the Twilio account `AC0123456789abcdef0123456789abcdef`, token `your_twilio_auth_token`,
  holding `+447446466847` and the clinics `+442011110001` to `+442011110199`;
- a second, US, Twilio account `ACfedcba9876543210fedcba9876543210`, token
  `your_us_twilio_auth_token`, holding `+12125550123`;
- the provisioned number `num_xyz789` (`+15551234567`) with 120 SMS, one every 15 minutes from
  2025-01-15 08:00 UTC, and four more provisioned numbers;
- `clinics.csv` and `reseller.db` (`write_rollout_files`): 200 clinics, `+442011110001` to
  `+442011110200`; the last one is in no Twilio account.

No number is imported when a page starts. `PAGE_SETUP` adds what one page needs besides, from the
docs' world as a reader's `python -m nixflex.testing --rollout` does: the rollout guide's first
import run meets two 503s and one connection lost after the import landed
(`arm_rollout_faults`).

Markers, on the line just before a block's opening fence:

- `<!-- example: skip -->`: compiled (so its syntax is checked) but not run. For what cannot
  run here (a FastAPI app that needs a server); keep these rare.
- `<!-- example: pytest -->`: the block is a test module: it is written to a file and run with
  pytest in a subprocess, which must pass with at least one test.
- `<!-- example: output -->`, before a block that is not Python: what the Python block before it
  prints (see above).

Shell commands go in `bash` blocks and are not run.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import doctest
import inspect
import io
import logging
import os
import re
import socket
import subprocess
import sys
import textwrap
import tokenize
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nixflex
from nixflex.testing import FakeNixflex, FakeServer, RateLimits
from nixflex.testing._docs_world import (
    API_KEY,
    TWILIO_SID,
    TWILIO_TOKEN,
    arm_rollout_faults,
    write_rollout_files,
)
from nixflex.testing._docs_world import seed as seed_world

ROOT = Path(__file__).resolve().parents[2]


MARKER = re.compile(r"<!--\s*example:\s*(?P<mode>[a-z-]+)\s*-->")
MODES = ("run", "skip", "pytest")
OUTPUT = "output"  # the marker of a block showing what the Python block before it printed
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


# --- the examples of a page ------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """A block showing what the example before it prints: its text and first line."""

    line: int
    text: str


@dataclass(frozen=True)
class Example:
    """One fenced Python block: its source, where it starts, and how to treat it."""

    path: Path
    line: int  # the 1-based line of the first line of code
    source: str
    mode: str
    output: Output | None = None  # the block marked `<!-- example: output -->` after it

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
        body = [line[len(indent) :] if line.startswith(indent) else line for line in lines]
        text = textwrap.dedent("\n".join(body[index + 1 : end])) + "\n"
        mode = _mode(lines, index, path)
        if language in ("python", "py"):
            if mode == OUTPUT:
                raise ValueError(f"{path}:{index + 1}: an output block cannot be Python")
            found.append(Example(path, index + 2, text, mode))
        elif mode == OUTPUT:
            if not found or found[-1].output is not None or found[-1].mode != "run":
                raise ValueError(
                    f"{path}:{index + 1}: an output block must follow a Python block that runs"
                    " and has no other output block"
                )
            found[-1] = replace(found[-1], output=Output(index + 2, text))
        index = end + 1
    return found


def _mode(lines: list[str], fence_index: int, path: Path) -> str:
    previous = lines[fence_index - 1].strip() if fence_index > 0 else ""
    marker = MARKER.fullmatch(previous)
    if marker is None:
        return "run"
    mode = marker["mode"]
    if mode not in (*MODES, OUTPUT):
        raise ValueError(f"{path}:{fence_index}: unknown marker {mode!r}; known: {MODES}")
    return mode


# --- what the examples print -----------------------------------------------------------------

_CHECKER = doctest.OutputChecker()


def matches(expected: str, printed: str) -> bool:
    """Whether `printed` is `expected`, where `...` in `expected` stands for any text."""
    return _CHECKER.check_output(expected, printed, doctest.ELLIPSIS)


@dataclass(frozen=True)
class ShownPrint:
    """A `print(...)` statement whose comment shows what it prints."""

    first: int  # the statement's lines in the Markdown file
    last: int
    shown: str


def shown_prints(example: Example) -> list[ShownPrint]:
    """The `print(...)` statements of `example` with a comment at the end of their last line."""
    tree = ast.parse(example.source)
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(example.source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string[1:].strip()
    offset = example.line - 1
    return [
        ShownPrint(node.lineno + offset, node.end_lineno + offset, comments[node.end_lineno])
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "print"
        and node.end_lineno in comments
    ]


@dataclass
class Outputs:
    """What a page's examples print: each `print` call by its line, and all of stdout."""

    path: Path
    calls: list[tuple[int, str]] = field(default_factory=list)  # (line of the page, text)

    def print(self, *args: Any, **kwargs: Any) -> None:
        """`print`, in the page's namespace: also notes what a call from the page printed."""
        target = kwargs.get("file")
        if target is None or target is sys.stdout:
            text = io.StringIO()
            builtins.print(*args, **{**kwargs, "file": text, "flush": False})
            caller = sys._getframe(1)
            if caller.f_code.co_filename == str(self.path):
                self.calls.append((caller.f_lineno, text.getvalue()))
        builtins.print(*args, **kwargs)

    @contextmanager
    def block(self) -> Iterator[io.StringIO]:
        """Keep what is printed to stdout while one example runs."""
        printed = _Tee(sys.stdout)
        with redirect_stdout(printed):
            yield printed

    def check_block(self, example: Example, printed: str) -> None:
        """What `example` printed is what its output block shows, if it has one."""
        if example.output is not None and not matches(example.output.text, printed):
            raise AssertionError(
                f"the example at {example.where} printed\n{_indented(printed)}\n"
                f"but {shown(self.path)}:{example.output.line} shows\n"
                f"{_indented(example.output.text)}"
            )

    def check(self, page_examples: list[Example]) -> None:
        """Every commented `print` of the page ran and printed what its comment shows."""
        problems: list[str] = []
        for example in page_examples:
            if example.mode != "run":
                continue
            for statement in shown_prints(example):
                texts = [
                    text.removesuffix("\n")
                    for line, text in self.calls
                    if statement.first <= line <= statement.last
                ]
                where = f"{shown(self.path)}:{statement.last}"
                if not texts:
                    problems.append(f"the print at {where} never ran")
                problems += [
                    f"the print at {where} printed\n{_indented(text)}\n"
                    f"but its comment shows\n{_indented(statement.shown)}"
                    for text in texts
                    if not matches(statement.shown, text)
                ]
        if problems:
            raise AssertionError("\n".join(problems))


class _Tee(io.StringIO):
    """Keeps what is written, and passes it on (so `pytest -s` still shows it)."""

    def __init__(self, through: Any) -> None:
        super().__init__()
        self._through = through

    def write(self, text: str) -> int:
        self._through.write(text)
        return super().write(text)

    def flush(self) -> None:
        self._through.flush()


def _indented(text: str) -> str:
    return textwrap.indent(text.rstrip("\n") or "(nothing)", "    ")


# --- the world the examples run in -----------------------------------------------------------


PAGE_SETUP: dict[str, Callable[[FakeNixflex], None]] = {
    "docs/bulk.md": arm_rollout_faults,
}


# --- running a page --------------------------------------------------------------------------


class PageRun:
    """One page's namespace and event loop; `run` executes its examples one by one."""

    def __init__(self, path: Path, workdir: Path) -> None:
        self.path = path
        self.workdir = workdir
        self.outputs = Outputs(path)
        self.namespace: dict[str, Any] = {
            "__name__": "__main__",
            "__file__": str(path),
            "print": self.outputs.print,
        }
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, example: Example) -> None:
        if example.mode == "pytest":
            self._run_pytest(example)
            return
        code = self._compile(example)
        if example.mode == "skip":
            return
        try:
            with self.outputs.block() as printed:
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
        self.outputs.check_block(example, printed.getvalue())

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
    write_rollout_files(workdir)
    with saved_process_state(), fake.serve() as server, loopback_only():
        _set_environment(server)
        os.chdir(workdir)
        page = PageRun(path, workdir)
        try:
            for example in page_examples:
                page.run(example)
            page.outputs.check(page_examples)
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
