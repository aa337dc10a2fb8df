"""`DefaultAioHttpClient`: an `httpx.AsyncClient` whose requests go out through aiohttp.

httpcore's async pool costs a few hundred microseconds of CPU a call and more as calls queue
up; aiohttp's connection pool and HTTP parser (written in C) cost a fraction of that, so a
service making many calls at once gets several times the throughput from the same core. The
transport is httpx-aiohttp's (the one OpenAI's SDK offers the same way), so everything above
the socket, and so everything the SDK does, stays httpx.

What this module adds to httpx-aiohttp's transport is what the SDK's guarantees need:

- **Errors that say whether the request went out.** httpx-aiohttp turns any
  `aiohttp.ClientConnectionError` into `httpx.ConnectTimeout`, which the retry policy reads as
  "never sent": a `POST` whose connection broke after it was sent would be sent again. Here a
  server that hung up, a reset connection or a body cut short is a `RemoteProtocolError` or a
  `ReadError` (it may have landed), and only a connection that was never made is a
  `ConnectError` or `ConnectTimeout`. aiohttp errors it leaves as they are (a malformed
  answer's `ClientResponseError`) become httpx errors too, so every failure is one the SDK
  turns into a `NixflexError`.
- **One retry policy.** aiohttp sends a `GET`, `PUT` or `DELETE` again, once and unseen, when a
  reused connection breaks; that is turned off, so `max_retries` counts every attempt.
- **No secret in what an error drags along.** aiohttp's errors keep the request's headers
  (`request_info`), `Authorization` included; the httpx error raised instead carries the aiohttp
  error's class and message only, not the error itself.

aiohttp and httpx-aiohttp are imported when a client is made, never by `import nixflex`.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Any

import httpx

__all__ = ["DefaultAioHttpClient"]

# The SDK's own pools' timeout (`_client.DEFAULT_TIMEOUT`), repeated here so that this module
# does not import the client.
_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


class DefaultAioHttpClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` that sends through aiohttp, with the SDK's defaults: the choice
    for a service making many calls at once (`pip install 'nixflex[aiohttp]'`).

    Pass it as `AsyncClient(http_client=...)`. It is yours, as any `http_client=` is: close it
    after the client (`async with` both). It runs under asyncio only (not trio), and belongs to
    the event loop it is first used on: make one per loop, and one per process after a fork.

    Args:
        timeout: 5 s to connect, 60 s for the rest, as the SDK's own pools.
        limits: 100 connections, every idle one kept for 5 s, as the SDK's own pools; aiohttp
            queues the calls beyond them, in order.
        kwargs: any other `httpx.AsyncClient` argument (`proxy=`, `verify=`, `headers=`...).

    Raises:
        ImportError: httpx-aiohttp (the `aiohttp` extra) is not installed.

    Example:
        ```python
        async with (
            nixflex.DefaultAioHttpClient() as http,
            nixflex.AsyncClient(http_client=http) as client,
        ):
            numbers = await client.phone_numbers.list()
        ```
    """

    def __init__(
        self,
        *,
        timeout: httpx.Timeout | float | None = httpx.Timeout(60.0, connect=5.0),
        limits: httpx.Limits = httpx.Limits(
            max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0
        ),
        **kwargs: Any,
    ) -> None:
        _transport_class()  # fails here, not on the first call, if the extra is missing
        kwargs.setdefault("follow_redirects", False)
        super().__init__(timeout=timeout, limits=limits, **kwargs)

    # httpx makes its transports (and one per proxy of the environment) through these two
    # methods; httpx-aiohttp's own client overrides them the same way.
    def _init_transport(  # type: ignore[override]
        self, transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any
    ) -> httpx.AsyncBaseTransport:
        if transport is not None:
            return transport
        return _transport_class()(**kwargs)  # type: ignore[no-any-return]

    def _init_proxy_transport(  # type: ignore[override]
        self, proxy: httpx.Proxy, **kwargs: Any
    ) -> httpx.AsyncBaseTransport:
        return _transport_class()(proxy=proxy, **kwargs)  # type: ignore[no-any-return]


@functools.cache
def _transport_class() -> type[Any]:
    """httpx-aiohttp's transport, with errors the SDK can tell apart (made on first use)."""
    try:
        import asyncio

        import aiohttp
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        raise ImportError(
            "DefaultAioHttpClient sends through aiohttp with httpx-aiohttp, which is not "
            "installed: pip install 'nixflex[aiohttp]'"
        ) from None

    # Most specific first: each aiohttp error, and what it says about the request.
    classes: list[tuple[type[BaseException], type[httpx.TransportError]]] = [
        # Never sent: no connection was made (aiohttp's connect timeout includes the wait
        # for a free connection of the pool).
        (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
        (aiohttp.ClientConnectorError, httpx.ConnectError),
        # May have landed.
        (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
        (asyncio.TimeoutError, httpx.ReadTimeout),  # TimeoutError from Python 3.11 on
        (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
        (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
        (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
        (aiohttp.ClientError, httpx.ReadError),
    ]

    def translated(exc: BaseException, request: httpx.Request) -> httpx.TransportError | None:
        """The httpx error for an aiohttp error (raw, or wrapped by httpx-aiohttp), else None."""
        source = exc.__cause__ if isinstance(exc, httpx.HTTPError) else exc
        for aio_class, httpx_class in classes:
            if isinstance(source, aio_class):
                text = str(source)
                detail = f"{type(source).__name__}: {text}" if text else type(source).__name__
                return httpx_class(detail, request=request)
        return None

    class Body(httpx.AsyncByteStream):
        """A response body whose read errors are translated like the request's."""

        def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
            self._inner = inner
            self._request = request
            self._chunks: AsyncIterator[bytes] | None = None

        def __aiter__(self) -> AsyncIterator[bytes]:
            self._chunks = self._inner.__aiter__()
            return self

        async def __anext__(self) -> bytes:
            assert self._chunks is not None
            try:
                return await self._chunks.__anext__()
            except StopAsyncIteration:
                raise
            except Exception as exc:
                error = translated(exc, self._request)
                if error is None:
                    raise
            # Raised here, outside the handler, so that it has no `__context__` either.
            raise error

        async def aclose(self) -> None:
            chunks, self._chunks = self._chunks, None
            try:
                if chunks is not None and hasattr(chunks, "aclose"):
                    await chunks.aclose()  # pyright: ignore[reportAttributeAccessIssue]
                await self._inner.aclose()
            except Exception as exc:
                error = translated(exc, self._request)
                if error is None:
                    raise
            else:
                return
            raise error

    class Transport(AiohttpTransport):
        def get_client(self) -> aiohttp.ClientSession:
            session: aiohttp.ClientSession = super().get_client()
            # aiohttp sends a GET, PUT or DELETE again, unseen, when a reused connection breaks;
            # the SDK's retries (counted, logged, with backoff) are the only ones. Private to
            # aiohttp: if it goes, aiohttp's one silent retry comes back, nothing worse.
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
            return session

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            try:
                response: httpx.Response = await super().handle_async_request(request)
            except Exception as exc:
                error = translated(exc, request)
                if error is None:
                    raise
            else:
                assert isinstance(response.stream, httpx.AsyncByteStream)
                response.stream = Body(response.stream, request)
                return response
            raise error

    return Transport
