"""The in-memory way in: an `httpx.MockTransport` whose every request goes to a `Handler`."""

from __future__ import annotations

import time
from contextlib import closing

import anyio
import httpx

from ._wire import Exchange, Handler, Outcome, WireRequest


class FakeTransport(httpx.MockTransport):
    """Serves sync and async httpx clients from one handler; only the waiting differs."""

    def __init__(self, handler: Handler) -> None:
        super().__init__(self._handle)
        self._answer = handler

    def _handle(self, request: httpx.Request) -> httpx.Response:
        clock = _ReadClock(request)
        with closing(self._exchange(request)) as exchange:
            for pause in exchange:
                time.sleep(clock.wait(pause))
        return clock.finish(exchange.outcome)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        clock = _ReadClock(request)
        with closing(self._exchange(request)) as exchange:
            for pause in exchange:
                await anyio.sleep(clock.wait(pause))
        return clock.finish(exchange.outcome)

    def _exchange(self, request: httpx.Request) -> Exchange:
        target = request.url.raw_path.decode("ascii")
        return self._answer(
            WireRequest.from_target(
                request.method, target, request.headers.multi_items(), request.content
            )
        )


class _ReadClock:
    """Spends the client's read timeout on the handler's pauses, as a real socket would."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        timeout = request.extensions.get("timeout")
        read = timeout.get("read") if isinstance(timeout, dict) else None
        self._left: float | None = float(read) if isinstance(read, (int, float)) else None
        self._timed_out = False

    def wait(self, pause: float) -> float:
        """How long to actually sleep for `pause` (nothing more once the client gave up)."""
        if self._timed_out:
            return 0.0
        if self._left is not None and pause > self._left:
            self._timed_out = True
            return self._left
        if self._left is not None:
            self._left -= pause
        return pause

    def finish(self, outcome: Outcome) -> httpx.Response:
        if self._timed_out:
            raise httpx.ReadTimeout(
                "The emulator did not answer within the read timeout.", request=self._request
            )
        if outcome.response is None:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=self._request
            )
        response = outcome.response
        return httpx.Response(
            response.status,
            headers=list(response.headers),
            content=response.body,
            request=self._request,
        )
