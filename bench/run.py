"""What the SDK costs next to hand-written httpx calls, side by side, in one run.

    python bench/run.py          # the full run (`make bench`), about 11 minutes
    python bench/run.py --smoke  # every benchmark with tiny counts, in seconds
    python bench/run.py --only calls,decode --versus before=/tmp/nixflex-before
                                 # also another checkout's nixflex, in the same rounds

Prints one Markdown table: the machine and versions, then each figure as the median with the
min-max over its rounds, the baseline it is compared with, the ratio and the target. Nothing here
asserts a time: a noisy machine gives noisy numbers, and the smoke run only keeps the code alive.

- Import: `python -c "import nixflex"` against `python -c "import httpx"` (and `pass`), fresh
  processes, after warm-ups, in interleaved rounds; for information, the same for a first call
  (import, client, one list answered in memory), which also loads cattrs and the decoders.
- Per call: sequential `client.phone_numbers.list()` against a raw `httpx.Client` GET of the
  same URL plus `json.loads` of the body, each on its one keep-alive connection, rounds
  alternating which side goes first.
- Decoding: a page of numbers (camelCase, timestamps) from bytes into models, through the
  SDK's page parser, against `json.loads` alone and pydantic v2's `TypeAdapter`, both from
  bytes (`validate_json`) and from `json.loads` (`validate_python`).
- Async fan-out: 2,000 calls 50, 200, 500 and 1,000 in flight at a time, on a raw
  `httpx.AsyncClient`, `AsyncClient` (its own pool), `AsyncClient` over `DefaultAioHttpClient`
  and raw aiohttp (the floor), interleaved; calls/s and CPU per call.
- Paging memory: iterating 10,000 and 100,000 numbers at `limit=100`, each in a fresh process,
  peak traced memory (tracemalloc, from the first request on) and peak RSS.

`--versus NAME=PATH` (repeatable) loads the nixflex package of another checkout (`PATH/src`)
under a private name and adds it as one more side to the per-call and decoding benchmarks, in
the same interleaved rounds, so a change is measured against the code before it in one run.

The API is `bench/server.py`, started in its own process so its work lands on the other core.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import importlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

import nixflex
from nixflex._pagination import offset_call
from nixflex.models import Number

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from server import numbers_page, phone_numbers_body  # noqa: E402  (bench/ is not a package)

API_KEY = "key_bench:sk_bench_0123456789abcdef"
# Variables that would make the import benchmark measure something else (compiling every
# module again, tracing imports); the children run without them.
_NOISY_ENV = (
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONVERBOSE",
    "PYTHONDEVMODE",
    "PYTHONTRACEMALLOC",
    "PYTHONASYNCIODEBUG",
    "PYTHONWARNINGS",
)


@dataclass(frozen=True)
class Sizes:
    import_runs: int = 15
    import_warmups: int = 3
    calls: int = 2000
    call_rounds: int = 20
    call_warmup: int = 300
    decode_items: int = 1000
    decode_rounds: int = 25
    decode_repeats: int = 8
    async_calls: int = 2000
    async_widths: tuple[int, ...] = (50, 200, 500, 1000)
    async_rounds: int = 3
    paging_totals: tuple[int, int] = (10_000, 100_000)
    paging_runs: int = 3


FULL = Sizes()
SMOKE = Sizes(
    import_runs=3,
    import_warmups=1,
    calls=60,
    call_rounds=3,
    call_warmup=10,
    decode_items=100,
    decode_rounds=3,
    decode_repeats=2,
    async_calls=100,
    async_widths=(10, 50),
    async_rounds=1,
    paging_totals=(500, 5_000),
    paging_runs=1,
)


# --- other checkouts ----------------------------------------------------------------------------

# Other checkouts' nixflex packages, by the name they are reported under (`--versus`).
VERSUS: dict[str, Any] = {}


def load_checkout(name: str, root: Path) -> Any:
    """The nixflex package under `root/src`, imported as `nixflex_<name>` next to this one."""
    package = root / "src" / "nixflex"
    alias = f"nixflex_{name.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(
        alias, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"--versus: no nixflex package under {package}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


def _checkout_module(package: Any, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


# --- figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    """A measured figure: every round's value."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def show(self, digits: int = 1, scale: float = 1.0) -> str:
        lo, mid, hi = min(self.values) * scale, self.median * scale, max(self.values) * scale
        return f"{mid:,.{digits}f} ({lo:,.{digits}f}-{hi:,.{digits}f})"


