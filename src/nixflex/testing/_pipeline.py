"""The request pipeline: draw faults, pause, answer with the API under the lock, record.

`Pipeline` is the `Handler` that every way in (`_transport`, `_server`) is built from. The pauses
(latency, injected delays) are yielded rather than slept so that the sync transport, the async
transport and the threaded server can each wait in their own way, and so that no one ever sleeps
while holding the lock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Generator
from typing import Any

from ._faults import FaultQueue, Plan, check_seconds
from ._records import RecordedRequest
from ._routes import handle_api
from ._state import State
from ._wire import Exchange, Outcome, WireRequest, WireResponse

REDACTED = "<redacted>"
_TOKEN_FIELDS = ("twilio_token", "twilioToken", "telnyx_api_key", "telnyxApiKey")


class Pipeline:
    """Answers requests from one emulator's state and pending faults.

    Args:
        state: What the API reads and changes.
        lock: Guards `state` and `faults`; the caller's seeding and views take it too.
        faults: Faults waiting for the next matching requests.
        latency: Seconds added to every request, before it is processed.
        record_requests: Keep every request (secrets redacted) in `state.requests`.

    Example:
        ```python
        request = WireRequest.from_target("GET", "/v1/numbers")
        with contextlib.closing(pipeline(request)) as exchange:
            for pause in exchange:
                time.sleep(pause)
        exchange.outcome.response  # a WireResponse, or None: close without answering
        ```
    """

    def __init__(
        self,
        state: State,
        lock: threading.Lock,
        faults: FaultQueue,
        *,
        latency: float = 0.0,
        record_requests: bool = True,
    ) -> None:
        self._state = state
        self._lock = lock
        self._faults = faults
        self._latency = check_seconds(latency, "latency")
        self._record_requests = record_requests

    @property
    def latency(self) -> float:
        """Seconds added to every request."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._latency = check_seconds(seconds, "latency")

    def __call__(self, request: WireRequest) -> Exchange:
        """Run one request through faults, pauses and the API; see `Exchange`."""
        return Exchange(self._steps(request))

    def _steps(self, request: WireRequest) -> Generator[float, None, Outcome]:
        with self._lock:
            plan = self._faults.take(request.method, request.segments, request.body)
            request_id = self._state.request_id()
        pause = self._latency + plan.pause_before
        if pause > 0:
            yield pause
        with self._lock:
            response = handle_api(self._state, request, request_id) if plan.processes else None
            if plan.outcome is not None:
                response = plan.outcome.response(request_id)
            if self._record_requests:
                self._state.requests.append(_record(request, response, plan, request_id))
        if plan.pause_after > 0:
            yield plan.pause_after
        return Outcome(response)


def _record(
    request: WireRequest, response: WireResponse | None, plan: Plan, request_id: str
) -> RecordedRequest:
    headers = dict(request.headers)
    key_id: str | None = None
    if "authorization" in headers:
        scheme, _, token = headers["authorization"].strip().partition(" ")
        key_part, sep, _ = token.strip().partition(":")
        key_id = key_part if sep and key_part else None
        shown = f"{key_id}:{REDACTED}" if key_id else REDACTED
        headers["authorization"] = f"{scheme} {shown}" if token else REDACTED
    error_code = None
    if response is not None and response.status >= 400:
        payload = response.json()
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            code = payload["error"].get("code")
            error_code = code if isinstance(code, str) else None
    return RecordedRequest(
        method=request.method,
        path=request.path,
        raw_path=request.raw_path,
        query=dict(request.query),
        json=_redacted_json(request.body),
        headers=headers,
        key_id=key_id,
        status=None if response is None else response.status,
        error_code=error_code,
        faults=plan.labels,
        processed=plan.processes,
        request_id=request_id,
    )


def _redacted_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if isinstance(value, dict):
        for name in _TOKEN_FIELDS:
            if name in value:
                value[name] = REDACTED
    return value
