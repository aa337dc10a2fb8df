"""An attempt's deadline, end to end, on the sync client's own connection pool.

httpx's timeouts bound each socket operation, not an answer: a server that sends one byte every
half second never trips a 1 s read timeout (urllib3 documents the same limit). A client given
`timeout=T` (a number) gives each attempt a deadline instead (`_core.exchange` sets it). The
async client keeps it with a cancel scope around the attempt. The sync client cannot interrupt
a blocking read from outside, so its own pool's network streams are wrapped here: every connect,
TLS handshake, read and write waits at most until the deadline of the attempt running in this
thread (a context variable), and raises httpcore's timeout once it has passed.

Only pools the SDK made are wrapped (a pool of your own, `http_client=`, keeps per-operation
timeouts; the body is still checked between chunks). The wrapping reaches httpx's and
httpcore's private attributes (`_transport`, `_mounts`, `_pool`, `_network_backend`); if a newer
httpx moves them, the pool is left as it is and the deadline is kept between chunks only.
"""

from __future__ import annotations

import contextvars
import time
import typing

import httpcore
import httpx

DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "nixflex_deadline", default=None
)
"""`time.monotonic()` by which the attempt running here must end, or `None`."""


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("no whole answer within the call's timeout")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def armed(http: httpx.Client) -> httpx.Client:
    """`http` with every pool of its own (proxies included) keeping the attempt's deadline."""
    transports = [getattr(http, "_transport", None), *getattr(http, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return http
