"""`client.webhooks` and `nixflex.webhooks`: per-number URLs on the wire, and deliveries checked.

Every signature a test relies on is computed here with `hmac` by hand (`signed`), never by the
SDK's own `sign`, so a mistake in the SDK's signing cannot hide a mistake in its verifying.
Tests that take `client` run on every client kind (`tests/support.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
import time
from datetime import datetime, timezone
from typing import Any

import pytest
import respx
from typing_extensions import assert_type

import nixflex
from nixflex.webhooks import (
    CallCompleted,
    CallStarted,
    SmsDelivered,
    TranscriptTurn,
    UnknownEvent,
    WebhookConfig,
    WebhookEvent,
    WebhookTest,
)
from tests.support import KEY_SECRET, AnyClient, assert_sdk_headers, only_request, run, sent_json

pytestmark = pytest.mark.anyio

NUMBER = "+447446466847"
SLOT_1 = "/v1/integrations/webhook/number/%2B447446466847"
SLOT_2 = "/v1/integrations/webhook2/number/%2B447446466847"
URL = "https://clinic.example/hooks/nixflex"
SECRET = "nxfs_test_secret_0123456789"

COMPLETED = {
    "event": "call.completed",
    "call_id": "call_1",
    "agent_id": "agent_125207e452f8714a",
    "direction": "inbound",
    "from": "+15559876543",
    "to": NUMBER,
    "status": "completed",
    "ended_reason": "caller_hangup",
    "started_at": "2026-05-03T01:58:00Z",
    "ended_at": "2026-05-03T01:59:31.548911+00:00",
    "duration_seconds": 91.5,
    "transcript": "Agent: Hello\nCaller: Hi",
    "summary": "Booked a check-up.",
    "sentiment": "positive",
    "successful": True,
    "extracted": {"appointment": "Tuesday 10:00"},
    "metadata": {"clinic": "croydon"},
}


def signed(body: bytes, secret: str = SECRET, *, at: float | None = None) -> str:
    """The header value, computed by hand from the documented recipe."""
    t = int(time.time() if at is None else at)
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


# --- set / get / delete on the wire --------------------------------------------------------------


@pytest.mark.parametrize(("slot", "path"), [(1, SLOT_1), (2, SLOT_2)])
async def test_set_puts_the_url_to_the_slots_path(
    client: AnyClient, api: respx.MockRouter, slot: int, path: str
) -> None:
    api.put(path).respond(200, json={"phone_number": NUMBER, "webhook_url": URL, "is_set": True})

    config = await run(client.webhooks.set(NUMBER, URL, slot=slot))

    assert config == WebhookConfig(phone_number=NUMBER, webhook_url=URL, is_set=True)
    request = only_request(api)
    assert request.method == "PUT"
    assert request.url.raw_path == path.encode()
    assert sent_json(request) == {"url": URL}
    assert_sdk_headers(request, with_body=True)


async def test_get_reads_the_config_and_delete_sends_delete(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(SLOT_2).respond(
        200, json={"phone_number": NUMBER, "webhook_url": None, "is_set": False}
    )
    api.delete(SLOT_1).respond(204)

    config = await run(client.webhooks.get(NUMBER, slot=2))
    assert config.is_set is False
    assert config.webhook_url is None
    await run(client.webhooks.delete(NUMBER))
    assert [r.method for r, _ in api.calls] == ["GET", "DELETE"]


async def test_an_answer_without_is_set_derives_it_from_the_url(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(SLOT_1).respond(200, json={"webhookUrl": URL})

    config = await run(client.webhooks.get(NUMBER))

    assert config == WebhookConfig(phone_number=NUMBER, webhook_url=URL, is_set=True)


async def test_an_unknown_number_is_number_not_found(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(SLOT_1).respond(
        404, json={"error": {"code": "number_not_found", "message": "No such number."}}
    )
    with pytest.raises(nixflex.NumberNotFoundError):
        await run(client.webhooks.get(NUMBER))


@pytest.mark.parametrize(
    "url",
    [
        "http://clinic.example/hooks",
        "ftp://clinic.example/hooks",
        "https://",
        "clinic.example/hooks",
        "",
    ],
)
async def test_a_url_that_is_not_https_is_refused_before_sending(
    client: AnyClient, api: respx.MockRouter, url: str
) -> None:
    with pytest.raises(ValueError, match="https://") as caught:
        await run(client.webhooks.set(NUMBER, url))
    assert not api.calls
    if len(url) > len("https://"):
        assert url not in str(caught.value)


@pytest.mark.parametrize("slot", [0, 3, -1])
async def test_a_slot_other_than_1_or_2_is_refused_before_sending(
    client: AnyClient, api: respx.MockRouter, slot: int
) -> None:
    for call in (
        lambda: client.webhooks.set(NUMBER, URL, slot=slot),
        lambda: client.webhooks.get(NUMBER, slot=slot),
        lambda: client.webhooks.delete(NUMBER, slot=slot),
    ):
        with pytest.raises(ValueError, match="slot"):
            await run(call())
    assert not api.calls


# --- verifying with the client's own key secret --------------------------------------------------


async def test_the_client_verifies_with_its_own_key_secret(client: AnyClient) -> None:
    body = body_of(COMPLETED)
    headers = {"X-Nixflex-Signature": signed(body, KEY_SECRET)}

    client.webhooks.verify(body, headers)
    client.webhooks.verify(body, {"x-nixflex-signature": headers["X-Nixflex-Signature"]})
    event = client.webhooks.unwrap(body, headers)

    assert isinstance(event, CallCompleted)
    assert event.call_id == "call_1"
    with pytest.raises(nixflex.WebhookVerificationError) as caught:
        client.webhooks.verify(body, {"X-Nixflex-Signature": signed(body, "another_secret")})
    assert caught.value.reason == "wrong_signature"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda body: {}, "missing_header"),
        (lambda body: {"x-nixflex-signature": ""}, "missing_header"),
        (lambda body: {"x-nixflex-signature": "v1=" + "0" * 64}, "malformed_header"),
        (lambda body: {"x-nixflex-signature": "t=abc,v1=" + "0" * 64}, "malformed_header"),
        (lambda body: {"x-nixflex-signature": f"t={int(time.time())},v1=XYZ"}, "malformed_header"),
        (
            lambda body: {"x-nixflex-signature": signed(body, KEY_SECRET).upper()},
            "malformed_header",
        ),
        (lambda body: {"x-nixflex-signature": signed(body + b" ", KEY_SECRET)}, "wrong_signature"),
        (
            lambda body: {"x-nixflex-signature": signed(body, KEY_SECRET, at=time.time() - 301)},
            "stale_timestamp",
        ),
        (
            lambda body: {"x-nixflex-signature": signed(body, KEY_SECRET, at=time.time() + 400)},
            "stale_timestamp",
        ),
    ],
    ids=[
        "missing",
        "empty",
        "no-timestamp",
        "timestamp-not-a-number",
        "signature-not-hex",
        "upper-case",
        "tampered",
        "stale",
        "future",
    ],
)
async def test_every_refusal_says_which_check_failed_on_both_clients(
    client: AnyClient, make: Any, reason: str
) -> None:
    body = body_of(COMPLETED)
    with pytest.raises(nixflex.WebhookVerificationError) as caught:
        client.webhooks.unwrap(body, make(body))
    error = caught.value
    assert error.reason == reason
    assert reason.split("_", maxsplit=1)[0] in str(
        error
    )  # "missing", "malformed", "wrong", "stale"
    assert isinstance(error, nixflex.NixflexError)
    assert KEY_SECRET not in str(error)
    assert KEY_SECRET not in repr(error)
    header = make(body).get("x-nixflex-signature", "")
    digest = header.rpartition("v1=")[2]
    if len(digest) == 64:
        assert digest.lower() not in str(error).lower()


# --- nixflex.webhooks.verify / unwrap ------------------------------------------------------------


def test_a_hand_signed_delivery_verifies_under_any_header_spelling() -> None:
    body = body_of(COMPLETED)
    value = signed(body)
    for headers in (
        {"X-Nixflex-Signature": value},
        {"x-nixflex-signature": value},
        {"X-NIXFLEX-SIGNATURE": value},
        [(b"x-nixflex-signature", value.encode())],  # an ASGI scope's raw headers
        value,  # the header's value itself
    ):
        nixflex.webhooks.verify(body, headers, key_secret=SECRET)
    nixflex.webhooks.verify(body.decode(), value, key_secret=SECRET)  # a str body


def test_the_sdks_own_signature_is_the_documented_one() -> None:
    body = body_of(COMPLETED)
    at = int(time.time())
    assert nixflex.webhooks.sign(body, key_secret=SECRET, timestamp=at) == signed(body, at=at)


def test_one_matching_signature_among_several_is_enough() -> None:
    body = body_of(COMPLETED)
    good = signed(body)
    t, _, v1 = good.partition(",")
    nixflex.webhooks.verify(body, f"{t},v1={'0' * 64},{v1}", key_secret=SECRET)


def test_the_tolerance_is_the_callers_to_choose() -> None:
    body = body_of(COMPLETED)
    old = signed(body, at=time.time() - 1000)
    nixflex.webhooks.verify(body, old, key_secret=SECRET, tolerance=3600)
    with pytest.raises(nixflex.WebhookVerificationError, match="stale timestamp"):
        nixflex.webhooks.verify(body, old, key_secret=SECRET)
    with pytest.raises(ValueError, match="tolerance"):
        nixflex.webhooks.verify(body, old, key_secret=SECRET, tolerance=-1)
    with pytest.raises(ValueError, match="key_secret"):
        nixflex.webhooks.verify(body, old, key_secret="")


def test_a_signed_body_that_is_not_json_is_refused() -> None:
    for body in (b"not json", b"[1, 2]", b"\xff\xfe"):
        with pytest.raises(nixflex.WebhookVerificationError, match="body not JSON") as caught:
            nixflex.webhooks.unwrap(body, signed(body), key_secret=SECRET)
        assert caught.value.reason == "invalid_body"
        nixflex.webhooks.verify(body, signed(body), key_secret=SECRET)  # the signature is fine


def test_the_error_pickles_with_its_reason() -> None:
    with pytest.raises(nixflex.WebhookVerificationError) as caught:
        nixflex.webhooks.verify(b"{}", {}, key_secret=SECRET)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is nixflex.WebhookVerificationError
    assert (copy.reason, str(copy)) == ("missing_header", str(caught.value))


# --- typed events --------------------------------------------------------------------------------


def unwrap(payload: dict[str, Any]) -> WebhookEvent:
    body = body_of(payload)
    return nixflex.webhooks.unwrap(body, {"X-Nixflex-Signature": signed(body)}, key_secret=SECRET)


def test_call_completed_is_typed_with_aware_timestamps() -> None:
    event = unwrap(COMPLETED)
    assert_type(event, WebhookEvent)

    assert isinstance(event, CallCompleted)
    assert event.from_ == "+15559876543"
    assert event.to == NUMBER
    assert event.started_at == datetime(2026, 5, 3, 1, 58, tzinfo=timezone.utc)
    assert event.ended_at is not None
    assert event.ended_at.tzinfo is not None
    assert event.duration_seconds == 91.5
    assert event.transcript == "Agent: Hello\nCaller: Hi"
    assert (event.summary, event.sentiment, event.successful) == (
        "Booked a check-up.",
        "positive",
        True,
    )
    assert event.extracted == {"appointment": "Tuesday 10:00"}
    assert event.metadata == {"clinic": "croydon"}
    assert event.raw == COMPLETED


def test_the_older_call_ended_family_lands_on_the_same_attributes() -> None:
    older = {
        "event": "call.ended",
        "call_id": "call_2",
        "from_number": "+15559876543",
        "to_number": NUMBER,
        "call_summary": "Booked a check-up.",
        "caller_sentiment": "positive",
        "call_successful": True,
        "extracted_data": {"appointment": "Tuesday 10:00"},
        "transcript": [
            {"role": "agent", "text": "Hello", "timestamp_ms": 0},
            {"role": "user", "text": "Hi", "timestamp_ms": 900},
        ],
        "started_at": 1777773480,
    }
    event = unwrap(older)

    assert isinstance(event, CallCompleted)
    assert event.event == "call.ended"
    assert event.from_ == "+15559876543"
    assert event.to == NUMBER
    assert event.summary == "Booked a check-up."
    assert event.sentiment == "positive"
    assert event.successful is True
    assert event.extracted == {"appointment": "Tuesday 10:00"}
    assert event.transcript == "Agent: Hello\nCaller: Hi"
    assert event.transcript_turns == [
        TranscriptTurn(role="agent", text="Hello", timestamp_ms=0),
        TranscriptTurn(role="user", text="Hi", timestamp_ms=900),
    ]
    assert event.started_at == datetime.fromtimestamp(1777773480, timezone.utc)

    failed = unwrap({"event": "call.failed", "call_id": "call_3"})
    assert isinstance(failed, CallCompleted)
    assert failed.status == "failed"


def test_the_other_event_types() -> None:
    started = unwrap({"event": "call.started", "call_id": "c", "from": "+1555", "to": NUMBER})
    assert isinstance(started, CallStarted)
    assert not isinstance(started, CallCompleted)
    sms = unwrap({"event": "sms.delivered", "from_number": NUMBER, "to_number": "+1555"})
    assert isinstance(sms, SmsDelivered)
    assert (sms.from_, sms.to) == (NUMBER, "+1555")
    assert isinstance(unwrap({"event": "webhook.test"}), WebhookTest)


def test_an_unknown_event_keeps_every_field() -> None:
    payload = {"event": "call.transferred", "call_id": "c9", "target": "+1555", "n": [1, 2]}
    event = unwrap(payload)
    assert type(event) is UnknownEvent
    assert (event.event, event.call_id, event.raw) == ("call.transferred", "c9", payload)


def test_a_field_of_the_wrong_type_is_an_invalid_body() -> None:
    with pytest.raises(nixflex.WebhookVerificationError) as caught:
        unwrap({**COMPLETED, "duration_seconds": "long"})
    assert caught.value.reason == "invalid_body"
    assert "duration_seconds" in str(caught.value)
