"""Per-number webhook URLs (the three routes of each slot) and signed deliveries to them.

The routes keep the API's checks: a number that is not the caller's answers 404
`number_not_found` (another account's exactly like a missing one), a PUT without `url` 400
`missing_field`, a `url` that is not an `https://` URL with a host 400 `invalid_field`. DELETE
answers 204 whether or not the slot held a URL. A delivery is built the way the API builds one
(`build_delivery`): a flat JSON body for the event, signed with the key secret of the account
that owns the number, and posted to the number's URLs by `post_delivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._wire import (
    ApiError,
    WireResponse,
    empty_response,
    format_timestamp,
    json_object,
    json_response,
)

if TYPE_CHECKING:
    from ._routes import Context, Handler
    from ._state import State

SIGNATURE_HEADER = "X-Nixflex-Signature"
#: How old `stale=True` makes a delivery's signature: twice the SDK's default tolerance.
STALE_SECONDS = 600
_CALLER = "+15559876543"
_SLOTS = {"webhook": 1, "webhook2": 2}


@dataclass(frozen=True)
class WebhookDelivery:
    """One delivery as the API would send it (from `FakeNixflex.webhook_delivery`).

    Attributes:
        phone_number: The number whose event it is.
        payload: The event, as decoded JSON (what was signed, even when `body` was tampered).
        body: The request body, exactly as sent.
        headers: The request headers: `Content-Type`, `User-Agent`, `X-Nixflex-Signature`.
    """

    phone_number: str
    payload: dict[str, Any]
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        """The `X-Nixflex-Signature` header's value."""
        return self.headers[SIGNATURE_HEADER]


@dataclass(frozen=True)
class WebhookAttempt:
    """The outcome of posting a delivery to one URL (from `FakeNixflex.deliver_webhook`).

    Attributes:
        url: Where it was posted.
        slot: The number's slot that holds the URL (1 or 2), or None for a URL passed as `url=`.
        status_code: The receiver's HTTP status, or None when no answer came.
        error: Why no answer came (the exception's class name), else None.
        delivery: What was posted.
    """

    url: str
    slot: int | None
    status_code: int | None
    error: str | None
    delivery: WebhookDelivery

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


# -- routes ----------------------------------------------------------------------------------


def _slot(ctx: Context) -> int:
    return _SLOTS[ctx.request.segments[2]]


def _owned_number(ctx: Context) -> str:
    number = ctx.state.imported.get(ctx.params[0])
    if number is None or number.account_id != ctx.account_id:
        raise ApiError(404, "number_not_found", "No such phone number in this account.")
    return number.phone_number


def _config(phone_number: str, url: str | None) -> dict[str, object]:
    return {"phone_number": phone_number, "webhook_url": url, "is_set": url is not None}


def _get_webhook(ctx: Context) -> WireResponse:
    phone_number = _owned_number(ctx)
    url = ctx.state.webhook_urls.get((phone_number, _slot(ctx)))
    return json_response(200, _config(phone_number, url), ctx.request_id)


def _put_webhook(ctx: Context) -> WireResponse:
    phone_number = _owned_number(ctx)
    body = json_object(ctx.request.body)
    if "url" not in body:
        raise ApiError(400, "missing_field", "url is required.", details={"fields": ["url"]})
    url = body["url"]
    if not isinstance(url, str) or not _is_https(url):
        raise ApiError(
            400,
            "invalid_field",
            "url must be an https:// URL.",
            details={"field": "url", "expected": "https URL"},
        )
    ctx.state.webhook_urls[(phone_number, _slot(ctx))] = url
    return json_response(200, _config(phone_number, url), ctx.request_id)


def _delete_webhook(ctx: Context) -> WireResponse:
    phone_number = _owned_number(ctx)
    ctx.state.webhook_urls.pop((phone_number, _slot(ctx)), None)
    return empty_response(204, ctx.request_id)


