"""Webhook deliveries: check that one comes from Nixflex, and read it as a typed event.

Nixflex signs every delivery with your account's key secret (the half of the API key after the
colon; there is no separate webhook secret). The `X-Nixflex-Signature` header reads
`t=<unix seconds>,v1=<64 lowercase hex digits>`, where `v1` is the HMAC-SHA256 of the bytes
`<t>.` followed by the raw request body, keyed with the key secret. A delivery is genuine when
`v1` matches (compared in constant time) and `t` is within `tolerance` seconds of now, in either
direction, which stops an old delivery from being replayed.

```python
import nixflex

event = nixflex.webhooks.unwrap(raw_body, headers, key_secret=key_secret)
if isinstance(event, nixflex.webhooks.CallCompleted):
    print(event.call_id, event.summary)
```

Verify the body exactly as it arrived (the bytes, before any JSON parsing): a body parsed and
serialised again no longer matches its signature. Every refusal raises
`nixflex.WebhookVerificationError`, whose `reason` and message say which check failed and
never hold the secret. `client.webhooks.verify` / `unwrap` do the same with the client's own key.

Events. `call.started` is a `CallStarted`; `call.completed`, and the older `call.ended` and
`call.failed`, are a `CallCompleted` (`.event` keeps the type as sent; a failed call has
`status == "failed"`); `sms.delivered` is an `SmsDelivered`; `webhook.test` a `WebhookTest`;
any other type an `UnknownEvent`. The older field names land on the same attributes:
`from_number` -> `from_`, `to_number` -> `to`, `call_summary` -> `summary`, `caller_sentiment`
-> `sentiment`, `call_successful` -> `successful`, `extracted_data` -> `extracted`; an older
transcript (a list of `{role, text, timestamp_ms}`) is kept in `transcript_turns` and joined
into `transcript` as the newer deliveries send it (`Agent: ...` / `Caller: ...` lines). Every
event keeps the whole decoded body in `raw`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol, TypeAlias

import attrs

from ._exceptions import WebhookVerificationError
from .models import _Model

__all__ = [
    "DEFAULT_TOLERANCE",
    "SIGNATURE_HEADER",
    "CallCompleted",
    "CallStarted",
    "Headers",
    "SmsDelivered",
    "TranscriptTurn",
    "UnknownEvent",
    "WebhookConfig",
    "WebhookEvent",
    "WebhookTest",
    "WebhookVerificationError",
    "sign",
    "unwrap",
    "verify",
]

SIGNATURE_HEADER = "X-Nixflex-Signature"
"""The header that carries a delivery's signature."""
DEFAULT_TOLERANCE = 300
"""How many seconds a signature's timestamp may be away from now, either way."""


class _HeaderItems(Protocol):
    """Headers with `items()`: any mapping, Flask's (werkzeug's) `Headers`, `email.message`."""

    def items(self) -> Iterable[tuple[str, str]]:
        """(name, value) of each header."""
        ...


Headers: TypeAlias = "_HeaderItems | Iterable[tuple[str | bytes, str | bytes]] | str | bytes"
"""A request's headers (any mapping, looked up case-insensitively, or `(name, value)` pairs as
in an ASGI scope) or the `X-Nixflex-Signature` header's value itself."""

_HEX_SIGNATURE = re.compile(r"[0-9a-f]{64}", re.ASCII)
_SECONDS = re.compile(r"[0-9]{1,12}", re.ASCII)
_MALFORMED = (
    f"malformed {SIGNATURE_HEADER} header: expected 't=<unix seconds>,v1=<64 lowercase hex digits>'"
)


# --- models ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class WebhookConfig(_Model):
    """A number's webhook slot, as `client.webhooks.get` / `set` report it.

    Attributes:
        phone_number: the number, in E.164 form.
        webhook_url: where deliveries for it go, in full, or `None` when the slot is empty.
        is_set: whether a URL is set.
    """

    phone_number: str
    webhook_url: str | None = None
    is_set: bool = False


