"""The API itself: authentication, routing and one handler per documented endpoint.

`handle_api` is the single place a request becomes a response; the httpx transport and the
loopback server both end up here, through `_pipeline.Pipeline`. Checks run in the order the API
docs give, and every error message is written so that it never repeats a value from the request
(a Twilio token or key secret sent in the wrong field must not come back in an error).
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ._callers import ROUTES as CALLER_ROUTES
from ._limits import Quota
from ._records import (
    NIXFLEX_SMS_URL,
    NIXFLEX_STATUS_CALLBACK_URL,
    NIXFLEX_VOICE_URL,
    ImportedNumber,
    ProvisionedNumber,
    SmsMessage,
    TwilioWebhooks,
    wire_items,
)
from ._state import AREA_CODE, AREA_CODE_COUNTRIES, E164, TWILIO_SID, State, TwilioNumberRow
from ._webhooks import ROUTES as WEBHOOK_ROUTES
from ._wire import (
    ApiError,
    WireRequest,
    WireResponse,
    empty_response,
    format_timestamp,
    json_response,
    parse_timestamp,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

MAX_CUSTOM_PROMPT = 8000
NIXFLEX_WEBHOOKS = TwilioWebhooks(NIXFLEX_VOICE_URL, NIXFLEX_SMS_URL, NIXFLEX_STATUS_CALLBACK_URL)

JSONObject = dict[str, object]


@dataclass(frozen=True)
class Context:
    state: State
    request: WireRequest
    account_id: str
    request_id: str
    params: tuple[str, ...]


Handler = Callable[[Context], WireResponse]


def handle_api(state: State, request: WireRequest, request_id: str) -> WireResponse:
    """Answer one request against `state` (the caller holds the lock).

    Authentication, then the key's rate limit (a request past it is refused and not counted),
    then the route and its handler. Every answer to an authenticated request carries its
    bucket's `X-RateLimit-*` headers.
    """
    quota: Quota | None = None
    try:
        account_id, api_key = _authenticate(state, request)
        quota = state.limiter.take(api_key, request.method)
        if quota is not None and not quota.allowed:
            raise ApiError(
                429,
                "rate_limit_exceeded",
                "Too many requests for this API key: wait for the limit to reset.",
                details={"retry_after": quota.retry_after},
                headers=(("retry-after", str(quota.retry_after)),),
            )
        handler, params = _resolve(request)
        response = handler(Context(state, request, account_id, request_id, params))
    except ApiError as exc:
        response = exc.response(request_id)
    return response if quota is None else response.with_headers(quota.headers())


def _authenticate(state: State, request: WireRequest) -> tuple[str, str]:
    """The account id and the key (`KEY_ID:KEY_SECRET`) the request was sent with."""
    header = request.headers.get("authorization", "").strip()
    if not header:
        raise ApiError(
            401,
            "invalid_api_key",
            "Missing Authorization header: send 'Authorization: Bearer KEY_ID:KEY_SECRET'.",
        )
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401,
            "invalid_api_key",
            "Malformed Authorization header: expected 'Bearer KEY_ID:KEY_SECRET'.",
        )
    key_id, sep, key_secret = token.partition(":")
    if key_id and not (sep and key_secret):
        raise ApiError(
            401,
            "key_secret_required",
            "The API key needs its secret half: send 'Bearer KEY_ID:KEY_SECRET'.",
        )
    account_id = state.api_keys.get(token)
    if account_id is None:
        raise ApiError(401, "invalid_api_key", "Invalid API key.")
    return account_id, token


# -- routing ---------------------------------------------------------------------------------

_PARAM = None  # a path parameter: exactly one non-empty segment


def _resolve(request: WireRequest) -> tuple[Handler, tuple[str, ...]]:
    for pattern, methods in _ROUTES:
        params = _match(pattern, request.segments)
        if params is None:
            continue
        handler = methods.get(request.method)
        if handler is None:
            raise ApiError(
                405,
                "method_not_allowed",
                "This route does not accept that method.",
                details={"allowed": list(methods)},
                headers=(("allow", ", ".join(methods)),),
            )
        return handler, params
    raise ApiError(404, "not_found", "No such route.")


def _match(pattern: tuple[str | None, ...], segments: tuple[str, ...]) -> tuple[str, ...] | None:
    if len(pattern) != len(segments):
        return None
    params: list[str] = []
    for expected, actual in zip(pattern, segments, strict=True):
        if expected is _PARAM:
            if not actual:
                return None
            params.append(actual)
        elif expected != actual:
            return None
    return tuple(params)


# -- request helpers -------------------------------------------------------------------------


def _json_body(request: WireRequest) -> JSONObject:
    if not request.body.strip():
        return {}
    try:
        value = json.loads(request.body)
    except ValueError:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return value


def _pick(body: Mapping[str, object], *names: str) -> object:
    """The first of `names` present in `body` (the docs accept both casings)."""
    for name in names:
        if name in body:
            return body[name]
    return None


def _int_param(
    query: Mapping[str, str], name: str, default: int, low: int, high: int | None
) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
    value = int(raw) if re.fullmatch(r"[0-9]{1,9}", raw, re.ASCII) else None
    if value is None or value < low or (high is not None and value > high):
        details: JSONObject = {"parameter": name, "expected": "integer", "minimum": low}
        if high is not None:
            details["maximum"] = high
        raise ApiError(
            400, "invalid_parameter", f"{name} must be an integer {bounds}.", details=details
        )
    return value


def _time_param(query: Mapping[str, str], name: str) -> datetime | None:
    raw = query.get(name)
    if not raw:
        return None
    value = parse_timestamp(raw)
    if value is None:
        raise ApiError(
            400,
            "invalid_parameter",
            f"{name} must be an ISO 8601 timestamp (e.g. 2025-01-15T12:00:00Z).",
            details={"parameter": name, "expected": "ISO 8601 timestamp"},
        )
    return value


class _Owned(Protocol):
    @property
    def account_id(self) -> str: ...


OwnedT = TypeVar("OwnedT", bound=_Owned)


def _owned(ctx: Context, records: Mapping[str, OwnedT], what: str) -> OwnedT:
    """The record the path names, if it is the caller's account's."""
    record = records.get(ctx.params[0])
    # Another account's number answers exactly like a missing one: existence must not leak.
    if record is None or record.account_id != ctx.account_id:
        raise ApiError(404, "number_not_found", f"No such {what} in this account.")
    return record


def invalid_field(name: str, expected: str) -> ApiError:
    """`invalid_field`: the field `name` is not of the `expected` JSON type."""
    article = "an" if expected[0] in "aeiou" else "a"
    return ApiError(
        400,
        "invalid_field",
        f"{name} must be {article} {expected}.",
        details={"field": name, "expected": expected},
    )


def custom_prompt_value(value: object) -> str | None:
    """Validate a `custom_prompt`: null or "" clear it, at most 8000 characters."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid_field("custom_prompt", "string or null")
    if len(value) > MAX_CUSTOM_PROMPT:
        raise ApiError(
            400,
            "custom_prompt_too_long",
            f"custom_prompt is {len(value)} characters long; the maximum is {MAX_CUSTOM_PROMPT}.",
            details={
                "field": "custom_prompt",
                "length": len(value),
                "max_length": MAX_CUSTOM_PROMPT,
            },
        )
    return value