@dataclass(frozen=True)
class Row:
    figure: str
    nixflex: str
    baseline: str
    ratio: str
    target: str
    met: bool | None  # None: for information, no target


def _rounds(sides: dict[str, Callable[[], float]], rounds: int) -> dict[str, Stat]:
    """Run each side once per round, rotating who goes first; each call returns one value."""
    names = list(sides)
    values: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            values[name].append(sides[name]())
    return {name: Stat(tuple(found)) for name, found in values.items()}


# --- the loopback API ----------------------------------------------------------------------------


@contextmanager
def api_server() -> Iterator[str]:
    """`bench/server.py` in its own process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, str(HERE / "server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"bench/server.py did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def server_stats(url: str) -> dict[str, int]:
    stats: dict[str, int] = httpx.get(f"{url}/stats").json()
    return stats


# --- import --------------------------------------------------------------------------------------


_FIRST_CALL = """
import json, httpx{extra}
body = {body!r}
transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
{call}
"""
_FIRST_CALL_NIXFLEX = (
    "with nixflex.Client(api_key='k:s', http_client=httpx.Client(transport=transport)) as c:\n"
    "    c.phone_numbers.list()"
)
_FIRST_CALL_HTTPX = (
    "with httpx.Client(transport=transport, base_url='https://api.nixflex.com') as c:\n"
    "    json.loads(c.get('/v1/phone-numbers').content)"
)


def bench_import(sizes: Sizes) -> tuple[list[Row], list[str]]:
    env = {key: value for key, value in os.environ.items() if key not in _NOISY_ENV}
    body = phone_numbers_body()
    programs = {
        "empty": "pass",
        "httpx": "import httpx",
        "nixflex": "import nixflex",
        # Everything a first call loads too (the resources, cattrs, the generated decoders),
        # answered in memory: what a short script or a cold serverless function pays.
        "httpx call": _FIRST_CALL.format(extra="", body=body, call=_FIRST_CALL_HTTPX),
        "nixflex call": _FIRST_CALL.format(extra=", nixflex", body=body, call=_FIRST_CALL_NIXFLEX),
    }

    def timer(code: str) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True)
            return time.perf_counter() - started

        return run

    sides = {name: timer(code) for name, code in programs.items()}
    for _ in range(sizes.import_warmups):
        for run in sides.values():
            run()
    stats = _rounds(sides, sizes.import_runs)
    empty, raw, ours = stats["empty"], stats["httpx"], stats["nixflex"]
    raw_call, our_call = stats["httpx call"], stats["nixflex call"]
    ratio = ours.median / raw.median
    rows = [
        Row(
            f"Import, fresh process wall time (ms), {sizes.import_runs} runs",
            f"`import nixflex` {ours.show(scale=1e3)}",
            f"`import httpx` {raw.show(scale=1e3)}",
            f"{ratio:.2f}x",
            "≤ 1.40x",
            ratio <= 1.40,
        ),
        Row(
            "First call, fresh process wall time (ms): import, client, one list (in memory)",
            f"`phone_numbers.list()` {our_call.show(scale=1e3)}",
            f"`httpx.Client.get` + `json.loads` {raw_call.show(scale=1e3)}",
            f"{our_call.median / raw_call.median:.2f}x",
            "(information)",
            None,
        ),
    ]
    notes = [
        f"Import: an empty interpreter takes {empty.show(scale=1e3)} ms; `import httpx` adds "
        f"{(raw.median - empty.median) * 1e3:.1f} ms to it, `import nixflex` "
        f"{(ours.median - empty.median) * 1e3:.1f} ms (httpx included). The first call loads "
        "cattrs and generates the decoders; that row shows what it adds."
    ]
    return rows, notes


# --- per call ------------------------------------------------------------------------------------


def bench_calls(url: str, sizes: Sizes) -> tuple[list[Row], list[str]]:
    before = server_stats(url)
    ours = nixflex.Client(api_key=API_KEY, base_url=url)
    raw = httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    )
    per_round = max(sizes.calls // sizes.call_rounds, 1)

    def sdk(count: int) -> float:
        call = ours.phone_numbers.list
        started = time.perf_counter()
        for _ in range(count):
            call()
        return (time.perf_counter() - started) / count

    def hand_written(count: int) -> float:
        get, loads = raw.get, json.loads
        started = time.perf_counter()
        for _ in range(count):
            loads(get("/v1/phone-numbers").content)
        return (time.perf_counter() - started) / count

    others = {
        name: package.Client(api_key=API_KEY, base_url=url) for name, package in VERSUS.items()
    }

    def other(client: Any) -> Callable[[int], float]:
        def run(count: int) -> float:
            call = client.phone_numbers.list
            started = time.perf_counter()
            for _ in range(count):
                call()
            return (time.perf_counter() - started) / count

        return run

    sides: dict[str, Callable[[int], float]] = {"nixflex": sdk, "raw": hand_written}
    sides.update({name: other(client) for name, client in others.items()})
    with ours, raw:
        same = json.loads(raw.get("/v1/phone-numbers").content)["phone_numbers"]
        assert len(ours.phone_numbers.list()) == len(same)
        for side in sides.values():
            side(sizes.call_warmup)
        stats = _rounds(
            {name: functools.partial(side, per_round) for name, side in sides.items()},
            sizes.call_rounds,
        )
        for client in others.values():
            client.close()
    after = server_stats(url)
    connections = after["connections"] - before["connections"] - 1  # the /stats call itself
    mine, base = stats["nixflex"], stats["raw"]
    ratio = mine.median / base.median
    row = Row(
        f"Per call, {per_round * sizes.call_rounds:,} sequential calls (µs/call)",
        f"`phone_numbers.list()` {mine.show(scale=1e6)}",
        f"`httpx.Client.get` + `json.loads` {base.show(scale=1e6)}",
        f"{ratio:.2f}x",
        "≤ 1.10x",
        ratio <= 1.10,
    )
    note = (
        f"Per call: {sizes.call_rounds} rounds of {per_round} calls per side, first side "
        f"alternating; {connections} connections opened for both sides together "
        f"(one keep-alive connection each); the SDK's overhead is "
        f"{(mine.median - base.median) * 1e6:.1f} µs per call."
    )
    rows = [row]
    for name in VERSUS:
        theirs = stats[name]
        rows.append(
            Row(
                f"Per call, {per_round * sizes.call_rounds:,} sequential calls (µs/call), {name}",
                f"`phone_numbers.list()` ({name}) {theirs.show(scale=1e6)}",
                f"`httpx.Client.get` + `json.loads` {base.show(scale=1e6)}",
                f"{theirs.median / base.median:.2f}x",
                "≤ 1.10x",
                theirs.median / base.median <= 1.10,
            )
        )
    return rows, [note]


# --- decoding ------------------------------------------------------------------------------------


def bench_decode(sizes: Sizes) -> tuple[list[Row], list[str]]:
    count = sizes.decode_items
    body = numbers_page(count, count, 0)
    response = httpx.Response(200, content=body)
    # The parser of a page of `client.numbers.list()`: JSON, the models, `hasMore`, next call.
    parse = offset_call("/v1/numbers", Number, limit=count, offset=0).parse
    assert len(parse(response).items) == count
    repeats = sizes.decode_repeats

    def timer(decode: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            for _ in range(repeats):
                decode()
            return (time.perf_counter() - started) / repeats

        return run

    sides = {
        "json.loads": timer(lambda: json.loads(body)),
        "nixflex": timer(lambda: parse(response)),
    }
    adapter = _pydantic_page_adapter()
    if adapter is not None:
        validate_json, validate_python = adapter.validate_json, adapter.validate_python
        assert len(validate_json(body).data) == len(validate_python(json.loads(body)).data) == count
        sides["pydantic json"] = timer(lambda: validate_json(body))
        sides["pydantic python"] = timer(lambda: validate_python(json.loads(body)))
    for name, package in VERSUS.items():
        other = _checkout_module(package, "_pagination").offset_call(
            "/v1/numbers", _checkout_module(package, "models").Number, limit=count, offset=0
        )
        assert len(other.parse(response).items) == count
        sides[name] = timer(functools.partial(other.parse, response))
    for run in sides.values():
        run()
    stats = _rounds(sides, sizes.decode_rounds)
    loads, mine = stats["json.loads"], stats["nixflex"]
    what = f"Decoding a {count:,}-number page, bytes to models (ms)"
    ours = f"`Number` page {mine.show(2, 1e3)}"
    if adapter is None:
        missing = "pydantic not installed (`pip install -e '.[dev]'`)"
        return [Row(what, ours, missing, "-", "≤ 1.00x", None)], []
    rows = []
    for key, how in (
        ("pydantic json", "`TypeAdapter.validate_json(bytes)`"),
        ("pydantic python", "`TypeAdapter.validate_python(json.loads(bytes))`"),
    ):
        theirs = stats[key]
        ratio = mine.median / theirs.median
        rows.append(
            Row(
                what,
                ours,
                f"pydantic {how} {theirs.show(2, 1e3)}",
                f"{ratio:.2f}x",
                "≤ 1.00x",
                ratio <= 1.00,
            )
        )
    for name in VERSUS:
        theirs, json_side = stats[name], stats["pydantic json"]
        rows.append(
            Row(
                f"{what}, {name}",
                f"`Number` page ({name}) {theirs.show(2, 1e3)}",
                f"pydantic `TypeAdapter.validate_json(bytes)` {json_side.show(2, 1e3)}",
                f"{theirs.median / json_side.median:.2f}x",
                "≤ 1.00x",
                theirs.median / json_side.median <= 1.00,
            )
        )
    times = ", ".join(
        f"{name} {stats[key].median / loads.median:.2f}x"
        for name, key in (
            ("nixflex", "nixflex"),
            *((name, name) for name in VERSUS),
            ("pydantic `validate_json`", "pydantic json"),
            ("pydantic `validate_python`", "pydantic python"),
        )
    )
    notes = [f"Decoding: `json.loads` alone takes {loads.show(2, 1e3)} ms; against it: {times}."]
    return rows, notes


def _pydantic_page_adapter() -> Any:
    """pydantic's best on the same page: frozen models, both casings, `validate_json` on bytes."""
    try:
        from datetime import datetime

        from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
        from pydantic.alias_generators import to_camel
    except ImportError:
        return None

    class PydanticNumber(BaseModel):
        model_config = ConfigDict(
            frozen=True, alias_generator=to_camel, validate_by_name=True, validate_by_alias=True
        )

        id: str
        phone_number: str
        country: str | None = None
        status: str | None = None
        agent_id: str | None = None
        created_at: datetime | None = None

    class PydanticPage(BaseModel):
        model_config = ConfigDict(frozen=True)

        data: list[PydanticNumber]
        has_more: bool | None = Field(default=None, alias="hasMore")

    return TypeAdapter(PydanticPage)