@attrs.frozen(kw_only=True)
class TranscriptTurn(_Model):
    """One turn of an older delivery's transcript (`call.ended` family).

    Attributes:
        role: who spoke, as sent (`"agent"`, `"user"`...).
        text: what they said.
        timestamp_ms: milliseconds from the start of the call, if sent.
    """

    role: str
    text: str
    timestamp_ms: float | None = None


@attrs.frozen(kw_only=True)
class WebhookEvent(_Model):
    """What every delivery has: the base of the event classes.

    Attributes:
        event: the event type as sent (`"call.completed"`, `"call.ended"`...).
        call_id: the call it is about; use it as the idempotency key (a delivery may arrive
            more than once).
        agent_id: the agent that took the call.
        metadata: your own metadata attached to the call, if any.
        raw: the whole decoded JSON body, every field included (not in `repr()`).
    """

    event: str
    call_id: str | None = None
    agent_id: str | None = None
    metadata: dict[str, Any] | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class CallStarted(WebhookEvent):
    """`call.started`: a call on one of your numbers began.

    Attributes:
        direction: `"inbound"` or `"outbound"`.
        from_: the caller's number (the API's `from`, or an older delivery's `from_number`).
        to: the number called (`to`, or `to_number`).
        status: the call's status as sent.
        started_at: when it started (an aware `datetime`).
    """

    direction: str | None = None
    from_: str | None = attrs.field(default=None, metadata={"aliases": ("from", "from_number")})
    to: str | None = attrs.field(default=None, metadata={"aliases": ("to_number",)})
    status: str | None = None
    started_at: datetime | None = None


@attrs.frozen(kw_only=True)
class CallCompleted(CallStarted):
    """`call.completed` (and the older `call.ended` and `call.failed`): a call is over.

    Attributes:
        status: e.g. `"completed"`; `"failed"` for an older `call.failed` that sent none.
        ended_reason: why it ended (`"caller_hangup"`...).
        ended_at: when it ended.
        duration_seconds: how long it lasted.
        transcript: the whole conversation, one line per turn, each prefixed `Agent:` or
            `Caller:`.
        transcript_turns: the turns as an older delivery sends them, else `None`.
        summary: a summary of the call (older: `call_summary`).
        sentiment: the caller's sentiment (older: `caller_sentiment`).
        successful: whether the call achieved its goal (older: `call_successful`).
        extracted: the data the agent extracted (older: `extracted_data`).
    """

    ended_reason: str | None = None
    ended_at: datetime | None = None
    duration_seconds: float | None = None
    transcript: str | None = None
    transcript_turns: list[TranscriptTurn] | None = None
    summary: str | None = attrs.field(default=None, metadata={"aliases": ("call_summary",)})
    sentiment: str | None = attrs.field(default=None, metadata={"aliases": ("caller_sentiment",)})
    successful: bool | None = attrs.field(default=None, metadata={"aliases": ("call_successful",)})
    extracted: dict[str, Any] | None = attrs.field(
        default=None, metadata={"aliases": ("extracted_data",)}
    )


@attrs.frozen(kw_only=True)
class SmsDelivered(WebhookEvent):
    """`sms.delivered` (older accounts): a text message was delivered.

    Attributes:
        from_: the sender (`from` or `from_number`).
        to: the recipient (`to` or `to_number`).
        body: the text, if sent (treat it as untrusted input).
        status: the delivery status as sent.
    """

    from_: str | None = attrs.field(default=None, metadata={"aliases": ("from", "from_number")})
    to: str | None = attrs.field(default=None, metadata={"aliases": ("to_number",)})
    body: str | None = None
    status: str | None = None


@attrs.frozen(kw_only=True)
class WebhookTest(WebhookEvent):
    """`webhook.test`: a test delivery, sent to check that your endpoint works."""


@attrs.frozen(kw_only=True)
class UnknownEvent(WebhookEvent):
    """A genuine delivery of a type this SDK does not know yet: read its fields in `raw`."""


