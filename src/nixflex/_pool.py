"""The connection pool a client and its `with_options` copies share, and when to make a new one.

httpx's pool assumes one process, one event loop and requests that end. Applications break all
three, and each case gets a fresh pool with the same settings:

- **Fork.** A gunicorn `--preload` or Celery prefork worker inherits a client that was used
  before the fork, with its keep-alive sockets: parent and child would write requests on the
  same socket and each read the other's answer. The child's first call makes a fresh pool; the
  inherited one is kept referenced and never closed (closing it would shut down, and for TLS
  write on, sockets that are the parent's), so its sockets stay the parent's. A lock an
  inherited pool's thread held at fork time stays held in the child: the fresh pool has its own.
- **Another event loop.** An `AsyncClient` used under a second `asyncio.run()` (a Jupyter cell,
  a test with a loop of its own) or `trio.run()` would reuse connections bound to the first,
  closed loop ("Event loop is closed"). A call on another loop makes a fresh pool for it.
- **Cancelled calls.** httpcore 1.0.9 leaks a connection slot when a request is cancelled while
  its connection is being made (encode/httpcore#1093); after enough cancellations every call
  fails with `PoolTimeout`. After a cancelled call the pool is checked: if it holds more busy
  connections than the client has calls in flight, some belong to no call, and new calls go to
  a fresh pool; the old one is closed when its last call ends.

A pool of the user's own (`http_client=`) is never replaced: it is theirs, with settings the SDK
cannot copy. The checks cost a counter comparison per call (and, on the async client, a look at
the running loop).

The pools the SDK makes are also sized so that many calls at once queue rather than collapse
(`DEFAULT_LIMITS`, `gated`):

- **Idle connections up to the pool's size.** httpcore 1.0.9 closes a connection that falls
  idle whenever the pool holds more connections than `max_keepalive_connections` (its check
  counts every connection, not the idle ones), so with httpx's default of 20 a fan-out of more
  than 20 calls opens a new connection for nearly every call.
- **A gate in front of the async pool.** httpcore's async pool walks every queued request and
  every connection on each request that arrives or ends, so 1,000 calls queued on 100
  connections cost it about 10^5 steps per event: the event loop starves, connections time out
  while being made, and a cold burst of 1,000 calls ends in `PoolTimeout`s (or stalls) with the
  pool left holding connections that never finished connecting. `gated` lets at most the pool's
  size of requests into it at once; the others wait their turn, in order, on a semaphore.
"""

from __future__ import annotations

import math
import os
import sys
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

import httpx

H = TypeVar("H", httpx.Client, httpx.AsyncClient)

DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0
)
"""The pools the SDK makes: httpx's 100 connections, all of them kept alive when idle (5 s)."""

# How many times this process is a forked child of the one that imported nixflex: a pool made
# in another generation holds the parent's sockets.
_generation = 0


def _after_fork_in_child() -> None:
    global _generation  # noqa: PLW0603 - a per-process counter, written only by the fork hook
    _generation += 1


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Lease(Generic[H]):
    """One httpx client of a `Pool`, and how many calls are in flight on it."""

    __slots__ = ("http", "in_flight", "retired")
    http: H
    in_flight: int
    retired: bool

    def __init__(self, http: H) -> None:
        self.http = http
        self.in_flight = 0
        self.retired = False


class Pool(Generic[H]):
    """The httpx client a client's calls go through, made again where it cannot be used.

    Args:
        http: the first httpx client.
        make: makes another with the same settings; `None` for the user's own client, which is
            never replaced.
    """

    def __init__(self, http: H, make: Callable[[], H] | None) -> None:
        self._make: Callable[[], H] | None = make
        self._lease: Lease[H] = Lease(http)
        self._generation = _generation
        self._loop: Any = None  # the event loop the lease's connections belong to (async)
        self._inherited: list[H] = []  # a forked child's: never closed, never collected

    @property
    def owned(self) -> bool:
        """Whether the SDK made this pool (and so closes and replaces it)."""
        return self._make is not None

    @property
    def current(self) -> H:
        """The httpx client calls go through now."""
        return self._lease.http

    def for_sync(self) -> H:
        """The httpx client for a call in this process."""
        if self._generation != _generation:
            self._renew_after_fork()
        return self._lease.http

    def lease_async(self) -> Lease[H]:
        """The lease for an async call on the running event loop; count the call in flight."""
        if self._generation != _generation:
            self._renew_after_fork()
        loop = _running_loop()
        if self._loop is None:
            self._loop = loop
        elif not _same_loop(self._loop, loop) and self._make is not None:
            # The old loop's connections cannot be used (nor closed) from this one.
            self._lease.retired = True
            self._lease = Lease(self._make())
            self._loop = loop
        lease = self._lease
        lease.in_flight += 1
        return lease

    def cancelled(self, lease: Lease[H]) -> None:
        """After a cancelled call on `lease` (still counted in flight): leave a leaking pool."""
        if lease.retired or self._make is None or lease is not self._lease:
            return
        busy = _busy_connections(lease.http)
        # The cancelled call is still counted; its own connection, if any, is busy no more.
        if busy is not None and busy > lease.in_flight - 1:
            lease.retired = True
            self._lease = Lease(self._make())

    def _renew_after_fork(self) -> None:
        self._generation = _generation
        if self._make is None:
            return
        self._inherited.append(self._lease.http)
        self._lease = Lease(self._make())
        self._loop = None