# -- JSON shapes (as the docs show them) -----------------------------------------------------
# Each is its record's wire fields (`wire_items`): snake_case under /v1/phone-numbers, camelCase
# under /v1/numbers, timestamps as RFC 3339.


def imported_json(number: ImportedNumber) -> JSONObject:
    return _record_json(number, camel_case=False)


def number_json(number: ProvisionedNumber) -> JSONObject:
    return _record_json(number, camel_case=True)


def message_json(message: SmsMessage) -> JSONObject:
    return _record_json(message, camel_case=True)


def _record_json(record: DataclassInstance, *, camel_case: bool) -> JSONObject:
    return {
        _camel(name) if camel_case else name: (
            format_timestamp(value) if isinstance(value, datetime) else value
        )
        for name, value in wire_items(record)
    }


def _camel(name: str) -> str:
    # Only an underscore before a letter joins words: `from_` stays `from_` on the wire.
    return re.sub(r"_([a-z])", lambda match: match[1].upper(), name)


# -- /v1/phone-numbers -----------------------------------------------------------------------

_IMPORT_FIELDS = (
    ("phone_number", "phoneNumber"),
    ("twilio_sid", "twilioSid"),
    ("twilio_token", "twilioToken"),
    ("agent_id", "agentId"),
)
_TELNYX_FIELDS = (
    ("phone_number", "phoneNumber"),
    ("telnyx_api_key", "telnyxApiKey"),
    ("telnyx_connection_id", "telnyxConnectionId"),
    ("agent_id", "agentId"),
)


