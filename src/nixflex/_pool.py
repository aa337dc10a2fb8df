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
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

H = TypeVar("H", httpx.Client, httpx.AsyncClient)

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
