"""Injected faults: which of the next requests fail, stall or lose their connection."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from http import HTTPStatus
from urllib.parse import unquote

from ._wire import REQUEST_ID_HEADER, WireResponse, error_response

_DEFAULT_CODES = {
    408: "request_timeout",
    429: "rate_limit_exceeded",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
#: The `error.code` of an injected failure whose status has no entry above.
FALLBACK_FAULT_CODE = "injected_fault"

_ANY_SEGMENT = None


@dataclass(frozen=True)
class RoutePattern:
    """`"METHOD /path"` or `"/path"`; `{name}` matches one segment, a final `*` the rest."""

    method: str | None
    segments: tuple[str | None, ...]
    open_ended: bool

    @classmethod
    def parse(cls, route: str) -> RoutePattern:
        parts = route.split()
        if len(parts) == 1:
            method, path = None, parts[0]
        elif len(parts) == 2:
            method, path = parts[0].upper(), parts[1]
        else:
            raise ValueError(f"route {route!r} must look like 'POST /v1/numbers' or '/v1/numbers'")
        if not path.startswith("/"):
            raise ValueError(f"route {route!r}: the path must start with '/'")
        raw = path.partition("?")[0].split("/")[1:]
        open_ended = bool(raw) and raw[-1] == "*"
        if open_ended:
            raw = raw[:-1]
        segments = tuple(
            _ANY_SEGMENT if part.startswith("{") and part.endswith("}") else unquote(part)
            for part in raw
        )
        return cls(None if method in (None, "*") else method, segments, open_ended)

    def matches(self, method: str, segments: tuple[str, ...]) -> bool:
        if self.method is not None and self.method != method:
            return False
        if len(segments) < len(self.segments):
            return False
        if len(segments) > len(self.segments) and not self.open_ended:
            return False
        return all(
            (expected is _ANY_SEGMENT and actual != "") or expected == actual
            # An open-ended pattern matches longer paths: only its own segments are compared.
            for expected, actual in zip(self.segments, segments, strict=False)
        )


@dataclass
class Fault:
    """One injected fault, applied to the next `remaining` matching requests."""

    kind: str  # "fail", "drop" or "delay"
    remaining: int
    route: RoutePattern | None
    after_processing: bool
    status: int = 503
    code: str | None = None
    message: str | None = None
    retry_after: str | None = None
    details: object = None
    body: bytes | None = None
    seconds: float = 0.0
    # Only requests whose JSON body is an object holding these fields with these values count
    # (None: any request). Not on `fail_next` yet; the docs' world aims its rollout faults with
    # it, so they meet the same clinics however the concurrent imports arrive.
    body_has: Mapping[str, object] | None = None

    def applies_to(
        self, method: str, segments: tuple[str, ...], fields: Mapping[str, object] | None
    ) -> bool:
        if self.remaining <= 0:
            return False
        if self.route is not None and not self.route.matches(method, segments):
            return False
        if self.body_has is None:
            return True
        return fields is not None and all(
            name in fields and fields[name] == value for name, value in self.body_has.items()
        )

    def response(self, request_id: str) -> WireResponse | None:
        """The answer this fault gives instead of the API's (None: drop the connection)."""
        if self.kind == "drop":
            return None
        extra = (("retry-after", self.retry_after),) if self.retry_after is not None else ()
        if self.body is not None:
            content_type = "text/html" if self.body.lstrip().startswith(b"<") else "text/plain"
            headers = (
                ("content-type", f"{content_type}; charset=utf-8"),
                (REQUEST_ID_HEADER, request_id),
                *extra,
            )
            return WireResponse(self.status, headers, self.body)
        code = self.code or _DEFAULT_CODES.get(self.status, FALLBACK_FAULT_CODE)
        message = self.message or f"{_reason(self.status)} (injected by FakeNixflex)."
        details = self.details
        if details is None and self.status == 429 and self.retry_after is not None:
            # The API repeats a 429's wait in `details.retry_after`, in seconds.
            seconds = _seconds(self.retry_after)
            details = None if seconds is None else {"retry_after": seconds}
        return error_response(
            self.status, code, message, request_id, details=details, extra_headers=extra
        )


@dataclass(frozen=True)
class Plan:
    """The faults one request drew when it arrived."""

    delay: Fault | None = None
    outcome: Fault | None = None

    @property
    def pause_before(self) -> float:
        return self.delay.seconds if self.delay and not self.delay.after_processing else 0.0

    @property
    def pause_after(self) -> float:
        return self.delay.seconds if self.delay and self.delay.after_processing else 0.0

    @property
    def processes(self) -> bool:
        """Whether the request reaches the API (and may change state)."""
        return self.outcome is None or self.outcome.after_processing

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(fault.kind for fault in (self.delay, self.outcome) if fault is not None)


class FaultQueue:
    """Pending faults in the order they were added. The caller holds the emulator's lock."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    @property
    def pending(self) -> int:
        return sum(fault.remaining for fault in self._faults)

    def take(self, method: str, segments: tuple[str, ...], body: bytes = b"") -> Plan:
        """Consume at most one delay and one fail-or-drop fault for this request."""
        fields = _json_object(body) if any(f.body_has is not None for f in self._faults) else None
        delay = self._first(method, segments, fields, ("delay",))
        outcome = self._first(method, segments, fields, ("fail", "drop"))
        self._faults = [fault for fault in self._faults if fault.remaining > 0]
        return Plan(delay, outcome)

    def _first(
        self,
        method: str,
        segments: tuple[str, ...],
        fields: Mapping[str, object] | None,
        kinds: tuple[str, ...],
    ) -> Fault | None:
        for fault in self._faults:
            if fault.kind in kinds and fault.applies_to(method, segments, fields):
                fault.remaining -= 1
                return fault
        return None


def _json_object(body: bytes) -> Mapping[str, object] | None:
    """The request's JSON body when it is an object, else None."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def check_count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return n


def check_seconds(seconds: float, name: str = "seconds") -> float:
    if isinstance(seconds, bool) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{name} must be a finite number of seconds >= 0, got {seconds!r}")
    return float(seconds)


def check_status(status: int) -> int:
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError(f"status must be an HTTP error status (400-599), got {status!r}")
    return status


def retry_after_header(value: float | str | datetime | None) -> str | None:
    """`Retry-After` as sent: whole seconds stay integers, a datetime becomes an HTTP date."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return format_datetime(aware.astimezone(timezone.utc), usegmt=True)
    seconds = check_seconds(value, "retry_after")
    return str(int(seconds)) if seconds.is_integer() else f"{seconds:g}"


def check_details(details: object) -> object:
    """`details` as sent: a JSON object or list, copied (so later changes to it do not count)."""
    if details is None:
        return None
    if not isinstance(details, (Mapping, list, tuple)):
        raise ValueError(f"details must be a JSON object or list, got {type(details).__name__}")
    try:
        return json.loads(json.dumps(details, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"details must be JSON: {exc}") from None


def _seconds(retry_after: str) -> int | float | None:
    """A `Retry-After` in seconds as a JSON number, or None for an HTTP date."""
    try:
        seconds = float(retry_after)
    except ValueError:
        return None
    if not math.isfinite(seconds):
        return None
    return int(seconds) if seconds.is_integer() else seconds


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