def _import_phone_number(ctx: Context) -> WireResponse:
    body = _json_body(ctx.request)
    twilio_sent = any(_pick(body, *names) is not None for names in _IMPORT_FIELDS[1:3])
    telnyx_sent = any(_pick(body, *names) is not None for names in _TELNYX_FIELDS[1:3])
    if twilio_sent and telnyx_sent:
        raise ApiError(
            400,
            "conflicting_fields",
            "Send either twilio_sid and twilio_token or telnyx_api_key and telnyx_connection_id.",
            details={
                "fields": ["twilio_sid", "twilio_token", "telnyx_api_key", "telnyx_connection_id"]
            },
        )
    # The carrier is inferred from the pair sent; with neither, the documented (Twilio) one.
    names = _TELNYX_FIELDS if telnyx_sent else _IMPORT_FIELDS
    values = {snake: _pick(body, snake, camel) for snake, camel in names}
    missing = [name for name, value in values.items() if value is None or value == ""]
    if missing:
        raise ApiError(
            400,
            "missing_field",
            f"Required field(s) missing or empty: {', '.join(missing)}.",
            details={"fields": missing},
        )
    fields: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            raise invalid_field(name, "string")
        fields[name] = value
    row = import_number(
        ctx.state,
        ctx.account_id,
        phone_number=fields["phone_number"],
        agent_id=fields["agent_id"],
        twilio_sid=fields.get("twilio_sid"),
        twilio_token=fields.get("twilio_token"),
        telnyx_api_key=fields.get("telnyx_api_key"),
        telnyx_connection_id=fields.get("telnyx_connection_id"),
        custom_prompt=_pick(body, "custom_prompt", "customPrompt"),
    )
    return json_response(201, {"phone_number": imported_json(row)}, ctx.request_id)


def import_number(
    state: State,
    account_id: str,
    *,
    phone_number: str,
    agent_id: str,
    custom_prompt: object,
    twilio_sid: str | None = None,
    twilio_token: str | None = None,
    telnyx_api_key: str | None = None,
    telnyx_connection_id: str | None = None,
    created_at: datetime | None = None,
) -> ImportedNumber:
    """Run the documented import checks in order, then attach the number (a Twilio number's
    webhooks are taken over); Telnyx credentials are checked against the fake Telnyx accounts."""
    if not E164.fullmatch(phone_number):
        raise ApiError(
            400,
            "invalid_phone_format",
            "phone_number must be in E.164 format, e.g. +447446466847.",
            details={"field": "phone_number", "expected": "E.164"},
        )
    twilio_number: TwilioNumberRow | None = None
    telnyx_number_id: str | None = None
    if telnyx_api_key is not None and telnyx_connection_id is not None:
        telnyx_number_id = _telnyx_number(state, phone_number, telnyx_api_key, telnyx_connection_id)
    elif twilio_sid is not None and twilio_token is not None:
        twilio_number = _twilio_number(state, phone_number, twilio_sid, twilio_token)
    else:
        raise AssertionError("the route checks that one carrier's pair is sent")
    owner = state.agents.get(agent_id)
    if owner is None:
        raise ApiError(
            404,
            "agent_not_found",
            "No agent with that agent_id exists.",
            details={"field": "agent_id"},
        )
    if owner != account_id:
        raise ApiError(
            403,
            "agent_not_owned",
            "That agent belongs to a different account.",
            details={"field": "agent_id"},
        )
    if phone_number in state.imported:
        raise ApiError(
            409, "number_already_imported", "That number is already attached to an agent."
        )
    prompt = custom_prompt_value(custom_prompt)
    if twilio_number is not None:
        # Importing overwrites whatever webhooks the number had: calls now route to Nixflex.
        twilio_number.webhooks = NIXFLEX_WEBHOOKS
    number = ImportedNumber(
        phone_number=phone_number,
        agent_id=agent_id,
        account_id=account_id,
        twilio_sid=twilio_sid if twilio_number is not None else None,
        provider="twilio" if twilio_number is not None else "telnyx",
        twilio_number_sid=twilio_number.sid if twilio_number is not None else None,
        telnyx_number_id=telnyx_number_id,
        telnyx_connection_id=telnyx_connection_id,
        custom_prompt=prompt,
        created_at=created_at or state.now(),
    )
    state.imported[phone_number] = number
    return number