_EVENT_CLASSES: dict[str, type[WebhookEvent]] = {
    "call.started": CallStarted,
    "call.completed": CallCompleted,
    "call.ended": CallCompleted,
    "call.failed": CallCompleted,
    "sms.delivered": SmsDelivered,
    "webhook.test": WebhookTest,
}


# --- signing and verifying -------------------------------------------------------------------


def sign(payload: bytes | str, *, key_secret: str, timestamp: int | None = None) -> str:
    """The `X-Nixflex-Signature` value Nixflex would send with `payload`: for your own tests.

    Args:
        payload: the request body.
        key_secret: the key secret to sign with.
        timestamp: the Unix time to sign at (default: now); an old one makes a stale delivery.
    """
    body = _body(payload)
    secret = _secret(key_secret)
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={_digest(secret, t, body)}"


def verify(
    payload: bytes | str,
    headers: Headers,
    *,
    key_secret: str,
    tolerance: float = DEFAULT_TOLERANCE,
) -> None:
    """Check that a delivery comes from Nixflex; raise `WebhookVerificationError` if not.

    Args:
        payload: the raw request body, exactly as received (`bytes`; a `str` is encoded as
            UTF-8).
        headers: the request's headers (any mapping, looked up case-insensitively: Starlette's
            `request.headers`, Flask's, Django's `request.headers`), or the
            `X-Nixflex-Signature` value itself.
        key_secret: your key secret (the half of the API key after the colon).
        tolerance: how many seconds the signature's timestamp may be from now, either way.

    Raises:
        WebhookVerificationError: the header is missing or malformed, the signature does not
            match, or the timestamp is outside the tolerance.
        ValueError: `key_secret` is empty or `tolerance` negative.
    """
    body = _body(payload)
    secret = _secret(key_secret)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
        raise ValueError("tolerance must be a number of seconds >= 0")
    timestamp, candidates = _parse_header(_header_value(headers))
    expected = _digest(secret, timestamp, body)
    # Every candidate is compared (no early exit) and in constant time.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise WebhookVerificationError(
            f"wrong signature: the {SIGNATURE_HEADER} header does not match the body (verify "
            "the raw body as received, with the key secret of the account that owns the number)",
            reason="wrong_signature",
        )
    age = time.time() - timestamp
    if abs(age) > tolerance:
        when = f"{age:.0f} s ago" if age > 0 else f"{-age:.0f} s in the future"
        raise WebhookVerificationError(
            f"stale timestamp: the delivery was signed {when}, beyond the tolerance of "
            f"{tolerance:g} s (a replayed delivery, or a clock that is off)",
            reason="stale_timestamp",
        )


def unwrap(
    payload: bytes | str,
    headers: Headers,
    *,
    key_secret: str,
    tolerance: float = DEFAULT_TOLERANCE,
) -> WebhookEvent:
    """Verify a delivery (see `verify`) and return it as a typed event.

    Returns:
        A `CallStarted`, `CallCompleted`, `SmsDelivered`, `WebhookTest`, or for a type this SDK
            does not know, an `UnknownEvent`; each keeps the whole body in `raw`.

    Raises:
        WebhookVerificationError: as `verify`, or (`reason="invalid_body"`) the body is not a
            JSON object, or a field has the wrong type for its event.
    """
    verify(payload, headers, key_secret=key_secret, tolerance=tolerance)
    return parse_event(_body(payload))