# --- async fan-out -------------------------------------------------------------------------------

# The sides of the fan-out table, in the order they are reported.
FAN_OUT_SIDES = ("raw httpx", "nixflex", "nixflex aiohttp", "raw aiohttp")
FAN_OUT_LABELS = {
    "raw httpx": "raw `httpx.AsyncClient` (default pool) + `json.loads`",
    "nixflex": "`nixflex.AsyncClient` (default)",
    "nixflex aiohttp": "`nixflex.AsyncClient` over `DefaultAioHttpClient`",
    "raw aiohttp": "raw `aiohttp.ClientSession` + `json.loads` (floor)",
}


@dataclass
class FanOut:
    """One side's figures at one width: calls/s and CPU per call for each round, and errors."""

    rates: list[float]
    cpus: list[float]
    errors: int = 0


async def _fan_out(
    call: Callable[[], Awaitable[object]], total: int, concurrency: int
) -> tuple[float, float, int]:
    """`total` calls, `concurrency` in flight at a time: calls/s, CPU s per call, errors."""
    remaining = total
    errors = 0

    async def worker() -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            try:
                await call()
            except Exception:
                errors += 1

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started), (time.process_time() - cpu) / total, errors


async def _bench_async(url: str, sizes: Sizes) -> dict[tuple[str, int], FanOut]:
    import aiohttp

    headers = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    raw = httpx.AsyncClient(base_url=url, headers=headers)
    ours = nixflex.AsyncClient(api_key=API_KEY, base_url=url)
    aio_http = nixflex.DefaultAioHttpClient()
    ours_aio = nixflex.AsyncClient(api_key=API_KEY, base_url=url, http_client=aio_http)
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100), headers=headers)
    target = f"{url}/v1/phone-numbers"

    async def raw_httpx() -> object:
        return json.loads((await raw.get("/v1/phone-numbers")).content)

    async def raw_aiohttp() -> object:
        async with session.get(target) as response:
            return json.loads(await response.read())

    sides: dict[str, Callable[[], Awaitable[object]]] = {
        "raw httpx": raw_httpx,
        "nixflex": ours.phone_numbers.list,
        "nixflex aiohttp": ours_aio.phone_numbers.list,
        "raw aiohttp": raw_aiohttp,
    }
    found = {(name, width): FanOut([], []) for name in sides for width in sizes.async_widths}
    try:
        for call in sides.values():  # a warm-up round each, at the narrowest width
            await _fan_out(call, sizes.async_calls, sizes.async_widths[0])
        names = list(sides)
        for index in range(sizes.async_rounds):
            for width in sizes.async_widths:
                shift = index % len(names)
                for name in names[shift:] + names[:shift]:
                    gc.collect()
                    rate, cpu, errors = await _fan_out(sides[name], sizes.async_calls, width)
                    cell = found[name, width]
                    cell.rates.append(rate)
                    cell.cpus.append(cpu)
                    cell.errors += errors
    finally:
        await session.close()
        await ours_aio.aclose()
        await aio_http.aclose()
        await ours.aclose()
        await raw.aclose()
    return found