def _twilio_number(
    state: State, phone_number: str, twilio_sid: str, twilio_token: str
) -> TwilioNumberRow:
    if not TWILIO_SID.fullmatch(twilio_sid):
        raise ApiError(
            400,
            "invalid_twilio_sid",
            "twilio_sid must be 'AC' followed by 32 lowercase hex digits.",
            details={"field": "twilio_sid", "expected": "AC followed by 32 lowercase hex digits"},
        )
    twilio = state.twilio_accounts.get(twilio_sid)
    if twilio is None:
        raise ApiError(
            401, "twilio_invalid_credentials", "Twilio rejected the Account SID and auth token."
        )
    if not hmac.compare_digest(twilio.token.encode(), twilio_token.encode()):
        raise ApiError(
            401,
            "twilio_auth_failed",
            "Twilio authentication failed (Twilio error 20003).",
            details={"twilio_error": 20003},
        )
    # Twilio's number search matches prefixes; Nixflex keeps only an exact match.
    found = [row for number, row in twilio.numbers.items() if number.startswith(phone_number)]
    twilio_number = next((row for row in found if row.phone_number == phone_number), None)
    if twilio_number is None:
        raise ApiError(
            404, "number_not_in_twilio", "That number is not in the Twilio account you sent."
        )
    return twilio_number


def _telnyx_number(state: State, phone_number: str, api_key: str, connection_id: str) -> str:
    """The Telnyx id of the number, if the key's account holds it on that connection."""
    account = next(
        (
            row
            for key, row in state.telnyx_accounts.items()
            if hmac.compare_digest(key.encode(), api_key.encode())
        ),
        None,
    )
    if account is None:
        raise ApiError(401, "telnyx_invalid_credentials", "Telnyx rejected the API key.")
    if account.connection_id != connection_id:
        raise ApiError(
            404,
            "telnyx_connection_not_found",
            "No connection with that telnyx_connection_id in the Telnyx account.",
            details={"field": "telnyx_connection_id"},
        )
    number_id = account.numbers.get(phone_number)
    if number_id is None:
        raise ApiError(
            404, "number_not_in_telnyx", "That number is not in the Telnyx account you sent."
        )
    return number_id


def _list_phone_numbers(ctx: Context) -> WireResponse:
    query = ctx.request.query
    limit = _int_param(query, "limit", default=25, low=1, high=100)
    offset = _int_param(query, "offset", default=0, low=0, high=None)
    agent_id = query.get("agent_id") or None
    numbers = ctx.state.imported_newest_first(ctx.account_id, agent_id)
    page = numbers[offset : offset + limit]
    payload = {"phone_numbers": [imported_json(number) for number in page], "count": len(numbers)}
    return json_response(200, payload, ctx.request_id)


# Each per-number setting PATCH accepts: its JSON type, and its maximum length for text.
_SETTINGS: Mapping[str, tuple[str, int | None]] = {
    "custom_prompt": ("string", MAX_CUSTOM_PROMPT),
    "voice_id": ("string", None),
    "sms_prompt": ("string", 20_000),
    "web_prompt": ("string", 20_000),
    "sms_reply_enabled": ("boolean", None),
    "voicemail_leave_enabled": ("boolean", None),
    "voicemail_message": ("string", 2_000),
    "speaking_rate": ("number", None),
    "dtmf_enabled": ("boolean", None),
    "record_call": ("boolean", None),
    "recording_source": ("string", None),
}
RECORDING_SOURCES = ("provider", "nixflex")
# Settings a null cannot clear: they are on or off.
_NOT_NULLABLE = ("sms_reply_enabled", "voicemail_leave_enabled", "dtmf_enabled")