def _is_https(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


_METHODS: Mapping[str, Handler] = {
    "GET": _get_webhook,
    "PUT": _put_webhook,
    "DELETE": _delete_webhook,
}
#: Registered in `_routes._ROUTES`: `/v1/integrations/webhook{,2}/number/{n}`.
ROUTES: tuple[tuple[tuple[str | None, ...], Mapping[str, Handler]], ...] = tuple(
    (("v1", "integrations", kind, "number", None), _METHODS) for kind in _SLOTS
)


# -- deliveries ------------------------------------------------------------------------------


def build_delivery(
    state: State,
    phone_number: str,
    event: str,
    *,
    fields: Mapping[str, Any] | None,
    call_id: str | None,
    stale: bool,
    tamper: bool,
    signed_at: float | None,
) -> WebhookDelivery:
    """A delivery of `event` for an imported number, signed with its account's key secret."""
    number = state.imported.get(phone_number)
    if number is None:
        raise ValueError(f"no imported number {phone_number!r}: import it first")
    secret = state.accounts[number.account_id].key_secret
    payload = _payload(state, event, phone_number, number.agent_id, call_id)
    payload.update(fields or {})
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    if signed_at is None:
        signed_at = time.time() - (STALE_SECONDS if stale else 0)
    t = int(signed_at)
    digest = hmac.new(secret.encode("utf-8"), b"%d." % t + body, hashlib.sha256).hexdigest()
    if tamper:
        body = json.dumps({**payload, "tampered": True}, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Nixflex-Webhooks/1.0 (emulator)",
        SIGNATURE_HEADER: f"t={t},v1={digest}",
    }
    return WebhookDelivery(phone_number, payload, body, headers)


def urls_of(state: State, phone_number: str) -> list[tuple[int, str]]:
    """The (slot, URL) pairs set for a number, slot 1 first."""
    return [
        (slot, state.webhook_urls[(phone_number, slot)])
        for slot in (1, 2)
        if (phone_number, slot) in state.webhook_urls
    ]


def post_delivery(
    delivery: WebhookDelivery, targets: list[tuple[int | None, str]], timeout: float
) -> list[WebhookAttempt]:
    """POST `delivery` to each target, one after the other, as the API does: no retries."""
    import httpx

    attempts = []
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        for slot, url in targets:
            try:
                response = http.post(url, content=delivery.body, headers=delivery.headers)
            except httpx.HTTPError as exc:
                attempts.append(WebhookAttempt(url, slot, None, type(exc).__name__, delivery))
            else:
                attempts.append(WebhookAttempt(url, slot, response.status_code, None, delivery))
    return attempts


def _payload(
    state: State, event: str, phone_number: str, agent_id: str, call_id: str | None
) -> dict[str, Any]:
    ended = state.now()
    started = ended - timedelta(seconds=95)
    call_id = call_id or f"call_{state.hex_id(24)}"
    common: dict[str, Any] = {"event": event, "call_id": call_id, "agent_id": agent_id}
    turns = [
        {"role": "agent", "text": "Smile Dental, how can I help?", "timestamp_ms": 0},
        {"role": "user", "text": "Can I book a check-up for Tuesday?", "timestamp_ms": 2400},
        {"role": "agent", "text": "Tuesday at 10am is free. Book it?", "timestamp_ms": 5100},
    ]
    if event in ("call.started", "call.completed"):
        payload = {
            **common,
            "direction": "inbound",
            "from": _CALLER,
            "to": phone_number,
            "status": "in_progress" if event == "call.started" else "completed",
            "started_at": format_timestamp(started),
            "metadata": {},
        }
        if event == "call.completed":
            payload.update(
                ended_reason="caller_hangup",
                ended_at=format_timestamp(ended),
                duration_seconds=95,
                transcript="\n".join(
                    f"{'Agent' if t['role'] == 'agent' else 'Caller'}: {t['text']}" for t in turns
                ),
                summary="The caller booked a check-up for Tuesday at 10am.",
                sentiment="positive",
                successful=True,
                extracted={"appointment": "Tuesday 10:00"},
            )
        return payload
    if event in ("call.ended", "call.failed"):
        failed = event == "call.failed"
        return {
            **common,
            "direction": "inbound",
            "from_number": _CALLER,
            "to_number": phone_number,
            "status": "failed" if failed else "ended",
            "ended_reason": "provider_error" if failed else "caller_hangup",
            "started_at": format_timestamp(started),
            "ended_at": format_timestamp(ended),
            "duration_seconds": 0 if failed else 95,
            "transcript": [] if failed else turns,
            "call_summary": None if failed else "The caller booked a check-up for Tuesday.",
            "caller_sentiment": None if failed else "positive",
            "call_successful": not failed,
            "extracted_data": {} if failed else {"appointment": "Tuesday 10:00"},
            "metadata": {},
        }
    if event == "sms.delivered":
        return {
            "event": event,
            "agent_id": agent_id,
            "message_id": f"msg_{state.hex_id(24)}",
            "from_number": phone_number,
            "to_number": _CALLER,
            "body": "See you on Tuesday at 10am.",
            "status": "delivered",
        }
    if event == "webhook.test":
        return {
            "event": event,
            "agent_id": agent_id,
            "phone_number": phone_number,
            "sent_at": format_timestamp(ended),
        }
    return common