def bench_async(url: str, sizes: Sizes) -> tuple[list[Row], list[str]]:
    found = asyncio.run(_bench_async(url, sizes))
    widths = sizes.async_widths
    rate = {key: Stat(tuple(cell.rates)) for key, cell in found.items()}
    cpu = {key: Stat(tuple(cell.cpus)) for key, cell in found.items()}

    def median(name: str, width: int) -> float:
        return rate[name, width].median

    rows = []
    narrow = widths[0]
    mine, base = rate["nixflex", narrow], rate["raw httpx", narrow]
    ratio = mine.median / base.median
    rows.append(
        Row(
            f"Async fan-out, {sizes.async_calls:,} calls, {narrow} at a time (calls/s)",
            f"`AsyncClient` {mine.show(0)}",
            f"`httpx.AsyncClient` + `json.loads` {base.show(0)}",
            f"{ratio:.2f}x",
            "≥ 0.90x",
            ratio >= 0.90,
        )
    )
    targets = [(narrow, 4.0)] + [(w, 10.0) for w in widths if w == 500]
    for width, target in targets:
        ratio = median("nixflex aiohttp", width) / median("nixflex", width)
        rows.append(
            Row(
                f"Async fan-out, {width} in flight: over `DefaultAioHttpClient` / default",
                f"{rate['nixflex aiohttp', width].show(0)} calls/s",
                f"`AsyncClient` default {rate['nixflex', width].show(0)}",
                f"{ratio:.2f}x",
                f"≥ {target:.0f}x",
                ratio >= target,
            )
        )
    ratios = {w: median("nixflex aiohttp", w) / median("raw aiohttp", w) for w in widths}
    worst = min(ratios, key=lambda w: ratios[w])
    rows.append(
        Row(
            "Async fan-out, every width: over `DefaultAioHttpClient` / raw aiohttp",
            ", ".join(f"{w}: {ratios[w]:.2f}x" for w in widths),
            f"raw aiohttp {rate['raw aiohttp', worst].show(0)} at {worst}",
            f"{ratios[worst]:.2f}x (lowest)",
            "≥ 0.40x",
            ratios[worst] >= 0.40,
        )
    )
    wide = widths[-1]
    ratio = median("nixflex", wide) / median("nixflex", narrow)
    rows.append(
        Row(
            f"Async fan-out, `AsyncClient` default: {wide} in flight / {narrow} in flight",
            f"{rate['nixflex', wide].show(0)} calls/s",
            f"{rate['nixflex', narrow].show(0)} calls/s",
            f"{ratio:.2f}x",
            "≥ 0.70x",
            ratio >= 0.70,
        )
    )
    table = [
        "",
        f"Async fan-out: {sizes.async_calls:,} calls per round, calls/s and CPU per call "
        f"(µs), median (min-max) of {sizes.async_rounds} rounds after a warm-up round; widths "
        "and sides interleaved, the first side rotating.",
        "",
        "| side | " + " | ".join(f"{w} in flight" for w in widths) + " |",
        "|---|" + "---|" * len(widths),
    ]
    for name in FAN_OUT_SIDES:
        cells = []
        for w in widths:
            errors = found[name, w].errors
            failed = f", **{errors:,} failed**" if errors else ""
            cells.append(f"{rate[name, w].show(0)} calls/s, {cpu[name, w].show(0, 1e6)} µs{failed}")
        table.append(f"| {FAN_OUT_LABELS[name]} | " + " | ".join(cells) + " |")
    note = (
        "Async: every side shares this process's one core with nothing else of the benchmark; "
        "raw httpx keeps httpx's default pool (100 connections, 20 kept idle), nixflex's own "
        "pool keeps 100 idle and queues calls beyond 100 in front of httpcore, aiohttp's "
        "connector holds 100 on both aiohttp sides. The table:\n" + "\n".join(table)
    )
    return rows, [note]


