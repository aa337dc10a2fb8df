"""A scriptable HTTP/1.1 server on 127.0.0.1, for tests that need a real socket (stdlib only).

respx replaces httpx's transport, so it cannot show what really crosses a socket: the encoded
request line, keep-alive, a connection that breaks half-way. This server can. It records every
request (method, raw path, raw query, headers, body bytes) and answers each with the `Reply` that
the test's handler returns, which may also tell it to misbehave at the socket level:

- `Reply.stall()`: read the whole request, then answer nothing (the client times out);
- `Reply.close()`: read the whole request, then close the connection without a byte of answer
  (httpx: `RemoteProtocolError`, "server disconnected");
- `Reply.truncated()`: send the status line, the headers and part of the body, then close;
- `Reply.redirect()`: an ordinary 3xx with a `Location` (a client must not follow it);
- `Reply.reset()`: read the whole request, then abort the connection with a TCP RST (httpx:
  `ReadError`, "connection reset by peer");
- `Reply.stalled_body()`: send the status line, the headers and part of the body, then stall;
- `Reply.raw()`: write the given bytes instead of an HTTP answer, then close (garbage, a broken
  status line, a bad chunked encoding...);
- `Reply.trickle()`: write some bytes at once, then the rest one byte at a time (a server that
  never stops answering, slowly).

A stalled handler wakes when the test releases it, when the server stops, or as soon as the client
hangs up, so the server's count of open connections (`open_connections`) is the number of
connections the client still holds open. `LoopbackServer(listening=False)` binds
its port without listening: connecting to it is refused until `listen()` is called.

Use the `loopback` fixture (a started server, stopped after the test) and `loopback_client` (a
`Client` and an `AsyncClient` on it, one per run); a test module enables both with
`pytest_plugins = ["tests.loopback"]`. For a client with other options, or on another server,
`open_client(client_kind, url, timeout=...)` (`tests/support.py`) with the `client_kind` fixture
("sync", then "async").

Example:
    ```python
    def test_it(loopback: LoopbackServer, loopback_client: AnyClient) -> None:
        loopback.script(Reply.json({"data": [], "hasMore": False}))
        ...
        assert loopback.requests[0].params == {"limit": ["20"], "offset": ["0"]}
    ```

Every socket the server opens is closed by `stop()`, which also wakes stalled handlers and
joins every thread, so tests run clean under `-W error::ResourceWarning`.
"""

from __future__ import annotations

import contextlib
import enum
import json
import select
import socket
import socketserver
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.support import AnyClient, open_client

__all__ = [
    "Fault",
    "LoopbackServer",
    "Recorded",
    "Reply",
    "loopback",
    "loopback_client",
]

