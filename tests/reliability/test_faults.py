"""Faults over a real socket: what is retried, how often, after how long, and what never is.

Every test here runs on both clients against the loopback server (`tests/loopback.py`), which
reads each request whole (body included) before it misbehaves, so "the server read the body and
then..." is literally what happens. A scripted server fails the test on any request beyond its
script: a POST retried once too often is caught twice, by the count and by the script.

Retry delays are recorded instead of slept (`patch_sleeps`, the `sleeps` fixture), except in
`test_retry_after_is_slept_on_for_real` and `test_a_retried_429_pauses_every_call_of_the_client`,
which wait for real.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

import nixflex
from tests.loopback import LoopbackServer, Reply
from tests.reliability.calls import ENDPOINTS, IDEMPOTENT, POSTS, patch_sleeps
from tests.support import open_client

pytestmark = [pytest.mark.reliability, pytest.mark.anyio]

# Connecting, writing and waiting for a free connection get 2 s; waiting for an answer gets
# little, so that a stalled server costs a test a fraction of a second.
STALL_ONLY = httpx.Timeout(2.0, read=0.03)  # every answer stalls: any read timeout will do
THEN_ANSWER = httpx.Timeout(2.0, read=0.15)  # a real answer must come within it (~1 ms here)

ERROR_BODY = {"error": {"code": "unavailable", "message": "try again later"}}
RATE_LIMITED = {"error": {"code": "rate_limited", "message": "slow down"}}

# What a server that has read the whole request can do instead of answering it: each of these
# may mean the request was processed, so a POST must never be sent again.
MAY_HAVE_LANDED: dict[str, tuple[Reply, type[nixflex.NixflexError]]] = {
    "stall": (Reply.stall(), nixflex.APITimeoutError),
    "stall-mid-body": (Reply.stalled_body(ERROR_BODY), nixflex.APITimeoutError),
    "close": (Reply.close(), nixflex.APIConnectionError),
    "reset": (Reply.reset(), nixflex.APIConnectionError),
    "truncated": (Reply.truncated(ERROR_BODY), nixflex.APIConnectionError),
    "408": (Reply.json(ERROR_BODY, 408), nixflex.APIStatusError),
    "500": (Reply.json(ERROR_BODY, 500), nixflex.InternalServerError),
    "502": (Reply.text("<html>Bad Gateway</html>", 502), nixflex.InternalServerError),
    "503": (Reply.json(ERROR_BODY, 503), nixflex.InternalServerError),
    "504": (Reply.text("<html>Gateway Timeout</html>", 504), nixflex.InternalServerError),
}
# What GET, PATCH and DELETE are retried on: all of the above, and 429.
TRANSIENT: dict[str, tuple[Reply, type[nixflex.NixflexError]]] = {
    **MAY_HAVE_LANDED,
    "429": (Reply.json(RATE_LIMITED, 429), nixflex.RateLimitError),
}
STALLS = ("stall", "stall-mid-body")


def timeout_for(fault: str, *, then_answer: bool) -> httpx.Timeout:
    if fault in STALLS and not then_answer:
        return STALL_ONLY
    return THEN_ANSWER


def attempts_logged(records: list[logging.LogRecord]) -> list[str]:
    """What each attempt ended in, from the `nixflex` logger's per-attempt DEBUG line."""
    outcomes: list[str] = []
    for record in records:
        found = re.search(r" -> (\S+) in .* \(attempt (\d+) of", record.getMessage())
        if record.name == "nixflex" and found:
            assert int(found[2]) == len(outcomes) + 1
            outcomes.append(found[1])
    return outcomes


@contextmanager
def unanswered_port() -> Iterator[str]:
    """A URL whose port accepts no connection and refuses none: connecting times out.

    A listening socket with a backlog of 0 that already holds one connection it never accepts:
    Linux then drops every further SYN, as a firewall that drops packets does.
    """
    listener = socket.socket()
    filler = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        filler.connect(listener.getsockname())
        host, port = listener.getsockname()
        yield f"http://{host}:{port}"
    finally:
        filler.close()
        listener.close()


# --- POST: exactly once where it may have landed -------------------------------------------------