# --- paging memory -------------------------------------------------------------------------------


def paging_child(url: str, total: int) -> None:
    """In a fresh process: iterate `total` numbers, print what it took as JSON."""
    import resource
    import tracemalloc

    with nixflex.Client(api_key=API_KEY, base_url=f"{url}/n{total}") as client:
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        count = 0
        for _ in client.numbers.list(limit=100):
            count += 1
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    if sys.platform == "darwin":
        rss //= 1024  # bytes on macOS
    json.dump({"count": count, "peak": peak, "rss": rss, "seconds": elapsed}, sys.stdout)


def bench_paging(url: str, sizes: Sizes) -> tuple[list[Row], list[str]]:
    small, large = sizes.paging_totals
    found: dict[int, list[dict[str, float]]] = {small: [], large: []}
    for _ in range(sizes.paging_runs):
        for total in (small, large):
            result = subprocess.run(
                [sys.executable, __file__, "--paging-child", str(total), "--url", url],
                capture_output=True,
                text=True,
                check=True,
            )
            measured = json.loads(result.stdout)
            assert measured["count"] == total, measured
            found[total].append(measured)

    def stat(total: int, key: str) -> Stat:
        return Stat(tuple(float(run[key]) for run in found[total]))

    mb = 1 / 2**20
    peak_small, peak_large = stat(small, "peak"), stat(large, "peak")
    rss_small, rss_large = stat(small, "rss"), stat(large, "rss")
    growth = (peak_large.median - peak_small.median) * mb
    rss_growth = (rss_large.median - rss_small.median) * mb
    row = Row(
        f"Paging memory, {small:,} → {large:,} numbers at `limit=100` (MB peak)",
        f"traced {peak_small.show(2, mb)} → {peak_large.show(2, mb)}",
        f"RSS {rss_small.show(1, mb)} → {rss_large.show(1, mb)}",
        f"+{growth:.2f} MB traced, +{rss_growth:.1f} MB RSS",
        "≤ +5 MB",
        growth <= 5 and rss_growth <= 5,
    )
    seconds = stat(large, "seconds").median
    note = (
        f"Paging: each size in a fresh process, {sizes.paging_runs} run(s) each; "
        f"{large:,} numbers took {seconds:.2f} s under tracemalloc "
        f"({large / seconds:,.0f} numbers/s)."
    )
    return [row], [note]


