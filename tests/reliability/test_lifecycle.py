"""Lifecycle over a real socket: nothing leaks, closing is safe, concurrency is safe.

Open connections are counted on the server's side: the loopback server closes its end of a
connection as soon as the client hangs up (a stalled handler too), so `open_connections` is the
number of connections the client still holds. That needs no private httpx attribute (the pool's
`_transport._pool.connections`) and no psutil. On Linux, the process's file descriptors
(`/proc/self/fd`) are counted as well: after `close()`, every socket the client opened is gone.

Every test here runs inside `warnings.catch_warnings` with `ResourceWarning` always shown and a
`gc.collect()` at the end, and fails if any was raised: a socket left for the garbage collector
to close is a leak even when the run is not made with `-W error::ResourceWarning`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

import nixflex
from tests.loopback import LoopbackServer, Recorded, Reply
from tests.reliability.calls import ENDPOINTS
from tests.support import API_KEY, AnyClient, open_client, run

pytestmark = [pytest.mark.reliability, pytest.mark.anyio]

FAST = httpx.Timeout(5.0, read=0.1)
ON_LINUX = sys.platform == "linux"


@pytest.fixture(autouse=True)
def no_resource_warning() -> Iterator[None]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def open_fds() -> int:
    """The process's open file descriptors (Linux), or -1 where they cannot be counted."""
    return len(os.listdir("/proc/self/fd")) if ON_LINUX else -1


async def settle(server: LoopbackServer, at_most: int = 0, within: float = 2.0) -> int:
    """Wait (letting an event loop close its transports) until the client holds at most
    `at_most` connections to `server`; the number it holds then."""
    deadline = time.monotonic() + within
    # Polling: the count changes in the server's threads, which cannot set an asyncio.Event.
    while server.open_connections > at_most and time.monotonic() < deadline:  # noqa: ASYNC110
        await anyio.sleep(0.005)
    return server.open_connections


async def call_on(client: AnyClient, endpoint: str) -> object:
    return await ENDPOINTS[endpoint].invoke(client)


FAULTS_THEN_ANSWERS: list[tuple[str, list[Reply], type[nixflex.NixflexError] | None]] = [
    ("phone_numbers.list", [ENDPOINTS["phone_numbers.list"].success], None),
    ("phone_numbers.list", [Reply.stall()] * 3, nixflex.APITimeoutError),
    ("numbers.create", [Reply.close()], nixflex.APIConnectionError),
    ("numbers.release", [Reply.reset()] * 3, nixflex.APIConnectionError),
    ("phone_numbers.update", [Reply.truncated({"x": "y" * 100})] * 3, nixflex.APIConnectionError),
    ("numbers.list", [Reply.json({"error": "busy"}, 503)] * 3, nixflex.InternalServerError),
    ("phone_numbers.create", [Reply.stalled_body({"x": "y" * 100}, 201)], nixflex.APITimeoutError),
    ("phone_numbers.delete", [Reply.redirect("http://127.0.0.1:9/", 302)], nixflex.APIStatusError),
    (
        "numbers.messages.list",
        [
            Reply.json({"error": "slow"}, 429),
            Reply.close(),
            ENDPOINTS["numbers.messages.list"].success,
        ],
        None,
    ),
    ("phone_numbers.list", [Reply.raw(b"garbage\r\n\r\n")] * 3, nixflex.APIConnectionError),
    ("phone_numbers.list", [ENDPOINTS["phone_numbers.list"].success], None),
]


async def test_no_connection_stays_open_after_errors_and_retries(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float]
) -> None:
    fds_before = open_fds()
    async with open_client(client_kind, loopback.url, timeout=FAST) as client:
        for endpoint, replies, expected in FAULTS_THEN_ANSWERS:
            loopback.script(*replies)
            if expected is None:
                await call_on(client, endpoint)
            else:
                with pytest.raises(expected):
                    await call_on(client, endpoint)
            # A broken or timed-out connection is closed at once; at most the one that
            # brought the last whole answer stays, idle in the pool, for the next call.
            assert await settle(loopback, at_most=1) <= 1, endpoint
        assert loopback.accepted > 10  # the faults above did open (and close) connections
    assert await settle(loopback) == 0
    assert open_fds() == fds_before


async def test_close_is_safe_to_repeat_and_a_closed_client_says_so(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float]
) -> None:
    loopback.script(Reply.json({"error": "busy"}, 503), Reply.close(), Reply.reset())
    async with open_client(client_kind, loopback.url, timeout=FAST) as client:
        with pytest.raises(nixflex.APIConnectionError):
            await call_on(client, "phone_numbers.list")
        copy = client.with_options(max_retries=0)
        for _ in range(2):
            if isinstance(client, nixflex.AsyncClient):
                await client.aclose()
            else:
                client.close()
        assert client.is_closed
        assert copy.is_closed  # it shares the pool
        with pytest.raises(nixflex.NixflexError, match="closed"):
            await call_on(client, "phone_numbers.list")
    # Leaving the `with` block closed it a third time, without complaint.
    assert await settle(loopback) == 0
    assert len(loopback.requests) == 3


