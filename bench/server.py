"""A fast loopback stand-in for the Nixflex API, for the benchmarks (stdlib only).

Run it in its own process, so that its work lands on the other core and not in the process
being measured::

    python bench/server.py --port 0      # prints "PORT <n>" once it listens, then serves

It is a raw asyncio `Protocol` speaking just enough HTTP/1.1 (keep-alive, requests without a
body) and answers from canned bytes, so its share of a round trip stays small next to the
client's and the SDK's overhead is what shows:

- `GET /v1/phone-numbers`: a small list, `{"phone_numbers": [...]}` in snake_case;
- `GET /v1/numbers?limit=&offset=`: a page of numbers generated on the fly, camelCase with
  `createdAt` and `hasMore`. The total is 1,000, or N under a base path `/n<N>` (a client with
  `base_url=".../n100000"` pages through 100,000 numbers);
- `GET /stats`: connections accepted and requests answered so far, as JSON.

`numbers_page` is also what the decoding benchmark parses, so both see the same bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import sys
from urllib.parse import parse_qsl

__all__ = ["PHONE_NUMBERS_BODY", "numbers_page", "phone_numbers_body"]

DEFAULT_TOTAL = 1000

_NUMBER = (
    '{{"id":"num_{i:07d}","phoneNumber":"+1555{i:07d}","country":"US","status":"active",'
    '"agentId":{agent},"createdAt":"2025-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:'
    '{second:02d}Z"}}'
)


def _number(i: int) -> str:
    agent = "null" if i % 5 == 0 else f'"agent_{i % 97:016x}"'
    return _NUMBER.format(
        i=i,
        agent=agent,
        month=1 + i % 12,
        day=1 + i % 28,
        hour=i % 24,
        minute=i % 60,
        second=(i // 60) % 60,
    )


@functools.lru_cache(maxsize=256)
def numbers_page(total: int, limit: int, offset: int) -> bytes:
    """The JSON body of `GET /v1/numbers?limit=&offset=` over `total` numbers."""
    end = min(offset + limit, total)
    items = ",".join(_number(i) for i in range(offset, end))
    has_more = "true" if end < total else "false"
    return f'{{"data":[{items}],"hasMore":{has_more}}}'.encode()


def phone_numbers_body(count: int = 3) -> bytes:
    """The JSON body of `GET /v1/phone-numbers`: `count` numbers, snake_case, newest first."""
    items = [
        {
            "phone_number": f"+44744646{6800 + i:04d}",
            "agent_id": f"agent_{i:016x}",
            "twilio_number_sid": f"PN{i:032x}",
            "inbound_enabled": True,
            "outbound_enabled": i % 2 == 0,
            "custom_prompt": "Business: Smile Dental Croydon. Open Mon-Fri 9am-5pm.",
            "created_at": f"2025-01-{15 - i:02d}T10:45:00Z",
        }
        for i in range(count)
    ]
    return json.dumps({"phone_numbers": items}, separators=(",", ":")).encode()


PHONE_NUMBERS_BODY = phone_numbers_body()


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


_PHONE_NUMBERS = _response("200 OK", PHONE_NUMBERS_BODY)
_NOT_FOUND = _response("404 Not Found", b'{"error":{"code":"not_found","message":"no route"}}')
_BAD = _response("400 Bad Request", b'{"error":{"code":"bad_request","message":"bad query"}}')


class _Stats:
    connections = 0
    requests = 0


def _answer(target: bytes) -> bytes:
    path, _, query = target.decode("latin-1").partition("?")
    total = DEFAULT_TOTAL
    if path.startswith("/n"):
        prefix, slash, path = path[2:].partition("/")
        if not (slash and prefix.isdigit()):
            return _NOT_FOUND
        total, path = int(prefix), "/" + path
    if path == "/v1/phone-numbers":
        return _PHONE_NUMBERS
    if path == "/v1/numbers":
        params = dict(parse_qsl(query))
        try:
            limit, offset = int(params.get("limit", "20")), int(params.get("offset", "0"))
        except ValueError:
            return _BAD
        return _response("200 OK", numbers_page(total, limit, offset))
    if path == "/stats":
        stats = {"connections": _Stats.connections, "requests": _Stats.requests}
        return _response("200 OK", json.dumps(stats).encode())
    return _NOT_FOUND


class _HTTP(asyncio.Protocol):
    """Keep-alive HTTP/1.1 for requests without a body; pipelined requests are answered in order."""

    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        _Stats.connections += 1

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        out = []
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head, buffer = buffer[:end], buffer[end + 4 :]
            _, target, _ = head[: head.find(b"\r\n") if b"\r\n" in head else None].split(b" ", 2)
            out.append(_answer(target))
        self._buffer = buffer
        if out and self._transport is not None:
            _Stats.requests += len(out)
            self._transport.write(b"".join(out))


async def _serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_HTTP, host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