# --- the report ----------------------------------------------------------------------------------


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def header(smoke: bool) -> list[str]:
    packages = [
        "nixflex",
        "httpx",
        "httpcore",
        "h11",
        "anyio",
        "sniffio",
        "attrs",
        "cattrs",
        "pydantic",
        "aiohttp",
        "httpx-aiohttp",
    ]
    versions = ", ".join(f"{name} {_version(name)}" for name in packages)
    mode = " (smoke run: tiny counts, figures mean nothing)" if smoke else ""
    return [
        f"nixflex benchmark{mode}",
        "",
        f"- Machine: {_cpu()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}; load average at start {_load()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); {versions}",
    ]


def table(rows: Sequence[Row], smoke: bool) -> list[str]:
    lines = [
        "| figure | nixflex: median (min-max) | baseline: median (min-max) | ratio | target | |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        verdict = "-" if smoke or row.met is None else ("met" if row.met else "**missed**")
        cells = (row.figure, row.nixflex, row.baseline, row.ratio, row.target, verdict)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


BENCHMARKS = ("import", "calls", "decode", "async", "paging")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny counts: check it runs")
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {BENCHMARKS}"
    )
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument(
        "--versus",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also measure the nixflex of the checkout at PATH (calls and decode), as NAME",
    )
    parser.add_argument("--paging-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.paging_child is not None:
        paging_child(args.url, args.paging_child)
        return 0
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    for spec in args.versus:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            parser.error(f"--versus takes NAME=PATH, got {spec!r}")
        VERSUS[name] = load_checkout(name, Path(path))
    sizes = SMOKE if args.smoke else FULL
    lines = header(args.smoke)
    print("\n".join(lines), flush=True)
    started = time.perf_counter()
    results: dict[str, tuple[list[Row], list[str]]] = {}
    if "import" in chosen:
        results["import"] = bench_import(sizes)
    if "decode" in chosen:
        results["decode"] = bench_decode(sizes)
    if {"calls", "async", "paging"} & set(chosen):
        with api_server() as url:
            if "calls" in chosen:
                results["calls"] = bench_calls(url, sizes)
            if "async" in chosen:
                results["async"] = bench_async(url, sizes)
            if "paging" in chosen:
                results["paging"] = bench_paging(url, sizes)
    ordered = [results[name] for name in BENCHMARKS if name in results]
    report = [
        f"- Load average at the end {_load()}; the run took {time.perf_counter() - started:.0f} s",
        "",
        *table([row for rows, _ in ordered for row in rows], args.smoke),
        "",
        *(f"- {note}" for _, notes in ordered for note in notes),
    ]
    print("\n".join(report))
    if args.output is not None:
        args.output.write_text("\n".join([*lines, *report]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