def settings_values(body: Mapping[str, object]) -> dict[str, object]:
    """The settings a PATCH body changes (either casing), each checked; none is missing_field."""
    changes: dict[str, object] = {}
    for name, (kind, max_length) in _SETTINGS.items():
        camel = _camel(name)
        if name not in body and camel not in body:
            continue
        value = body[name] if name in body else body[camel]
        if name == "custom_prompt":
            changes[name] = custom_prompt_value(value)
            continue
        if value is None:
            if name in _NOT_NULLABLE:
                raise invalid_field(name, kind)
            changes[name] = None
            continue
        if kind == "boolean" and not isinstance(value, bool):
            raise invalid_field(name, f"{kind} or null")
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise invalid_field(name, f"{kind} or null")
        if kind == "string":
            if not isinstance(value, str):
                raise invalid_field(name, f"{kind} or null")
            if max_length is not None and len(value) > max_length:
                raise ApiError(
                    400,
                    "invalid_field",
                    f"{name} is {len(value)} characters long; the maximum is {max_length}.",
                    details={"field": name, "length": len(value), "max_length": max_length},
                )
            if name == "recording_source" and value not in RECORDING_SOURCES:
                raise ApiError(
                    400,
                    "invalid_field",
                    "recording_source must be 'provider' or 'nixflex'.",
                    details={"field": name, "expected": list(RECORDING_SOURCES)},
                )
            if value == "" and name != "voicemail_message":
                value = None
        changes[name] = value
    if not changes:
        raise ApiError(
            400,
            "missing_field",
            "Send at least one setting to change (send null to clear one).",
            details={"fields": list(_SETTINGS)},
        )
    return changes


def _update_phone_number(ctx: Context) -> WireResponse:
    changes = settings_values(_json_body(ctx.request))
    number = replace(_owned(ctx, ctx.state.imported, "phone number"), **changes)  # type: ignore[arg-type]
    if number.voicemail_leave_enabled and not number.voicemail_message:
        raise ApiError(
            400,
            "voicemail_message_required",
            "Save a voicemail_message before turning voicemail_leave_enabled on.",
            details={"field": "voicemail_message"},
        )
    ctx.state.imported[number.phone_number] = number
    return json_response(200, {"phone_number": imported_json(number)}, ctx.request_id)


def _delete_phone_number(ctx: Context) -> WireResponse:
    number = _owned(ctx, ctx.state.imported, "phone number")
    # The number stays in the Twilio account; only its webhooks stop pointing at Nixflex.
    ctx.state.set_webhooks(number.phone_number, TwilioWebhooks())
    del ctx.state.imported[number.phone_number]
    # Caller context belongs to the number: importing it again starts with none.
    for key in [key for key in ctx.state.callers if key[0] == number.phone_number]:
        del ctx.state.callers[key]
    return empty_response(204, ctx.request_id)


# -- /v1/integrations/{monitor,web-calls}/number/{n} ------------------------------------------


def _switch(field_name: str) -> tuple[Handler, Handler]:
    """The GET and PUT handlers of a per-number switch kept on the number as `field_name`."""

    def answer(ctx: Context, number: ImportedNumber) -> WireResponse:
        payload = {"phone_number": number.phone_number, field_name: getattr(number, field_name)}
        return json_response(200, payload, ctx.request_id)

    def get(ctx: Context) -> WireResponse:
        return answer(ctx, _owned(ctx, ctx.state.imported, "phone number"))

    def put(ctx: Context) -> WireResponse:
        body = _json_body(ctx.request)
        if "enabled" not in body or body["enabled"] is None:
            raise ApiError(
                400, "missing_field", "enabled is required.", details={"fields": ["enabled"]}
            )
        if not isinstance(body["enabled"], bool):
            raise invalid_field("enabled", "boolean")
        changes: dict[str, Any] = {field_name: body["enabled"]}
        number = replace(_owned(ctx, ctx.state.imported, "phone number"), **changes)
        ctx.state.imported[number.phone_number] = number
        return answer(ctx, number)

    return get, put


_GET_MONITOR, _PUT_MONITOR = _switch("monitor_enabled")
_GET_WEB_CALLS, _PUT_WEB_CALLS = _switch("web_calls_enabled")


# -- /v1/numbers -----------------------------------------------------------------------------


def check_agent(state: State, account_id: str, agent_id: str) -> None:
    """Raise agent_not_found / agent_not_owned unless the account owns the agent."""
    owner = state.agents.get(agent_id)
    if owner is None:
        raise ApiError(
            404,
            "agent_not_found",
            "No agent with that agentId exists.",
            details={"field": "agentId"},
        )
    if owner != account_id:
        raise ApiError(
            403,
            "agent_not_owned",
            "That agent belongs to a different account.",
            details={"field": "agentId"},
        )