@pytest.mark.parametrize("fault", MAY_HAVE_LANDED)
@pytest.mark.parametrize("endpoint", POSTS)
async def test_a_post_the_server_read_is_sent_exactly_once(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], endpoint: str, fault: str
) -> None:
    call = ENDPOINTS[endpoint]
    reply, error = MAY_HAVE_LANDED[fault]
    # One reply scripted: a second POST is a test failure even before the count below.
    loopback.script(reply)
    timeout = timeout_for(fault, then_answer=False)
    async with open_client(client_kind, loopback.url, timeout=timeout, max_retries=5) as client:
        with pytest.raises(error):
            await call.invoke(client)

    sent = [(request.method, request.path) for request in loopback.requests]
    assert sent == [("POST", call.path)], "a POST that may have been processed was sent again"
    assert loopback.requests[0].body, "the server read the body before misbehaving"
    assert sleeps == []


@pytest.mark.parametrize("endpoint", POSTS)
async def test_a_post_is_retried_on_429_with_the_same_body(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], endpoint: str
) -> None:
    call = ENDPOINTS[endpoint]
    loopback.script(Reply.json(RATE_LIMITED, 429), Reply.json(RATE_LIMITED, 429), call.success)
    async with open_client(client_kind, loopback.url, timeout=THEN_ANSWER) as client:
        assert await call.invoke(client) == call.result

    first, second, third = loopback.requests
    assert first.body == second.body == third.body
    assert len(sleeps) == 2


@pytest.mark.parametrize("endpoint", POSTS)
async def test_a_post_is_retried_when_the_connection_was_refused(
    client_kind: str, monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    # The port is bound but not listening, so the first connection is refused; the client's
    # first retry delay makes it listen. The call can only succeed by trying again, and the
    # server sees the one POST that got through.
    call = ENDPOINTS[endpoint]
    with LoopbackServer(listening=False) as server:
        server.script(call.success)
        delays = patch_sleeps(monkeypatch, lambda n: server.listen() if n == 1 else None)
        async with open_client(client_kind, server.url, timeout=THEN_ANSWER) as client:
            assert await call.invoke(client) == call.result
    assert server.errors == []
    [request] = server.requests
    assert (request.method, request.path) == ("POST", call.path)
    assert len(delays) == 1
    assert 0.375 <= delays[0] <= 0.5


@pytest.mark.parametrize("endpoint", POSTS)
async def test_a_post_to_a_port_that_always_refuses_stops_after_max_retries(
    client_kind: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    endpoint: str,
) -> None:
    delays = patch_sleeps(monkeypatch)
    with LoopbackServer(listening=False) as server:
        async with open_client(client_kind, server.url, max_retries=3) as client:
            with (
                caplog.at_level(logging.DEBUG, logger="nixflex"),
                pytest.raises(nixflex.APIConnectionError) as caught,
            ):
                await ENDPOINTS[endpoint].invoke(client)
    assert not isinstance(caught.value, nixflex.APITimeoutError)
    assert attempts_logged(caplog.records) == ["ConnectError"] * 4
    assert len(delays) == 3
    assert server.requests == []


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs")
@pytest.mark.parametrize("endpoint", POSTS)
async def test_a_post_whose_connection_timed_out_is_retried(
    client_kind: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    endpoint: str,
) -> None:
    delays = patch_sleeps(monkeypatch)
    timeout = httpx.Timeout(2.0, connect=0.05)
    with unanswered_port() as url:
        async with open_client(client_kind, url, timeout=timeout) as client:
            with (
                caplog.at_level(logging.DEBUG, logger="nixflex"),
                pytest.raises(nixflex.APITimeoutError),
            ):
                await ENDPOINTS[endpoint].invoke(client)
    assert attempts_logged(caplog.records) == ["ConnectTimeout"] * 3
    assert len(delays) == 2


# --- GET, PATCH, DELETE: retried on the same faults, up to max_retries ---------------------------


# The stall mid-body costs a read timeout long enough for a real answer; the test below covers
# it, and its retry, with a shorter one.
@pytest.mark.parametrize("fault", [fault for fault in TRANSIENT if fault != "stall-mid-body"])
@pytest.mark.parametrize("endpoint", IDEMPOTENT)
async def test_an_idempotent_call_is_retried_after_a_fault(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], endpoint: str, fault: str
) -> None:
    call = ENDPOINTS[endpoint]
    reply, _ = TRANSIENT[fault]
    loopback.script(reply, call.success)
    timeout = timeout_for(fault, then_answer=True)
    async with open_client(client_kind, loopback.url, timeout=timeout) as client:
        assert await call.invoke(client) == call.result

    first, second = loopback.requests
    assert (first.method, first.target, first.body) == (second.method, second.target, second.body)
    assert first.path == call.path
    assert len(sleeps) == 1


