"""The loopback way in: a standard-library HTTP/1.1 server whose requests go to a `Handler`."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import selectors
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from ._wire import Handler, WireRequest, WireResponse, error_response

logger = logging.getLogger("nixflex.testing")

_MAX_LINE = 65536


class FakeServer:
    """A running loopback HTTP server answered by `handler` (started by `FakeNixflex.serve`).

    Attributes:
        host: The address it listens on.
        port: The port it listens on (the real one when you asked for port 0).
    """

    def __init__(self, handler: Handler, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._closing = threading.Event()
        server_class = _HTTPServer6 if ":" in host else _HTTPServer
        self._httpd = server_class((host, port), handler, self._closing)
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._thread = threading.Thread(
            target=self._accept_loop, name=f"FakeNixflex server {self.url}", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The base URL to give a client, e.g. `http://127.0.0.1:8787`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def close(self) -> None:
        """Stop serving and close every connection.

        Requests still waiting out an injected delay are abandoned without an answer.
        """
        if self._closing.is_set():
            return
        self._closing.set()
        self._wake_writer.send(b"x")
        self._thread.join()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def _accept_loop(self) -> None:
        # Like serve_forever(), but woken at once by close() instead of polling: a test suite
        # that starts a server per test would otherwise spend a poll interval on every close.
        with selectors.DefaultSelector() as selector:
            selector.register(self._httpd, selectors.EVENT_READ, "accept")
            selector.register(self._wake_reader, selectors.EVENT_READ, "wake")
            while True:
                for key, _ in selector.select():
                    if key.data == "wake":
                        return
                    self._httpd.handle_request()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closing.is_set() else "serving"
        return f"<FakeServer {self.url} {state}>"


class _HTTPServer(ThreadingHTTPServer):
    # Handler threads are joined on close (block_on_close), but must not keep a process alive.
    daemon_threads = True
    # socketserver's default backlog of 5 overflows when a bulk import opens 16 connections at
    # once; the kernel then resets some after the client sent its request (a lost POST).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], answer: Handler, closing: threading.Event) -> None:
        self.answer = answer
        self.closing = closing
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on a DNS timeout.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)
        # A connection accepted while closing would otherwise keep its thread (and close) waiting.
        if self.closing.is_set():
            _shutdown(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            _shutdown(connection)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-answer is routine here (timeouts, dropped-connection tests);
        # anything else is a bug in the emulator and must not pass quietly.
        if isinstance(sys.exc_info()[1], OSError):
            logger.debug("connection error while serving %s", client_address, exc_info=True)
        else:
            logger.error("error while serving %s", client_address, exc_info=True)


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    server_version = "FakeNixflex"
    # One buffered write per answer, without Nagle: small split writes cost 40 ms each in
    # delayed ACKs on loopback.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _HTTPServer  # pyright: ignore[reportIncompatibleVariableOverride]

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Bad request body framing")
            return
        request = WireRequest.from_target(self.command, self.path, self.headers.items(), body)
        with contextlib.closing(self.server.answer(request)) as exchange:
            for pause in exchange:
                if self.server.closing.wait(pause):
                    # Closing abandons a request still waiting out a delay: no answer, and if
                    # the delay came before processing, no effect.
                    self.close_connection = True
                    return
        outcome = exchange.outcome
        if outcome.response is None:
            # Close without a byte of answer: the client sees the server disconnect.
            self.close_connection = True
            return
        self._write(outcome.response)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server dispatches on `do_<METHOD>`: every method reaches the API, which answers
        # an unsupported one with 405 (or 404) in its own shape, not http.server's 501 page.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Refuse a request http.server cannot parse, in the API's error shape."""
        # The request line may hold anything, so the message never repeats it.
        self.close_connection = True
        # An unparsable request line leaves http.server assuming HTTP/0.9, which has no status
        # line or headers; nobody speaks 0.9, so answer as HTTP/1.1.
        self.request_version = self.protocol_version
        phrase = HTTPStatus(code).phrase
        slug = re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")
        self._write(error_response(code, slug, f"{phrase}.", f"req_{secrets.token_hex(12)}"))

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip() or b"x", 16)
            if size == 0:
                while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(_MAX_LINE)

    def _write(self, response: WireResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status != 204:
            self.wfile.write(response.body)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        logger.info("%s %s", self.address_string(), format % args)
