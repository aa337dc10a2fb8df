"""Bulk rollout: 1,000 imports over loopback HTTP with 10 ms of simulated latency per request.

`python bench/bulk.py` (or `make bench-bulk`) starts the emulator in a process of its own (so its
threads do not share the benchmark's GIL), seeds a Twilio account with a fresh set of numbers for
each run, and times four ways of importing them: a sequential `create()` loop (once), and
`import_many(concurrency=16)` on the sync client, on the async client with its own pool and on
the async client over `DefaultAioHttpClient`, those three in interleaved rounds (the median is
reported). It prints the speed-up over the loop, the async runs against the sync one, and checks
that the emulator received exactly one POST per item. `--smoke` uses 40 items and one round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import nixflex

RUNS = (
    "sequential loop",
    "import_many, sync, 16",
    "import_many, async, 16",
    "import_many, async aiohttp, 16",
)
LATENCY = 0.010
TARGET = 8.0
ROUNDS = 3


def serve(items: int, batches_wanted: int) -> None:
    """The child process: a seeded emulator on a free port; prints what the parent needs."""
    from nixflex.testing import FakeNixflex

    try:
        # No rate limit: what is measured is the client, not the API's pacing.
        fake = FakeNixflex(latency=LATENCY, record_requests=False, rate_limits=None)  # type: ignore[call-arg,unused-ignore]
    except TypeError:  # an emulator without rate limits
        fake = FakeNixflex(latency=LATENCY, record_requests=False)
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    batches = []
    for run in range(batches_wanted):
        numbers = [f"+44{20 + run:02d}{i:07d}" for i in range(items)]
        twilio = fake.add_twilio_account(numbers=numbers)
        batches.append({"numbers": numbers, "sid": twilio.sid, "token": twilio.token})
    with fake.serve() as server:
        print(
            json.dumps(
                {"url": server.url, "key": account.api_key, "agent": agent_id, "batches": batches}
            ),
            flush=True,
        )
        sys.stdin.read()  # until the parent closes our stdin


def items_of(world: dict[str, Any], run: int) -> list[nixflex.ImportRequest]:
    batch = world["batches"][run]
    return [
        nixflex.ImportRequest(
            phone_number=number,
            twilio_sid=batch["sid"],
            twilio_token=batch["token"],
            agent_id=world["agent"],
            custom_prompt=f"Business: Clinic {number[-4:]}",
        )
        for number in batch["numbers"]
    ]


def sequential(world: dict[str, Any], items: list[nixflex.ImportRequest]) -> int:
    with nixflex.Client(api_key=world["key"], base_url=world["url"]) as client:
        for item in items:
            assert item.twilio_sid is not None  # the benchmark imports Twilio numbers
            assert item.twilio_token is not None
            client.phone_numbers.create(
                phone_number=item.phone_number,
                twilio_sid=item.twilio_sid,
                twilio_token=item.twilio_token,
                agent_id=item.agent_id,
                custom_prompt=item.custom_prompt,
            )
    return len(items)


def threads(world: dict[str, Any], items: list[nixflex.ImportRequest]) -> int:
    with nixflex.Client(api_key=world["key"], base_url=world["url"]) as client:
        result = client.phone_numbers.import_many(items, concurrency=16)
    result.raise_for_failures()
    return len(result.succeeded)


def tasks(world: dict[str, Any], items: list[nixflex.ImportRequest]) -> int:
    async def main() -> int:
        async with nixflex.AsyncClient(api_key=world["key"], base_url=world["url"]) as client:
            result = await client.phone_numbers.import_many(items, concurrency=16)
        result.raise_for_failures()
        return len(result.succeeded)

    return asyncio.run(main())


def tasks_aiohttp(world: dict[str, Any], items: list[nixflex.ImportRequest]) -> int:
    async def main() -> int:
        async with (
            nixflex.DefaultAioHttpClient() as http,
            nixflex.AsyncClient(api_key=world["key"], base_url=world["url"], http_client=http) as c,
        ):
            result = await c.phone_numbers.import_many(items, concurrency=16)
        result.raise_for_failures()
        return len(result.succeeded)

    return asyncio.run(main())


def posts_received(world: dict[str, Any]) -> int:
    """How many imports the emulator holds: one per POST that reached it and succeeded."""
    with nixflex.Client(api_key=world["key"], base_url=world["url"]) as client:
        return len(client.phone_numbers.list())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="40 items, to check it still runs")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batches", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.batches)
        return
    items = 40 if args.smoke else args.items
    rounds = 1 if args.smoke else ROUNDS
    ways: list[Callable[[dict[str, Any], list[nixflex.ImportRequest]], int]] = [
        threads,
        tasks,
        tasks_aiohttp,
    ]
    batches = 1 + rounds * len(ways)
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(items), "--batches", str(batches)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdin is not None
    seconds: dict[str, list[float]] = {name: [] for name in RUNS}
    try:
        world = json.loads(child.stdout.readline())
        batch = iter(range(batches))

        def timed(
            name: str, way: Callable[[dict[str, Any], list[nixflex.ImportRequest]], int]
        ) -> None:
            run_items = items_of(world, next(batch))
            started = time.perf_counter()
            done = way(world, run_items)
            seconds[name].append(time.perf_counter() - started)
            assert done == items, f"{name}: {done} of {items} imported"

        timed(RUNS[0], sequential)
        for index in range(rounds):
            order = list(zip(RUNS[1:], ways, strict=True))
            shift = index % len(order)
            for name, way in order[shift:] + order[:shift]:
                timed(name, way)
        imported = posts_received(world)
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    took = {name: statistics.median(found) for name, found in seconds.items()}
    print(
        f"Bulk rollout: {items} imports per run, {LATENCY * 1000:.0f} ms latency per request; "
        f"the loop once, the others {rounds} interleaved round(s), median (min-max)"
    )
    print(f"{'run':<32}{'seconds':>20}{'imports/s':>11}{'speed-up':>10}{'vs sync':>9}")
    sync = took[RUNS[1]]
    for name in RUNS:
        found = seconds[name]
        shown = f"{took[name]:.2f} ({min(found):.2f}-{max(found):.2f})"
        print(
            f"{name:<32}{shown:>20}{items / took[name]:>11.0f}"
            f"{took[RUNS[0]] / took[name]:>9.1f}x{sync / took[name]:>8.2f}x"
        )
    sent = batches * items
    print(
        f"requests: {imported} imports held for {sent} items sent "
        f"({'one POST per item' if imported == sent else 'MISMATCH'}); "
        f"target speed-up >= {TARGET:.0f}x, async >= 1.00x the sync run"
    )
    if imported != sent:
        sys.exit(1)


if __name__ == "__main__":
    main()