def _running_loop() -> Any:
    """The running event loop (asyncio) or run (trio), as something to compare by identity."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            return weakref.ref(asyncio.get_running_loop())
        except RuntimeError:
            pass
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            return trio.lowlevel.current_trio_token()
        except RuntimeError:
            pass
    return None


def _same_loop(bound: Any, running: Any) -> bool:
    if isinstance(bound, weakref.ref) and isinstance(running, weakref.ref):
        return bound() is running()
    return bound is running


def gated(http: H, size: int) -> H:
    """`http` with at most `size` requests inside each of its async pools at once (the others
    wait their turn, in order); a sync `httpx.Client` as it is.

    Wraps httpx's private `_transport` and `_mounts` (proxies); if a newer httpx moves them,
    `http` is returned ungated.
    """
    if not isinstance(http, httpx.AsyncClient):
        return http
    transport = getattr(http, "_transport", None)
    mounts = getattr(http, "_mounts", None)
    if not isinstance(transport, httpx.AsyncBaseTransport) or not isinstance(mounts, dict):
        return http
    http._transport = Gate(transport, size)
    http._mounts = {
        pattern: Gate(mounted, size) if isinstance(mounted, httpx.AsyncBaseTransport) else mounted
        for pattern, mounted in mounts.items()
    }
    return http


class Gate(httpx.AsyncBaseTransport):
    """A transport that lets at most `size` requests into `inner` at once, first come first
    served; a request holds its place until its response is closed (httpx closes it once the
    body is read, and on any error or cancellation).

    The semaphore is made on the first request, on the event loop the pool is used on (a pool
    is never used on two loops: `Pool.lease_async` makes a fresh one for another loop).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, size: int) -> None:
        self.inner = inner
        self.size = size
        self._slots: Any = None

    @property
    def _pool(self) -> Any:
        # What reads httpcore's pool through httpx's private `_transport._pool` (the check
        # after cancelled calls, the tests) sees through the gate.
        return getattr(self.inner, "_pool", None)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        slots = self._slots
        if slots is None:
            slots = self._slots = _semaphore(self.size)
        if slots.value > 0:
            await slots.acquire()
        else:
            await _wait_for_place(slots, request)
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            slots.release()
            raise
        response.stream = _Releasing(response.stream, slots)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class _Releasing(httpx.AsyncByteStream):
    """A response's body that gives its request's place in the `Gate` back when closed."""

    def __init__(self, stream: Any, slots: Any) -> None:
        self._stream = stream
        self._slots = slots

    def __aiter__(self) -> AsyncIterator[bytes]:
        # The body's own iterator, not a generator around it: a reader that stops early
        # (a size cap) leaves no half-read generator of ours behind.
        return self._stream.__aiter__()  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        slots, self._slots = self._slots, None
        try:
            await self._stream.aclose()
        finally:
            if slots is not None:
                slots.release()


async def _wait_for_place(slots: Any, request: httpx.Request) -> None:
    """Wait for a place in the gate no longer than httpx waits for a connection of its pool."""
    import anyio

    seconds = request.extensions.get("timeout", {}).get("pool")
    with anyio.move_on_after(seconds if seconds is not None else math.inf) as scope:
        await slots.acquire()
    if scope.cancelled_caught:
        raise httpx.PoolTimeout("no connection of the pool came free in time", request=request)


def _semaphore(size: int) -> Any:
    """A fair anyio semaphore (asyncio or trio) that does not yield when a place is free."""
    import anyio

    try:
        return anyio.Semaphore(size, fast_acquire=True)
    except TypeError:  # anyio < 4.7
        return anyio.Semaphore(size)


def _busy_connections(http: httpx.AsyncClient | httpx.Client) -> int | None:
    """How many of the pool's connections are neither idle nor closed; `None` if unknown.

    Reads httpcore's public `connections` through httpx's private transport attribute; if a
    newer httpx moves it, the check is skipped rather than guessed.
    """
    pool = getattr(getattr(http, "_transport", None), "_pool", None)
    connections = getattr(pool, "connections", None)
    if not isinstance(connections, list):
        return None
    try:
        return sum(1 for c in connections if not c.is_idle() and not c.is_closed())
    except AttributeError:
        return None