def parse_event(body: bytes) -> WebhookEvent:
    """A delivery's body as a typed event, without checking its signature (use `unwrap`)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise WebhookVerificationError(
            "body not JSON: the delivery is signed but its body is not a JSON object",
            reason="invalid_body",
        )
    event = data.get("event")
    cls = _EVENT_CLASSES.get(event) if isinstance(event, str) else None
    if cls is None or not isinstance(event, str):
        return UnknownEvent(
            event=event if isinstance(event, str) else "",
            call_id=_text(data.get("call_id")),
            agent_id=_text(data.get("agent_id")),
            metadata=data["metadata"] if isinstance(data.get("metadata"), dict) else None,
            raw=data,
        )
    from ._convert import structure

    try:
        return structure(_normalised(data, event), cls)
    except (KeyError, TypeError, ValueError) as exc:
        raise WebhookVerificationError(
            f"the body of this {event} delivery does not have the documented shape: {exc}",
            reason="invalid_body",
        ) from None


def _normalised(data: dict[str, Any], event: str) -> dict[str, Any]:
    """`data` with the older shapes made newer: a transcript list, epoch timestamps."""
    out = dict(data)
    out["raw"] = data
    out.pop("transcript_turns", None)
    transcript = data.get("transcript")
    if isinstance(transcript, list):
        out["transcript_turns"] = transcript
        out["transcript"] = "\n".join(_turn_line(turn) for turn in transcript)
    for name in ("started_at", "ended_at"):
        value = data.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # Epoch seconds, or milliseconds from a later year than 5138 in seconds.
            seconds = value / 1000 if value > 1e11 else value
            out[name] = datetime.fromtimestamp(seconds, timezone.utc).isoformat()
    if event == "call.failed" and out.get("status") is None:
        out["status"] = "failed"
    return out


def _turn_line(turn: object) -> str:
    if not isinstance(turn, Mapping):
        raise TypeError("transcript: expected a list of {role, text} objects")
    role = str(turn.get("role", ""))
    speaker = {"agent": "Agent", "assistant": "Agent", "bot": "Agent"}.get(role.lower(), "Caller")
    return f"{speaker}: {turn.get('text', '')}"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _body(payload: bytes | str) -> bytes:
    if isinstance(payload, str):
        try:
            return payload.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "payload is not valid Unicode text (it holds a lone surrogate)"
            ) from None
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    raise TypeError(f"payload must be bytes or str, got {type(payload).__name__}")


def _secret(key_secret: str) -> bytes:
    if not isinstance(key_secret, str):
        raise TypeError(f"key_secret must be a str, got {type(key_secret).__name__}")
    if not key_secret:
        raise ValueError("key_secret must not be empty")
    return key_secret.encode("utf-8")


def _digest(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, b"%d." % timestamp + body, hashlib.sha256).hexdigest()


def _header_value(headers: Headers) -> str:
    """The signature header's value, from the headers or as given; refused when missing."""
    value: str | None
    if isinstance(headers, str):
        value = headers
    elif isinstance(headers, (bytes, bytearray)):
        value = bytes(headers).decode("latin-1")
    else:
        value = None
        items = _pairs(headers)
        wanted = SIGNATURE_HEADER.lower()
        for key, item in items:
            name = key.decode("latin-1") if isinstance(key, bytes) else key
            if isinstance(name, str) and name.lower() == wanted:
                value = item.decode("latin-1") if isinstance(item, bytes) else str(item)
                break
    if value is None or not value.strip():
        raise WebhookVerificationError(
            f"missing {SIGNATURE_HEADER} header: the request is not signed by Nixflex",
            reason="missing_header",
        )
    return value


def _pairs(headers: Any) -> Iterable[tuple[Any, Any]]:
    items = getattr(headers, "items", None)
    # Flask's (werkzeug's) Headers is no `Mapping`, but has `items()` like one.
    return items() if callable(items) else headers  # type: ignore[no-any-return]


def _parse_header(value: str) -> tuple[int, list[str]]:
    """(t, the v1 signatures) from `t=...,v1=...`; several `v1` may come during a key change."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            raise WebhookVerificationError(_MALFORMED, reason="malformed_header")
        if key == "t":
            if timestamp is not None or not _SECONDS.fullmatch(item):
                raise WebhookVerificationError(_MALFORMED, reason="malformed_header")
            timestamp = int(item)
        elif key == "v1":
            if not _HEX_SIGNATURE.fullmatch(item):
                raise WebhookVerificationError(_MALFORMED, reason="malformed_header")
            candidates.append(item)
    if timestamp is None or not candidates:
        raise WebhookVerificationError(_MALFORMED, reason="malformed_header")
    return timestamp, candidates
