"""Where applications run clients: forked workers, one event loop after another, trio, cancellation.

Each test drives real calls over loopback HTTP against the emulator's server. The fork tests fork
the test process itself, as gunicorn `--preload` and Celery prefork do with an application that
made a client before forking; the child reports through a pipe and leaves with `os._exit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest

import nixflex
from nixflex.testing import FakeNixflex, FakeServer

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform"),
]

AGENTS = ("agent_parent", "agent_child")


@pytest.fixture
def served() -> Iterator[tuple[FakeServer, str]]:
    """A loopback emulator with one number on each of two agents, and the account's key."""
    # No rate limits: 5,000 calls in a few seconds are the point here, not pacing.
    fake = FakeNixflex(seed=11, record_requests=False, rate_limits=None)
    account = fake.add_account()
    fake.add_twilio_account(numbers=["+447700900001", "+447700900002"])
    for agent_id, number in zip(AGENTS, ["+447700900001", "+447700900002"], strict=True):
        fake.add_agent(account, agent_id=agent_id)
        fake.import_phone_number(phone_number=number, agent_id=agent_id)
    with fake.serve() as server:
        yield server, account.api_key


def fork_and_both(work: Callable[[str], bool]) -> tuple[bool, bool]:
    """Fork; parent and child each run `work(their agent)` at once; both results, the child's
    read from a pipe. The child never returns into the test."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads (the emulator's) may deadlock:
        # that hazard is exactly what the client must survive.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which reports through the pipe
        ok = False
        try:
            ok = work(AGENTS[1])
        finally:
            os.write(write_end, b"1" if ok else b"0")
            os._exit(0)
    try:
        parent_ok = work(AGENTS[0])
    finally:
        os.waitpid(pid, 0)
        child_ok = os.read(read_end, 1) == b"1"
        os.close(read_end)
        os.close(write_end)
    return parent_ok, child_ok


def lists_only(client: nixflex.Client, agent_id: str) -> bool:
    try:
        return [n.agent_id for n in client.phone_numbers.list(agent_id=agent_id)] == [agent_id]
    except nixflex.NixflexError:
        return False


# --- fork ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("through", ["client", "with_options copy"])
def test_a_client_used_before_a_fork_never_shares_a_connection_with_the_child(
    served: tuple[FakeServer, str], through: str
) -> None:
    # Sharing the parent's keep-alive socket, each process would read the other's answer
    # (24 wrong answers in 60 before clients noticed the fork).
    server, api_key = served
    with nixflex.Client(api_key=api_key, base_url=server.url, timeout=2) as client:
        used = client if through == "client" else client.with_options(max_retries=1)
        for _ in range(20):
            used.phone_numbers.list()  # a keep-alive connection, inherited by the child
            assert fork_and_both(lambda agent: lists_only(used, agent)) == (True, True)


def test_an_async_client_used_before_a_fork_works_in_the_child(
    served: tuple[FakeServer, str],
) -> None:
    server, api_key = served
    client = nixflex.AsyncClient(api_key=api_key, base_url=server.url, timeout=2)

    def lists(agent_id: str) -> bool:
        async def call() -> list[nixflex.PhoneNumber]:
            return await client.phone_numbers.list(agent_id=agent_id)

        try:
            return [n.agent_id for n in asyncio.run(call())] == [agent_id]
        except nixflex.NixflexError:
            return False

    with _ignoring_dropped_sockets():
        assert lists(AGENTS[0])
        for _ in range(5):
            assert fork_and_both(lists) == (True, True)
        asyncio.run(client.aclose())
    assert client.is_closed


# --- event loops ---------------------------------------------------------------------------------


def test_an_async_client_works_on_one_event_loop_after_another(
    served: tuple[FakeServer, str],
) -> None:
    # Jupyter cells, asyncio.run() twice, a loop per test: the first loop's connections are
    # dropped, the call goes out on a fresh one, and aclose() on yet another loop raises nothing.
    import trio

    server, api_key = served
    client = nixflex.AsyncClient(api_key=api_key, base_url=server.url, timeout=2)

    async def call() -> list[nixflex.PhoneNumber]:
        return await client.phone_numbers.list(agent_id=AGENTS[0])

    with _ignoring_dropped_sockets():
        results = [asyncio.run(call()), asyncio.run(call()), trio.run(call), trio.run(call)]
        results.append(asyncio.run(call()))
        asyncio.run(client.aclose())
    assert [[n.agent_id for n in result] for result in results] == [[AGENTS[0]]] * 5
    assert client.is_closed


# --- cancellation --------------------------------------------------------------------------------


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.anyio
async def test_thousands_of_random_cancellations_leave_the_pool_usable(
    served: tuple[FakeServer, str], anyio_backend: str
) -> None:
    # httpcore 1.0.9 leaks a slot of its pool for a call cancelled while its connection is
    # being made (encode/httpcore#1093): after enough of them every call fails with PoolTimeout.
    server, api_key = served
    rng = random.Random(5)
    async with nixflex.AsyncClient(api_key=api_key, base_url=server.url, timeout=5) as client:

        async def cancelled_call() -> None:
            with anyio.move_on_after(rng.uniform(0, 0.02)):
                await client.phone_numbers.list()

        for _ in range(100):  # 5,000 calls, 50 at a time, each cancelled 0-20 ms in
            async with anyio.create_task_group() as group:
                for _ in range(50):
                    group.start_soon(cancelled_call)

        with anyio.fail_after(10):
            assert await client.phone_numbers.list(agent_id=AGENTS[0])
        # No connection is left busy with no call on it.
        assert _busy_connections(client) == 0


def _busy_connections(client: nixflex.AsyncClient) -> int:
    pool: Any = client._pool.current._transport._pool  # type: ignore[attr-defined]
    return sum(1 for c in pool.connections if not c.is_idle() and not c.is_closed())


@contextlib.contextmanager
def _ignoring_dropped_sockets() -> Iterator[None]:
    """The connections of an event loop that has closed cannot be closed any more; the garbage
    collector closes their sockets and says so with a ResourceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        yield
        gc.collect()  # here, not in a later test
