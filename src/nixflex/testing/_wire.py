"""What the emulator reads and writes: requests, responses, the handler between them, timestamps.

Both ways in (the httpx transport and the loopback HTTP server) turn what arrived into a
`WireRequest`, hand it to a `Handler`, wait out the pauses of the `Exchange` it gives, and turn
its `Outcome` back into their own kind of response. They know nothing about who answers (that is
`_pipeline.Pipeline`). Nothing here does I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import cached_property
from urllib.parse import parse_qs, unquote, urlsplit

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class WireRequest:
    """One HTTP request as it arrived: nothing decoded yet except the header names (lowercase)."""

    method: str
    raw_path: str
    query_string: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def from_target(
        cls,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> WireRequest:
        """Build a request from a request-target such as `/v1/numbers?limit=5`.

        The absolute form a proxy is sent (`http://host/v1/numbers?limit=5`) works too.
        """
        target = target.partition("#")[0]
        if not target.startswith("/"):
            parts = urlsplit(target)
            target = f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"
        raw_path, _, query_string = target.partition("?")
        merged: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return cls(method.upper(), raw_path or "/", query_string, merged, body)

    @cached_property
    def path(self) -> str:
        """The percent-decoded path (for display and assertions only, never for routing)."""
        return unquote(self.raw_path)

    @cached_property
    def segments(self) -> tuple[str, ...]:
        """Path segments, each percent-decoded on its own, so `%2F` never adds a segment."""
        parts = self.raw_path.split("/")
        return tuple(unquote(part) for part in parts[1:])

    @cached_property
    def query(self) -> dict[str, str]:
        """Query parameters; a repeated parameter keeps its last value."""
        parsed = parse_qs(self.query_string, keep_blank_values=True)
        return {name: values[-1] for name, values in parsed.items()}


@dataclass(frozen=True)
class WireResponse:
    """What to answer: status, headers and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The value of a header, or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def with_headers(self, headers: Iterable[tuple[str, str]]) -> WireResponse:
        """The same response with `headers` added."""
        return replace(self, headers=(*self.headers, *headers))

    def json(self) -> object:
        """The body parsed as JSON, or None when there is no JSON body."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass(frozen=True)
class Outcome:
    """The end of an exchange: a response, or a connection closed without one."""

    response: WireResponse | None

    @property
    def dropped(self) -> bool:
        """True when the connection must be closed without an answer."""
        return self.response is None


class Exchange:
    """One request on its way through a handler: iterate it for the pauses, then read `outcome`.

    Whoever drives it sleeps for each yielded number of seconds (or less, if its own client
    would have given up by then) and then sends `outcome`: a response, or a dropped connection.
    Drive it in `with contextlib.closing(exchange)`, so that one left early (a server closing
    mid-pause) is closed too.
    """

    def __init__(self, steps: Generator[float, None, Outcome]) -> None:
        self._steps = steps
        self._outcome: Outcome | None = None

    def __iter__(self) -> Iterator[float]:
        self._outcome = yield from self._steps

    @property
    def outcome(self) -> Outcome:
        if self._outcome is None:
            raise RuntimeError("iterate the exchange to the end before reading its outcome")
        return self._outcome

    def close(self) -> None:
        """Stop where it is: stopped in a pause before processing, the request changes nothing."""
        self._steps.close()


Handler = Callable[[WireRequest], Exchange]
"""What a way in is built from: a callable answering one request (see `Exchange`)."""


#: The header carrying each answer's request id: the one the API's edge sets today.
REQUEST_ID_HEADER = "x-railway-request-id"

#: Where an error's `doc_url` points: the API's errors page, anchored at the code.
DOC_URL = "https://docs.nixflex.com/api-reference/errors#{code}"

# `error.type` by status: the API's own list, then the emulator's choices for the rest.
_ERROR_TYPES = {
    400: "invalid_request",
    401: "authentication_error",
    402: "payment_error",
    403: "permission_error",
    404: "not_found",
    409: "conflict",
    429: "rate_limit_error",
    500: "server_error",
    502: "provider_error",
}


def error_type(status: int) -> str:
    """The `error.type` of a status: listed above, else `invalid_request` (4xx), `server_error`."""
    return _ERROR_TYPES.get(status, "invalid_request" if status < 500 else "server_error")


def doc_url(code: str) -> str:
    """The `error.doc_url` of a code."""
    return DOC_URL.format(code=code)


def json_response(
    status: int,
    payload: object,
    request_id: str,
    extra_headers: Iterable[tuple[str, str]] = (),
) -> WireResponse:
    """A JSON response carrying the request id, like every response of the API."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = (
        ("content-type", JSON_CONTENT_TYPE),
        (REQUEST_ID_HEADER, request_id),
        *extra_headers,
    )
    return WireResponse(status, headers, body)


def empty_response(status: int, request_id: str) -> WireResponse:
    """A response without a body (204)."""
    return WireResponse(status, ((REQUEST_ID_HEADER, request_id),), b"")


def error_response(
    status: int,
    code: str,
    message: str,
    request_id: str,
    *,
    details: object = None,
    extra_headers: Iterable[tuple[str, str]] = (),
) -> WireResponse:
    """The API's error envelope: `{"error": {"type", "code", "message", "doc_url", "details"}}`."""
    payload = {
        "error": {
            "type": error_type(status),
            "code": code,
            "message": message,
            "doc_url": doc_url(code),
            "details": details,
        }
    }
    return json_response(status, payload, request_id, extra_headers)


def json_object(raw: bytes) -> dict[str, object]:
    """A request body as a JSON object: an empty body is `{}`; anything else is `invalid_json`."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return value


class ApiError(Exception):
    """Raised inside a route handler to answer with an error.

    Args:
        details: `error.details`: the context of the error (a JSON object), or None.
        headers: Headers the error answer carries besides the usual ones (`Allow`...).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Mapping[str, object] | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = None if details is None else dict(details)
        self.headers = headers

    def response(self, request_id: str) -> WireResponse:
        """The answer this error gives."""
        return error_response(
            self.status,
            self.code,
            self.message,
            request_id,
            details=self.details,
            extra_headers=self.headers,
        )


def format_timestamp(value: datetime) -> str:
    """RFC 3339 UTC with `Z`; milliseconds only when there are any (the docs show none)."""
    value = value.astimezone(timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = value.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def truncate_to_millis(value: datetime) -> datetime:
    """The precision the emulator stores and sends, so a timestamp read back compares equal."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


# fromisoformat() on Python 3.10 rejects "Z" and fractions other than 3 or 6 digits.
_ISO_8601 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?",
    re.ASCII,
)


def parse_timestamp(text: str) -> datetime | None:
    """Parse an ISO 8601 timestamp (`Z` or an offset; no offset means UTC), or None."""
    match = _ISO_8601.fullmatch(text)
    if match is None:
        return None
    try:
        base = datetime.strptime(match["date"], "%Y-%m-%d")
        fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
        value = base.replace(
            hour=int(match["hour"] or 0),
            minute=int(match["minute"] or 0),
            second=int(match["second"] or 0),
            microsecond=int(fraction),
        )
        tz = _parse_offset(match["offset"])
    except ValueError:
        return None
    return value.replace(tzinfo=tz).astimezone(timezone.utc)


def _parse_offset(text: str | None) -> timezone:
    if text is None or text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