async def test_closing_a_with_options_copy_leaves_the_pool_open(
    loopback: LoopbackServer, client_kind: str
) -> None:
    loopback.handler = lambda request: ENDPOINTS["phone_numbers.list"].success
    async with open_client(client_kind, loopback.url, timeout=FAST) as client:
        copy = client.with_options(timeout=2.0)
        for _ in range(2):
            if isinstance(copy, nixflex.AsyncClient):
                await copy.aclose()
            else:
                copy.close()
        assert not client.is_closed
        assert await call_on(copy, "phone_numbers.list") == ENDPOINTS["phone_numbers.list"].result
    assert await settle(loopback) == 0


async def test_an_error_inside_the_with_block_still_closes_the_pool(
    loopback: LoopbackServer, client_kind: str
) -> None:
    loopback.script(ENDPOINTS["phone_numbers.list"].success)
    fds_before = open_fds()
    clients: list[AnyClient] = []

    async def use_then_fail() -> None:
        async with open_client(client_kind, loopback.url, timeout=FAST) as client:
            clients.append(client)
            await call_on(client, "phone_numbers.list")
            assert loopback.open_connections == 1
            raise RuntimeError("the caller's own error")

    with pytest.raises(RuntimeError, match="the caller's own error"):
        await use_then_fail()
    [client] = clients
    assert client.is_closed
    assert await settle(loopback) == 0
    assert open_fds() == fds_before


async def test_a_cancelled_async_call_leaks_no_connection(loopback: LoopbackServer) -> None:
    loopback.script(Reply.stall(), ENDPOINTS["phone_numbers.list"].success)
    fds_before = open_fds()
    async with nixflex.AsyncClient(api_key=API_KEY, base_url=loopback.url, timeout=5.0) as client:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.phone_numbers.list(), timeout=0.1)
        # The cancelled request's connection is closed, not returned to the pool half-read.
        assert await settle(loopback) == 0
        assert await client.phone_numbers.list() == ENDPOINTS["phone_numbers.list"].result
    assert await settle(loopback) == 0
    assert open_fds() == fds_before


# --- concurrency ---------------------------------------------------------------------------------


class FlakyPerAgent:
    """Answers `GET /v1/phone-numbers?agent_id=agent_N` with agent N's own number, after a
    first attempt that fails for some N: a 503 when N % 10 == 0, a closed connection when
    N % 10 == 1. Each answer names its agent, so a mixed-up answer shows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tried: set[str] = set()
        self.faults = 0

    def __call__(self, request: Recorded) -> Reply:
        agent = request.param("agent_id") or ""
        number = int(agent.removeprefix("agent_"))
        with self._lock:
            first = agent not in self._tried
            self._tried.add(agent)
            if first and number % 10 in (0, 1):
                self.faults += 1
        if first and number % 10 == 0:
            return Reply.json({"error": "busy"}, 503)
        if first and number % 10 == 1:
            return Reply.close()
        return Reply.json({"phone_numbers": [expected_answer(number)]})


def expected_answer(number: int) -> dict[str, Any]:
    return {"phone_number": f"+1555{number:07d}", "agent_id": f"agent_{number}"}


def check_answer(number: int, answer: object) -> None:
    assert answer == [nixflex.PhoneNumber(**expected_answer(number))], number


async def test_500_concurrent_calls_on_one_async_client_all_complete(
    loopback: LoopbackServer, sleeps: list[float]
) -> None:
    server = FlakyPerAgent()
    loopback.handler = server
    fds_before = open_fds()
    # A generous timeout: 400 of the calls queue for one of the pool's 100 connections, and
    # httpcore's queue is slow to serve that many (seconds, not milliseconds).
    async with open_client("async", loopback.url, timeout=60.0) as client:
        assert isinstance(client, nixflex.AsyncClient)
        answers = await asyncio.gather(
            *(client.phone_numbers.list(agent_id=f"agent_{n}") for n in range(500))
        )
        for number, answer in enumerate(answers):
            check_answer(number, answer)
        # The SDK's pool keeps idle connections up to its size (100), to serve the next burst.
        assert await settle(loopback, at_most=100) <= 100
    assert server.faults == 100
    assert len(loopback.requests) == 600
    assert len(sleeps) == 100
    assert await settle(loopback) == 0
    assert open_fds() == fds_before


async def test_a_sync_client_shared_by_threads_works(
    loopback: LoopbackServer, sleeps: list[float]
) -> None:
    server = FlakyPerAgent()
    loopback.handler = server
    fds_before = open_fds()
    async with open_client("sync", loopback.url, timeout=10.0) as client:
        assert isinstance(client, nixflex.Client)
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(
                pool.map(lambda n: client.phone_numbers.list(agent_id=f"agent_{n}"), range(200))
            )
        for number, answer in enumerate(answers):
            check_answer(number, answer)
    assert server.faults == 40
    assert len(loopback.requests) == 240
    assert await settle(loopback) == 0
    assert open_fds() == fds_before


async def test_concurrent_calls_across_with_options_copies_share_one_pool(
    loopback: LoopbackServer,
) -> None:
    loopback.handler = lambda request: ENDPOINTS["phone_numbers.list"].success
    async with open_client("async", loopback.url, timeout=10.0) as client:
        copies = [client.with_options(timeout=5.0 + n) for n in range(5)]
        calls = [run(copy.phone_numbers.list()) for copy in copies for _ in range(20)]
        assert await asyncio.gather(*calls) == [ENDPOINTS["phone_numbers.list"].result] * 100
    assert await settle(loopback) == 0