@pytest.mark.parametrize("fault", TRANSIENT)
@pytest.mark.parametrize("endpoint", IDEMPOTENT)
async def test_an_idempotent_call_stops_after_max_retries(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], endpoint: str, fault: str
) -> None:
    call = ENDPOINTS[endpoint]
    reply, error = TRANSIENT[fault]
    loopback.handler = lambda request: reply  # the same fault for ever
    timeout = timeout_for(fault, then_answer=False)
    async with open_client(client_kind, loopback.url, timeout=timeout, max_retries=2) as client:
        with pytest.raises(error):
            await call.invoke(client)

    assert [(r.method, r.path) for r in loopback.requests] == [(call.method, call.path)] * 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("max_retries", [0, 1, 4])
@pytest.mark.parametrize(
    "endpoint", ["phone_numbers.list", "phone_numbers.update", "numbers.release"]
)
async def test_max_retries_is_the_number_of_retries(
    loopback: LoopbackServer,
    client_kind: str,
    sleeps: list[float],
    endpoint: str,
    max_retries: int,
) -> None:
    loopback.handler = lambda request: Reply.json(ERROR_BODY, 503)
    async with open_client(client_kind, loopback.url, max_retries=max_retries) as client:
        with pytest.raises(nixflex.InternalServerError):
            await ENDPOINTS[endpoint].invoke(client)
    assert len(loopback.requests) == max_retries + 1
    assert len(sleeps) == max_retries


@pytest.mark.parametrize("endpoint", IDEMPOTENT)
async def test_an_idempotent_call_is_retried_until_the_port_listens(
    client_kind: str, monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    call = ENDPOINTS[endpoint]
    with LoopbackServer(listening=False) as server:
        server.script(call.success)
        # Refused twice; the second retry delay makes the port listen: the third try succeeds.
        delays = patch_sleeps(monkeypatch, lambda n: server.listen() if n == 2 else None)
        async with open_client(client_kind, server.url, timeout=THEN_ANSWER) as client:
            assert await call.invoke(client) == call.result
    assert server.errors == []
    assert [(r.method, r.path) for r in server.requests] == [(call.method, call.path)]
    assert len(delays) == 2


@pytest.mark.parametrize("endpoint", IDEMPOTENT)
async def test_an_idempotent_call_to_a_refusing_port_stops_after_max_retries(
    client_kind: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    endpoint: str,
) -> None:
    delays = patch_sleeps(monkeypatch)
    with LoopbackServer(listening=False) as server:
        async with open_client(client_kind, server.url) as client:
            with (
                caplog.at_level(logging.DEBUG, logger="nixflex"),
                pytest.raises(nixflex.APIConnectionError),
            ):
                await ENDPOINTS[endpoint].invoke(client)
    assert attempts_logged(caplog.records) == ["ConnectError"] * 3
    assert len(delays) == 2


# --- Retry-After and backoff ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "answer"),
    [
        ("numbers.create", (429, "2", 2.0)),
        ("phone_numbers.create", (429, "7.5", 7.5)),
        ("phone_numbers.list", (429, "3", 3.0)),
        ("phone_numbers.update", (503, "4", 4.0)),
        ("numbers.release", (502, "0", 0.0)),
        ("numbers.list", (503, "60", 60.0)),
    ],
)
async def test_retry_after_in_seconds_replaces_the_backoff(
    loopback: LoopbackServer,
    client_kind: str,
    sleeps: list[float],
    endpoint: str,
    answer: tuple[int, str, float],
) -> None:
    status, header, expected = answer
    call = ENDPOINTS[endpoint]
    loopback.script(Reply.json(ERROR_BODY, status, {"Retry-After": header}), call.success)
    async with open_client(client_kind, loopback.url, timeout=THEN_ANSWER) as client:
        assert await call.invoke(client) == call.result
    # A 429's wait is measured from when it arrived: a hair less than asked by the time it runs.
    assert sleeps == [pytest.approx(expected, abs=0.1)]


@pytest.mark.parametrize(
    ("endpoint", "status"),
    [("numbers.create", 429), ("phone_numbers.list", 429), ("phone_numbers.delete", 503)],
)
async def test_retry_after_as_an_http_date_is_honoured(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], endpoint: str, status: int
) -> None:
    call = ENDPOINTS[endpoint]

    def in_30_seconds(request: object) -> Reply:
        date = email.utils.formatdate(time.time() + 30, usegmt=True)
        return Reply.json(ERROR_BODY, status, {"Retry-After": date})

    loopback.script(in_30_seconds, call.success)
    async with open_client(client_kind, loopback.url, timeout=THEN_ANSWER) as client:
        assert await call.invoke(client) == call.result
    [slept] = sleeps
    assert 28.5 <= slept <= 30.0  # the date has whole seconds: up to 1 s is cut off


