"""Bulk rollout: 1,000 imports over loopback HTTP with 10 ms of simulated latency per request.

`python bench/bulk.py` (or `make bench-bulk`) starts the emulator in a process of its own (so its
threads do not share the benchmark's GIL), seeds a Twilio account with a fresh set of numbers for
each run, and times three ways of importing them: a sequential `create()` loop, and
`import_many(concurrency=16)` on the sync and the async client. It prints the speed-up over the
loop and checks that the emulator received exactly one POST per item. `--smoke` uses 40 items.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import nixflex

RUNS = ("sequential loop", "import_many, sync, 16", "import_many, async, 16")
LATENCY = 0.010
TARGET = 8.0


def serve(items: int) -> None:
    """The child process: a seeded emulator on a free port; prints what the parent needs."""
    from nixflex.testing import FakeNixflex

    fake = FakeNixflex(latency=LATENCY, record_requests=False)
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    batches = []
    for run in range(len(RUNS)):
        numbers = [f"+4420{run}{i:07d}" for i in range(items)]
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


def posts_received(world: dict[str, Any]) -> int:
    """How many imports the emulator holds: one per POST that reached it and succeeded."""
    with nixflex.Client(api_key=world["key"], base_url=world["url"]) as client:
        return len(client.phone_numbers.list())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="40 items, to check it still runs")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    items = 40 if args.smoke else args.items
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(items)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdin is not None
    try:
        world = json.loads(child.stdout.readline())
        ways: list[Callable[[dict[str, Any], list[nixflex.ImportRequest]], int]] = [
            sequential,
            threads,
            tasks,
        ]
        seconds: list[float] = []
        for run, way in enumerate(ways):
            started = time.perf_counter()
            done = way(world, items_of(world, run))
            seconds.append(time.perf_counter() - started)
            assert done == items, f"{RUNS[run]}: {done} of {items} imported"
        imported = posts_received(world)
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    print(f"Bulk rollout: {items} imports per run, {LATENCY * 1000:.0f} ms latency per request")
    print(f"{'run':<26}{'seconds':>9}{'imports/s':>11}{'speed-up':>10}")
    for name, took in zip(RUNS, seconds, strict=True):
        print(f"{name:<26}{took:>9.2f}{items / took:>11.0f}{seconds[0] / took:>9.1f}x")
    print(
        f"requests: {imported} imports held for {len(RUNS) * items} items sent "
        f"({'one POST per item' if imported == len(RUNS) * items else 'MISMATCH'}); "
        f"target speed-up >= {TARGET:.0f}x"
    )
    if imported != len(RUNS) * items:
        sys.exit(1)


if __name__ == "__main__":
    main()
