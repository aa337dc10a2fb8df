"""Reading an answer's body: streamed, decoded with a bound, refused past a cap (no I/O here).

Both clients stream every answer and hand each raw chunk to a `BodyReader`; only the loop that
reads the chunks differs (`for` or `async for`). The reader:

- decodes `Content-Encoding` itself, at most two chained encodings (`gzip`, `deflate`, or
  `identity`), each chunk inflated in bounded steps: a 3.5 KB body of `gzip, gzip` that would
  inflate to 2 GiB stops at the cap instead of taking 6 GB of memory. httpx's own decoders
  inflate a chunk whole, so they are not used. An encoding it does not know, or a third one,
  is a decoding error (`httpx.DecodingError`), as httpx's own would be;
- keeps a success's body up to `limit` decoded bytes (`max_response_size`, 16 MiB by default:
  the largest documented answer, 1,000 phone numbers, is about 1 MB) and refuses a larger one
  with `TooLarge`;
- keeps at most the first 64 KiB of an error's body and stops reading there: the error shows
  what the API said, and a proxy's 300 MB error page is not downloaded once per retry.
"""

from __future__ import annotations

import time
import zlib

import httpx

MAX_ERROR_BODY = 64 * 1024
"""Bytes of an error's body kept on the exception (and read from the network) at most."""
DEFAULT_MAX_RESPONSE_SIZE = 16 * 1024 * 1024
"""Decoded bytes of a success's body accepted at most, unless the client says otherwise."""
MAX_ENCODINGS = 2

# Inflated per step at most: bounds what one compressed chunk can turn into at once.
_STEP = 256 * 1024


class TooLarge(Exception):
    """A success whose decoded body is larger than the client accepts (see `BodyReader`)."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        super().__init__(f"the API's answer is larger than {limit:,} bytes")
        self.response = response
        self.limit = limit


class _Inflater:
    """One `gzip` or `deflate` layer, inflated in bounded steps."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        # `deflate` is zlib-wrapped by the standard, raw in practice: try the first, then the
        # second (as httpx does).
        self._zlib = zlib.decompressobj(
            16 + zlib.MAX_WBITS if coding != "deflate" else zlib.MAX_WBITS
        )
        self._raw_fallback = coding == "deflate"

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate `data`; at most `room + 1` bytes come out (one more than fits, to tell)."""
        parts: list[bytes] = []
        produced = 0
        while data:
            try:
                part = self._zlib.decompress(data, min(max(room - produced, 0) + 1, _STEP))
            except zlib.error as exc:
                if self._raw_fallback:
                    self._raw_fallback = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise httpx.DecodingError(f"{self._coding}: {exc}") from None
            self._raw_fallback = False
            parts.append(part)
            produced += len(part)
            if produced > room:
                break
            data = self._zlib.unconsumed_tail
            if not part and not data:
                break
        return b"".join(parts)

    def flush(self) -> bytes:
        try:
            return self._zlib.flush()
        except zlib.error as exc:
            raise httpx.DecodingError(f"{self._coding}: {exc}") from None


class BodyReader:
    """Collects one answer's body from its raw chunks (see the module docstring).

    Args:
        response: the streamed answer (its status and `Content-Encoding` decide the rules).
        limit: decoded bytes of a success accepted at most.
        deadline: `time.monotonic()` by which the body must be in, or `None`; checked between
            chunks (a trickling server), whatever the pool.

    Raises (from `feed` and `finish`): `TooLarge` for a success past `limit`,
    `httpx.DecodingError` for an encoding it cannot or will not decode, `httpx.ReadTimeout`
    past the deadline.

    An answer httpx has already read (an in-memory transport's) is only checked: its size, an
    error's 64 KiB; `streaming` is then false and nothing is to be fed.
    """

    def __init__(self, response: httpx.Response, limit: int, deadline: float | None) -> None:
        self._response = response
        self._deadline = deadline
        self._error = not response.is_success
        self._limit = MAX_ERROR_BODY if self._error else limit
        self.streaming = not response.is_stream_consumed
        self._layers: list[_Inflater] = []
        self._parts: list[bytes] = []
        self._size = 0
        if not self.streaming:
            return
        codings = [
            coding.strip().lower()
            for coding in response.headers.get("content-encoding", "").split(",")
            if coding.strip() and coding.strip().lower() != "identity"
        ]
        if len(codings) > MAX_ENCODINGS:
            raise httpx.DecodingError(
                f"the answer is encoded {len(codings)} times over; at most {MAX_ENCODINGS} "
                "encodings are decoded"
            )
        unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            raise httpx.DecodingError(f"the answer's encoding {unknown[0]!r} is not supported")
        # Applied in the order listed, so undone in reverse.
        self._layers = [_Inflater(coding) for coding in reversed(codings)]

    @property
    def full(self) -> bool:
        """Whether nothing more is wanted: an error's first 64 KiB are in."""
        return self._error and self._size >= self._limit

    def feed(self, raw: bytes) -> None:
        """Take the next raw chunk off the network."""
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise httpx.ReadTimeout(
                "no whole answer within the call's timeout", request=self._response.request
            )
        data = raw
        for layer in self._layers:
            data = layer.feed(data, self._limit - self._size)
        self._take(data)

    def finish(self) -> httpx.Response:
        """The response, its body read: `.content` is the decoded body (an error's cut at
        64 KiB), as if httpx had read it."""
        if self.streaming:
            body = self._body()
        else:
            body = self._response.content
            if self._error:
                body = body[: self._limit]
            elif len(body) > self._limit:
                raise TooLarge(self._response, self._limit)
        # What `Response.read()` sets; reading through httpx would inflate without a bound.
        self._response._content = body
        return self._response

    def _body(self) -> bytes:
        if not self.full:
            for index, layer in enumerate(self._layers):
                data = layer.flush()
                for inner in self._layers[index + 1 :]:
                    data = inner.feed(data, self._limit - self._size)
                self._take(data)
        body = b"".join(self._parts)
        return body[: self._limit] if self._error else body

    def _take(self, data: bytes) -> None:
        if not data or self.full:
            return
        self._size += len(data)
        if self._size > self._limit and not self._error:
            raise TooLarge(self._response, self._limit)
        self._parts.append(data)