def country_value(value: object) -> str:
    """Validate a country: two letters (any case, stored upper case); null means "US"."""
    if value is None:
        return "US"
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value, re.ASCII):
        raise ApiError(
            400,
            "invalid_country",
            "country must be a two-letter country code such as US or GB.",
            details={"field": "country", "expected": "ISO 3166-1 alpha-2 code"},
        )
    return value.upper()


def area_code_value(value: object, country: str) -> str | None:
    """Validate an `areaCode`: null for none; for a US or CA number, three digits (2-9 first)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_field("areaCode", "string or null")
    if country not in AREA_CODE_COUNTRIES or not AREA_CODE.fullmatch(value):
        raise ApiError(
            400,
            "invalid_area_code",
            "areaCode must be a three-digit area code such as 415, for a US or CA number.",
            details={"field": "areaCode", "expected": "three digits, for a US or CA number"},
        )
    return value


def _create_number(ctx: Context) -> WireResponse:
    body = _json_body(ctx.request)
    country = country_value(_pick(body, "country"))
    area_code = area_code_value(_pick(body, "areaCode", "area_code"), country)
    agent_id = _pick(body, "agentId", "agent_id")
    if agent_id == "":
        agent_id = None
    if agent_id is not None:
        if not isinstance(agent_id, str):
            raise invalid_field("agentId", "string or null")
        check_agent(ctx.state, ctx.account_id, agent_id)
    number = ctx.state.insert_number(ctx.account_id, country, agent_id, area_code=area_code)
    return json_response(201, number_json(number), ctx.request_id)


def _list_numbers(ctx: Context) -> WireResponse:
    query = ctx.request.query
    limit = _int_param(query, "limit", default=20, low=1, high=100)
    offset = _int_param(query, "offset", default=0, low=0, high=None)
    numbers = ctx.state.numbers_in_order(ctx.account_id)
    page = numbers[offset : offset + limit]
    payload = {
        "data": [number_json(number) for number in page],
        "hasMore": offset + len(page) < len(numbers),
        "total": len(numbers),
    }
    return json_response(200, payload, ctx.request_id)


def _release_number(ctx: Context) -> WireResponse:
    number = _owned(ctx, ctx.state.numbers, "number")
    # Idempotent, so a DELETE retried after a lost answer does not fail; messages are kept.
    ctx.state.numbers[number.id] = replace(number, status="released")
    return empty_response(204, ctx.request_id)


def _list_messages(ctx: Context) -> WireResponse:
    query = ctx.request.query
    limit = _int_param(query, "limit", default=50, low=1, high=200)
    before = _time_param(query, "before")
    after = _time_param(query, "after")
    number = _owned(ctx, ctx.state.numbers, "number")
    messages = [
        message
        for message in ctx.state.messages_newest_first(number.id)
        if (before is None or message.received_at < before)
        and (after is None or message.received_at > after)
    ]
    payload = {
        "data": [message_json(message) for message in messages[:limit]],
        "hasMore": len(messages) > limit,
    }
    return json_response(200, payload, ctx.request_id)


_ROUTES: tuple[tuple[tuple[str | None, ...], Mapping[str, Handler]], ...] = (
    (("v1", "phone-numbers"), {"GET": _list_phone_numbers, "POST": _import_phone_number}),
    (
        ("v1", "phone-numbers", _PARAM),
        {"PATCH": _update_phone_number, "DELETE": _delete_phone_number},
    ),
    (
        ("v1", "integrations", "monitor", "number", _PARAM),
        {"PUT": _PUT_MONITOR, "GET": _GET_MONITOR},
    ),
    (
        ("v1", "integrations", "web-calls", "number", _PARAM),
        {"PUT": _PUT_WEB_CALLS, "GET": _GET_WEB_CALLS},
    ),
    (("v1", "numbers"), {"GET": _list_numbers, "POST": _create_number}),
    (("v1", "numbers", _PARAM), {"DELETE": _release_number}),
    (("v1", "numbers", _PARAM, "messages"), {"GET": _list_messages}),
)
# The per-number webhook URLs and caller context: their handlers live in their own modules.
_ROUTES += WEBHOOK_ROUTES + CALLER_ROUTES