@pytest.mark.parametrize(
    "endpoint", ["numbers.create", "phone_numbers.create", "phone_numbers.list", "numbers.release"]
)
@pytest.mark.parametrize("seconds", [61, 3600, 7200])
async def test_a_retry_after_beyond_the_cap_is_raised_at_once_with_when_to_come_back(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], endpoint: str, seconds: int
) -> None:
    status = 503 if endpoint == "numbers.release" else 429
    # 61 s and 3600 s as a number of seconds, two hours as an HTTP date.
    if seconds == 7200:
        header = email.utils.formatdate(time.time() + seconds, usegmt=True)
    else:
        header = str(seconds)
    loopback.script(Reply.json(RATE_LIMITED, status, {"Retry-After": header}))
    async with open_client(client_kind, loopback.url) as client:
        with pytest.raises(
            nixflex.RateLimitError if status == 429 else nixflex.InternalServerError
        ) as caught:
            await ENDPOINTS[endpoint].invoke(client)
    assert isinstance(caught.value, nixflex.APIStatusError)
    assert caught.value.retry_after == pytest.approx(seconds, abs=2)
    assert len(loopback.requests) == 1
    assert sleeps == []


async def test_retry_after_is_slept_on_for_real(loopback: LoopbackServer, client_kind: str) -> None:
    call = ENDPOINTS["numbers.create"]
    loopback.script(Reply.json(RATE_LIMITED, 429, {"Retry-After": "1"}), call.success)
    async with open_client(client_kind, loopback.url, timeout=THEN_ANSWER) as client:
        started = time.monotonic()
        assert await call.invoke(client) == call.result
        elapsed = time.monotonic() - started
    first, second = loopback.requests
    assert second.received_at - first.received_at >= 1.0
    assert 1.0 <= elapsed < 3.0


async def test_a_retried_429_pauses_every_call_of_the_client(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    # One call gets a 429 with Retry-After: 1. Calls started after it, on the same client, wait
    # out the same second before they send anything, instead of each spending a retry on it.
    def handler(request: object) -> Reply:
        if len(loopback.requests) == 1:
            return Reply.json(RATE_LIMITED, 429, {"Retry-After": "1"})
        return Reply.json({"phone_numbers": []})

    loopback.handler = handler
    async with open_client("async", loopback.url, timeout=5.0) as client:
        assert isinstance(client, nixflex.AsyncClient)
        with caplog.at_level(logging.DEBUG, logger="nixflex"):
            limited = asyncio.ensure_future(client.phone_numbers.list(agent_id="agent_0"))
            deadline = time.monotonic() + 2.0
            while not any("retrying in" in r.getMessage() for r in caplog.records):
                assert time.monotonic() < deadline, "the 429 was never retried"
                await asyncio.sleep(0.002)
            others = [client.phone_numbers.list(agent_id=f"agent_{n}") for n in range(1, 6)]
            assert await asyncio.gather(limited, *others) == [[]] * 6

    limited_at = loopback.requests[0].received_at
    later = loopback.requests[1:]
    assert len(later) == 6
    assert all(r.received_at - limited_at >= 0.95 for r in later)


async def test_backoff_delays_stay_within_their_documented_bounds(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float]
) -> None:
    # Retry n waits min(0.5 * 2 ** (n - 1), 8) s, less a jitter of up to 25 %.
    loopback.handler = lambda request: Reply.json(ERROR_BODY, 503)
    async with open_client(client_kind, loopback.url, max_retries=6) as client:
        with pytest.raises(nixflex.InternalServerError):
            await ENDPOINTS["phone_numbers.list"].invoke(client)
    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(sleeps) == len(ceilings)
    for slept, ceiling in zip(sleeps, ceilings, strict=True):
        assert 0.75 * ceiling <= slept <= ceiling
    assert len(loopback.requests) == 7


async def test_a_retry_after_that_is_not_a_delay_falls_back_to_the_backoff(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float]
) -> None:
    call = ENDPOINTS["phone_numbers.list"]
    loopback.script(
        Reply.json(ERROR_BODY, 503, {"Retry-After": "soon"}),
        Reply.json(ERROR_BODY, 503, {"Retry-After": "Mon, 32 Foo 2024 99:99:99 GMT"}),
        call.success,
    )
    async with open_client(client_kind, loopback.url, timeout=THEN_ANSWER) as client:
        assert await call.invoke(client) == call.result
    assert 0.375 <= sleeps[0] <= 0.5
    assert 0.75 <= sleeps[1] <= 1.0
