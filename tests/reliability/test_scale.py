"""Many calls at once on one async client: a cold burst completes, the pool neither churns nor
collapses, and a call waiting its turn can be cancelled (see `src/nixflex/_pool.py`).

Each test runs on the async client under asyncio and trio and over `DefaultAioHttpClient`,
against the loopback server, and is bounded in time; none asserts how long anything took.
"""

from __future__ import annotations

import anyio
import pytest

import nixflex
from tests.loopback import LoopbackServer, Recorded, Reply
from tests.support import open_client

pytestmark = [pytest.mark.reliability, pytest.mark.anyio]

ASYNC_KINDS = ["async", "trio", "aiohttp"]
BURST = 1000
POOL_SIZE = 100
# A pool that churns opens about one connection per call; one that queues, about its size.
CONNECTIONS_AT_MOST = 2 * POOL_SIZE
# Bounds a test that would otherwise hang (a collapsed pool); a healthy run takes seconds.
CEILING = 120.0


def answer_for_agent(request: Recorded) -> Reply:
    """A one-number list whose agent is the one the call asked for."""
    agent = request.param("agent_id")
    return Reply.json(
        {
            "phone_numbers": [
                {
                    "phone_number": "+447446466847",
                    "agent_id": agent,
                    "created_at": "2025-01-15T10:45:00Z",
                }
            ]
        }
    )


@pytest.mark.parametrize("client_kind", ASYNC_KINDS)
async def test_a_cold_burst_of_1000_calls_all_complete_and_leave_the_client_usable(
    loopback: LoopbackServer, client_kind: str
) -> None:
    loopback.handler = answer_for_agent
    answers: dict[int, str | None] = {}

    async def call(client: nixflex.AsyncClient, number: int) -> None:
        numbers = await client.phone_numbers.list(agent_id=f"agent_{number}")
        answers[number] = numbers[0].agent_id

    # A fresh client: no connection is open when the 1,000 calls start together.
    async with open_client(client_kind, loopback.url, max_retries=0) as client:
        assert isinstance(client, nixflex.AsyncClient)
        with anyio.fail_after(CEILING):
            async with anyio.create_task_group() as group:
                for number in range(BURST):
                    group.start_soon(call, client, number)
            # Usable afterwards: the next call goes through at once.
            assert await client.phone_numbers.list(agent_id="agent_after")
    assert answers == {number: f"agent_{number}" for number in range(BURST)}
    assert len(loopback.requests) == BURST + 1
    # Calls beyond the pool waited their turn instead of opening (and dropping) a connection
    # each: the pool's connections, and a few more where one expired (5 s idle on a busy loop).
    assert loopback.accepted <= CONNECTIONS_AT_MOST


@pytest.mark.parametrize("client_kind", ASYNC_KINDS)
async def test_idle_connections_are_kept_up_to_the_pool_size(
    loopback: LoopbackServer, client_kind: str
) -> None:
    loopback.handler = answer_for_agent
    async with open_client(client_kind, loopback.url) as client:
        assert isinstance(client, nixflex.AsyncClient)
        with anyio.fail_after(CEILING):
            for _ in range(3):  # three bursts of 300: the second and third reuse the first's
                async with anyio.create_task_group() as group:
                    for number in range(300):
                        group.start_soon(client.phone_numbers.list, f"agent_{number}")
    assert len(loopback.requests) == 900
    assert loopback.accepted <= CONNECTIONS_AT_MOST


@pytest.mark.parametrize("client_kind", ASYNC_KINDS)
async def test_calls_cancelled_while_waiting_their_turn_leave_the_pool_whole(
    loopback: LoopbackServer, client_kind: str
) -> None:
    loopback.handler = answer_for_agent
    async with open_client(client_kind, loopback.url, max_retries=0) as client:
        assert isinstance(client, nixflex.AsyncClient)
        with anyio.fail_after(CEILING):
            # 500 calls, all cancelled at once while most of them wait for a connection.
            async with anyio.create_task_group() as group:
                for number in range(500):
                    group.start_soon(client.phone_numbers.list, f"agent_{number}")
                await anyio.sleep(0.05)
                group.cancel_scope.cancel()
            # Every place in front of the pool came back: a full burst still goes through.
            async with anyio.create_task_group() as group:
                for number in range(300):
                    group.start_soon(client.phone_numbers.list, f"agent_{number}")
            assert await client.phone_numbers.list(agent_id="agent_after")