# How long a stalled handler waits at most when nobody releases it (the server's stop does).
_STALL_CEILING = 30.0
# An idle keep-alive connection is dropped after this long, so no thread can hang for ever.
_IDLE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Recorded:
    """One request as the server read it off the socket.

    Attributes:
        method: the request method, e.g. `"POST"`.
        target: the request target exactly as sent: raw path, then `?` and the raw query.
        headers: the header lines in order, names as sent.
        body: the body bytes (requests are read by `Content-Length`).
        received_at: `time.monotonic()` when the request had been read.
    """

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: float = 0.0

    @property
    def path(self) -> str:
        """The raw path, percent-encoding intact (`/v1/phone-numbers/%2B44...`)."""
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        """The raw query string, without the `?`."""
        return self.target.partition("?")[2]

    @property
    def params(self) -> dict[str, list[str]]:
        """The query, decoded the way a server decodes it (`+` is a space, `%2B` a plus)."""
        return parse_qs(self.query, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        """The one value of query parameter `name`, or `None` if absent."""
        values = self.params.get(name)
        if values is None:
            return None
        assert len(values) == 1, f"{name} sent {len(values)} times"
        return values[0]

    def header(self, name: str) -> str | None:
        """The value of header `name` (any case), or `None` if absent."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        """The body, decoded as JSON."""
        return json.loads(self.body)


class Fault(enum.Enum):
    """How a reply misbehaves at the socket level (see the module docstring)."""

    STALL = "stall"
    CLOSE = "close"
    TRUNCATE = "truncate"
    RESET = "reset"
    STALL_BODY = "stall_body"
    RAW = "raw"
    TRICKLE = "trickle"


@dataclass(frozen=True)
class Reply:
    """What the server does with one request: an answer, or a fault."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    fault: Fault | None = None
    stall_seconds: float = _STALL_CEILING
    declared_length: int | None = None

    @classmethod
    def json(
        cls, data: object, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """A JSON answer."""
        return cls(
            status=status,
            body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/html") -> Reply:
        """An answer that is not JSON (a proxy's page)."""
        return cls(status=status, body=text.encode(), headers={"Content-Type": content_type})

    @classmethod
    def empty(cls, status: int = 204) -> Reply:
        """An answer without a body."""
        return cls(status=status)

    @classmethod
    def redirect(cls, location: str, status: int = 307) -> Reply:
        """A redirect to `location` (a client must not follow it with the key)."""
        return cls(status=status, headers={"Location": location})

    @classmethod
    def stall(cls, seconds: float = _STALL_CEILING) -> Reply:
        """Read the request, then say nothing for `seconds` (or until released), then close."""
        return cls(fault=Fault.STALL, stall_seconds=seconds)

    @classmethod
    def close(cls) -> Reply:
        """Read the request, then close the connection without answering."""
        return cls(fault=Fault.CLOSE)

    @classmethod
    def truncated(cls, data: object, status: int = 200) -> Reply:
        """Send headers promising the JSON of `data`, then half of it, then close."""
        body = json.dumps(data).encode()
        return cls(
            status=status,
            body=body[: len(body) // 2],
            headers={"Content-Type": "application/json"},
            fault=Fault.TRUNCATE,
            declared_length=len(body),
        )

    @classmethod
    def reset(cls) -> Reply:
        """Read the request, then abort the connection with a TCP RST (no answer, no FIN)."""
        return cls(fault=Fault.RESET)

    @classmethod
    def stalled_body(
        cls, data: object, status: int = 200, seconds: float = _STALL_CEILING
    ) -> Reply:
        """Send headers promising the JSON of `data` and half of it, then stall like `stall`."""
        body = json.dumps(data).encode()
        return cls(
            status=status,
            body=body[: len(body) // 2],
            headers={"Content-Type": "application/json"},
            fault=Fault.STALL_BODY,
            stall_seconds=seconds,
            declared_length=len(body),
        )

    @classmethod
    def raw(cls, data: bytes) -> Reply:
        """Write `data` as it is, instead of an HTTP answer, then close the connection."""
        return cls(body=data, fault=Fault.RAW)

    @classmethod
    def trickle(cls, at_once: bytes, slowly: bytes, every: float = 0.1) -> Reply:
        """Write `at_once` (say, the status line and headers), then `slowly` one byte every
        `every` seconds, until done, released, or the client hangs up; then close."""
        return cls(
            body=at_once + slowly,
            fault=Fault.TRICKLE,
            stall_seconds=every,
            declared_length=len(at_once),
        )


Handler = Callable[[Recorded], Reply]


def _unscripted(request: Recorded) -> Reply:
    raise AssertionError(f"no reply scripted for {request.method} {request.target}")


class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 that records requests and answers through `handler`.

    A handler that raises is a test failure: the client gets a 500 naming the error, and the
    error is kept in `errors` (the `loopback` fixture fails the test with it).
    """

    def __init__(self, handler: Handler = _unscripted, *, listening: bool = True) -> None:
        self.handler = handler
        self.errors: list[BaseException] = []
        self._requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._connections: set[socket.socket] = set()
        self._accepted = 0
        self._listening = listening
        self._started = False
        self._server = _Server(self, listening=listening)
        self._thread: threading.Thread | None = None
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[Recorded]:
        """Every request received so far, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    def script(self, *replies: Reply | Handler) -> None:
        """Answer the next requests with `replies` in order (a handler is called for its turn).

        A request beyond the script is a test failure.
        """
        queue = list(replies)
        lock = threading.Lock()

        def scripted(request: Recorded) -> Reply:
            with lock:
                if not queue:
                    raise AssertionError(
                        f"unexpected request {request.method} {request.target}: "
                        f"only {len(replies)} scripted"
                    )
                reply = queue.pop(0)
            return reply if isinstance(reply, Reply) else reply(request)

        self.handler = scripted

    def release(self) -> None:
        """Wake every stalled handler now (each then closes its connection)."""
        self._released.set()

    @property
    def open_connections(self) -> int:
        """Connections accepted and not yet closed: those the client still holds open."""
        with self._lock:
            return len(self._connections)

    @property
    def accepted(self) -> int:
        """Connections accepted so far."""
        with self._lock:
            return self._accepted

    def listen(self) -> None:
        """Start accepting connections on a server made with `listening=False`."""
        if self._listening:
            return
        self._server.server_activate()
        self._listening = True
        if self._started:
            self._serve()

    def start(self) -> LoopbackServer:
        """Serve (once listening: a server made with `listening=False` waits for `listen()`)."""
        self._started = True
        if self._listening:
            self._serve()
        return self

    def _serve(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # How soon `stop()` is noticed: a fault matrix starts and stops a server per test.
            kwargs={"poll_interval": 0.001},
            name="loopback-server",
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, break every open connection, close every socket, join every thread."""
        self._released.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # Wakes a handler blocked reading the next request of a keep-alive connection.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- called from the handler threads ---------------------------------------------------------

    def _record(self, request: Recorded) -> Reply:
        with self._lock:
            self._requests.append(request)
        try:
            return self.handler(request)
        except BaseException as exc:
            with self._lock:
                self.errors.append(exc)
            return Reply.text(f"loopback handler failed: {exc!r}", status=500, content_type="text")

    def _track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
                self._accepted += 1
            else:
                self._connections.discard(connection)

    def _wait_released(self, seconds: float, connection: socket.socket) -> None:
        """Stall until released, `seconds` pass, or the client hangs up on `connection`."""
        deadline = time.monotonic() + seconds
        while not self._released.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                readable, _, _ = select.select([connection], [], [], min(left, 0.05))
                if readable:
                    if connection.recv(1, socket.MSG_PEEK) == b"":
                        return  # the client hung up
                    # Bytes the client sent while waiting (not HTTP/1.1 as httpx speaks it).
                    self._released.wait(min(left, 0.05))
            except OSError:
                return


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # Non-daemon handler threads, so that server_close() joins them all.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    # Hundreds of connections may arrive at once (a concurrency test): with the default backlog
    # of 5 the kernel would drop SYNs and the client would retry them a second later.
    request_queue_size = 256

    def __init__(self, owner: LoopbackServer, *, listening: bool = True) -> None:
        self.owner = owner
        # TCPServer rather than HTTPServer: its server_bind does a reverse DNS lookup.
        super().__init__(("127.0.0.1", 0), _RequestHandler, bind_and_activate=False)
        try:
            # Bound but not listening: a connection to the port is refused until activated.
            self.server_bind()
            if listening:
                self.server_activate()
        except BaseException:
            self.server_close()
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up mid-answer is what the fault tests are about, not an error.
        pass

    def close_request(self, request: Any) -> None:
        # Counted out only once its socket is closed: `open_connections == 0` then means that
        # no socket of the server's is left open either (a file descriptor count agrees).
        super().close_request(request)
        self.owner._track(request, open_=False)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_TIMEOUT
    # Headers and body go out in two writes: without this, Nagle's algorithm and the client's
    # delayed ACK hold every answer back by 40 ms.
    disable_nagle_algorithm = True
    server: _Server  # pyright: ignore[reportIncompatibleVariableOverride]

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, open_=True)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Recorded(
            self.command,
            self.path,
            tuple(self.headers.items()),
            body,
            received_at=time.monotonic(),
        )
        reply = self.server.owner._record(request)
        if reply.fault is Fault.STALL:
            self.server.owner._wait_released(reply.stall_seconds, self.connection)
            self.close_connection = True
            return
        if reply.fault is Fault.CLOSE:
            self.close_connection = True
            return
        if reply.fault is Fault.RESET:
            # Linger on, timeout 0: close() sends RST at once instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if reply.fault is Fault.RAW:
            self.wfile.write(reply.body)
            self.wfile.flush()
            self.close_connection = True
            return
        if reply.fault is Fault.TRICKLE:
            self.close_connection = True
            at_once = reply.declared_length or 0
            with contextlib.suppress(OSError):
                self.wfile.write(reply.body[:at_once])
                self.wfile.flush()
                for index in range(at_once, len(reply.body)):
                    if self.server.owner._released.wait(reply.stall_seconds):
                        return
                    self.wfile.write(reply.body[index : index + 1])
                    self.wfile.flush()
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        declared = reply.declared_length if reply.declared_length is not None else len(reply.body)
        if reply.status != 204 and reply.status >= 200:  # a 204 has no body and no length
            self.send_header("Content-Length", str(declared))
        if reply.fault in (Fault.TRUNCATE, Fault.STALL_BODY):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)
        self.wfile.flush()
        if reply.fault is Fault.STALL_BODY:
            self.server.owner._wait_released(reply.stall_seconds, self.connection)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A started `LoopbackServer`; stopped after the test, which fails if its handler raised."""
    with LoopbackServer() as server:
        yield server
    if server.errors:
        raise server.errors[0]


@pytest.fixture
async def loopback_client(client_kind: str, loopback: LoopbackServer) -> AsyncIterator[AnyClient]:
    """A `Client`, then an `AsyncClient`, on the loopback server (2 s timeout)."""
    async with open_client(client_kind, loopback.url, timeout=2.0) as client:
        yield client
