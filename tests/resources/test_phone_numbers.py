"""`client.phone_numbers`: import, list, update and delete your own Twilio numbers.

Every test that takes `client` runs on `nixflex.Client` and on `nixflex.AsyncClient`.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import attrs
import httpx
import pytest
import respx
from typing_extensions import assert_type

import nixflex
from nixflex import PhoneNumber
from tests.support import (
    API_KEY,
    KEY_SECRET,
    TWILIO_SID,
    TWILIO_TOKEN,
    AnyClient,
    assert_sdk_headers,
    only_request,
    run,
    sent_json,
)

if TYPE_CHECKING:
    from tests.loopback import LoopbackServer

# The `loopback` and `loopback_client` fixtures. Imported by pytest (not above) so that their
# asserts are rewritten; tests import `Reply` where they use it.
pytestmark = pytest.mark.anyio

NUMBER = "+447446466847"
AGENT = "agent_125207e452f8714a"
PATH = "/v1/phone-numbers"
ONE_PATH = "/v1/phone-numbers/%2B447446466847"
PROFILE = "Business: Smile Dental Croydon. Address: 12 High St. Open Mon-Fri 9am-5pm."

IMPORTED = {
    "phone_number": NUMBER,
    "agent_id": AGENT,
    "twilio_number_sid": "PN451e0ddf654327e36baab58dfbcd30d6",
    "inbound_enabled": True,
    "outbound_enabled": True,
}


async def import_number(client: AnyClient, **extra: Any) -> PhoneNumber:
    return await run(
        client.phone_numbers.create(
            phone_number=NUMBER,
            twilio_sid=TWILIO_SID,
            twilio_token=TWILIO_TOKEN,
            agent_id=AGENT,
            **extra,
        )
    )


# --- import --------------------------------------------------------------------------------------


async def test_import_posts_the_four_fields_in_snake_case(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(PATH).respond(201, json={"phone_number": IMPORTED})

    number = await import_number(client)

    assert number == PhoneNumber(
        phone_number=NUMBER,
        agent_id=AGENT,
        twilio_number_sid="PN451e0ddf654327e36baab58dfbcd30d6",
        inbound_enabled=True,
        outbound_enabled=True,
        custom_prompt=None,
        created_at=None,
    )
    request = only_request(api)
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/phone-numbers"
    assert request.url.query == b""
    # custom_prompt left out when not given: the key is absent, not null.
    assert sent_json(request) == {
        "phone_number": NUMBER,
        "twilio_sid": TWILIO_SID,
        "twilio_token": TWILIO_TOKEN,
        "agent_id": AGENT,
    }
    assert_sdk_headers(request, with_body=True)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        number.custom_prompt = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("profile", [PROFILE, ""], ids=["profile", "empty-string"])
async def test_import_sends_custom_prompt_whenever_it_is_given(
    client: AnyClient, api: respx.MockRouter, profile: str
) -> None:
    answer = {**IMPORTED, "custom_prompt": profile, "created_at": "2025-01-15T10:45:00Z"}
    api.post(PATH).respond(201, json={"phone_number": answer})

    number = await import_number(client, custom_prompt=profile)

    assert sent_json(only_request(api))["custom_prompt"] == profile
    assert number.custom_prompt == profile
    assert number.created_at == datetime(2025, 1, 15, 10, 45, tzinfo=timezone.utc)
    assert number.created_at is not None
    assert number.created_at.utcoffset() is not None


async def test_import_reads_a_camel_case_answer_and_ignores_unknown_keys(
    client: AnyClient, api: respx.MockRouter
) -> None:
    answer = {
        "phoneNumber": NUMBER,
        "agentId": AGENT,
        "twilioNumberSid": "PN1",
        "inboundEnabled": False,
        "outboundEnabled": True,
        "customPrompt": PROFILE,
        "createdAt": "2025-01-15T11:45:00+01:00",
        "region": "ie1",
        "voice": {"id": "v_1"},
    }
    api.post(PATH).respond(201, json={"phoneNumber": answer})

    number = await import_number(client)

    assert (number.phone_number, number.agent_id, number.twilio_number_sid) == (
        NUMBER,
        AGENT,
        "PN1",
    )
    assert (number.inbound_enabled, number.outbound_enabled) == (False, True)
    assert number.custom_prompt == PROFILE
    assert number.created_at == datetime(2025, 1, 15, 10, 45, tzinfo=timezone.utc)


# --- list ----------------------------------------------------------------------------------------

NEWEST_FIRST = [
    {**IMPORTED, "phone_number": "+442011110003", "created_at": "2025-03-01T09:00:00Z"},
    {**IMPORTED, "phone_number": "+442011110002", "created_at": "2025-02-01T09:00:00Z"},
    {**IMPORTED, "phone_number": "+442011110001", "created_at": "2025-01-01T09:00:00Z"},
]


async def test_list_reads_every_envelope_and_keeps_the_servers_order(
    client: AnyClient, api: respx.MockRouter
) -> None:
    envelopes = [
        {"phone_numbers": NEWEST_FIRST},
        {"phoneNumbers": NEWEST_FIRST},
        {"data": NEWEST_FIRST},
        NEWEST_FIRST,
    ]
    route = api.get(PATH).mock(side_effect=[httpx.Response(200, json=e) for e in envelopes])

    for envelope in envelopes:
        numbers = await run(client.phone_numbers.list())
        assert [n.phone_number for n in numbers] == [
            "+442011110003",
            "+442011110002",
            "+442011110001",
        ], envelope
        assert all(isinstance(n, PhoneNumber) for n in numbers)
        assert numbers[0].created_at == datetime(2025, 3, 1, 9, tzinfo=timezone.utc)

    assert route.call_count == 4
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/phone-numbers?limit=100&offset=0"
    assert_sdk_headers(request, with_body=False)


async def test_list_filters_by_agent_in_the_query(client: AnyClient, api: respx.MockRouter) -> None:
    api.get(PATH).respond(200, json={"phone_numbers": NEWEST_FIRST[:1]})

    numbers = await run(client.phone_numbers.list(agent_id="agent_ringback/dental&x"))

    assert len(numbers) == 1
    request = only_request(api)
    assert request.url.raw_path == (
        b"/v1/phone-numbers?agent_id=agent_ringback%2Fdental%26x&limit=100&offset=0"
    )
    assert request.url.params["agent_id"] == "agent_ringback/dental&x"


async def test_list_of_nothing_is_an_empty_list(client: AnyClient, api: respx.MockRouter) -> None:
    api.get(PATH).respond(200, json={"phone_numbers": []})
    assert await run(client.phone_numbers.list()) == []


def numbered(count: int, start: int = 0) -> list[dict[str, Any]]:
    """`count` numbers as the API sends them, newest first from `+4420111{start}`."""
    return [
        {"phone_number": f"+4420111{index:05d}", "agent_id": AGENT}
        for index in range(start, start + count)
    ]


def paged(total: list[dict[str, Any]], cap: int = 100) -> Any:
    """A side effect answering like a paged API: `limit` (at most `cap`) from `offset`."""

    def answer(request: httpx.Request) -> httpx.Response:
        limit = min(int(request.url.params.get("limit", 25)), cap)
        offset = int(request.url.params.get("offset", 0))
        page = total[offset : offset + limit]
        return httpx.Response(200, json={"phone_numbers": page, "count": len(total)})

    return answer


@pytest.mark.parametrize(("total", "cap", "requests"), [(250, 100, 3), (60, 25, 3), (100, 100, 1)])
async def test_list_fetches_every_page_of_a_paged_api(
    client: AnyClient, api: respx.MockRouter, total: int, cap: int, requests: int
) -> None:
    everything = numbered(total)
    route = api.get(PATH).mock(side_effect=paged(everything, cap))

    numbers = await run(client.phone_numbers.list())

    assert [n.phone_number for n in numbers] == [n["phone_number"] for n in everything]
    assert route.call_count == requests
    offsets = [call.request.url.params["offset"] for call in route.calls]
    assert offsets == [str(sum(min(cap, 100) for _ in range(i))) for i in range(requests)]
    assert {call.request.url.params["limit"] for call in route.calls} == {"100"}


@pytest.mark.parametrize("count", [True, False], ids=["with-count", "without-count"])
async def test_list_of_an_api_that_answers_everything_at_once_is_one_request(
    client: AnyClient, api: respx.MockRouter, count: bool
) -> None:
    everything = numbered(1000)
    answer: dict[str, Any] = {"phone_numbers": everything}
    if count:
        answer["count"] = 1000
    route = api.get(PATH).respond(200, json=answer)

    numbers = await run(client.phone_numbers.list())

    assert len(numbers) == 1000
    assert route.call_count == 1


async def test_list_never_returns_a_number_twice_when_one_arrives_between_pages(
    client: AnyClient, api: respx.MockRouter
) -> None:
    first = numbered(100, start=1)
    # A number imported after the first page pushes the last one of it onto the second.
    second = [first[-1], *numbered(20, start=101)]
    route = api.get(PATH).mock(
        side_effect=[
            httpx.Response(200, json={"phone_numbers": first, "count": 120}),
            httpx.Response(200, json={"phone_numbers": second, "count": 121}),
        ]
    )

    numbers = await run(client.phone_numbers.list())

    phones = [n.phone_number for n in numbers]
    assert len(phones) == len(set(phones)) == 120
    assert route.call_count == 2


async def test_list_raises_when_the_pages_stop_moving(
    client: AnyClient, api: respx.MockRouter
) -> None:
    # A server that ignores offset answers the first 25 again and again.
    api.get(PATH).respond(200, json={"phone_numbers": numbered(25), "count": 60})

    with pytest.raises(nixflex.NixflexError, match="stopped moving"):
        await run(client.phone_numbers.list())


# --- update --------------------------------------------------------------------------------------


async def test_update_patches_the_profile_of_the_encoded_number(
    client: AnyClient, api: respx.MockRouter
) -> None:
    answer = {"phone_number": NUMBER, "agent_id": AGENT, "custom_prompt": PROFILE}
    api.patch(ONE_PATH).respond(200, json={"phone_number": answer})

    number = await run(client.phone_numbers.update(NUMBER, custom_prompt=PROFILE))

    assert number == PhoneNumber(phone_number=NUMBER, agent_id=AGENT, custom_prompt=PROFILE)
    request = only_request(api)
    assert request.method == "PATCH"
    assert request.url.raw_path == b"/v1/phone-numbers/%2B447446466847"
    assert sent_json(request) == {"custom_prompt": PROFILE}
    assert_sdk_headers(request, with_body=True)


@pytest.mark.parametrize("cleared", [None, ""], ids=["none", "empty-string"])
async def test_update_clears_the_profile_with_the_key_still_sent(
    client: AnyClient, api: respx.MockRouter, cleared: str | None
) -> None:
    answer = {"phone_number": NUMBER, "agent_id": AGENT, "custom_prompt": None}
    api.patch(ONE_PATH).respond(200, json={"phone_number": answer})

    number = await run(client.phone_numbers.update(NUMBER, custom_prompt=cleared))

    assert number.custom_prompt is None
    request = only_request(api)
    # An empty body would be missing_field: the key goes out as null, or as "".
    assert request.content == json.dumps({"custom_prompt": cleared}, separators=(",", ":")).encode()
    assert sent_json(request) == {"custom_prompt": cleared}


async def test_an_answer_without_its_envelope_parses_too(
    client: AnyClient, api: respx.MockRouter
) -> None:
    # A bare phone number object has a `phone_number` key too: it must not be taken for one.
    bare = {"phone_number": NUMBER, "agentId": AGENT, "customPrompt": PROFILE}
    api.patch(ONE_PATH).respond(200, json=bare)
    api.post(PATH).respond(201, json=bare)

    updated = await run(client.phone_numbers.update(NUMBER, custom_prompt=PROFILE))
    imported = await import_number(client)

    expected = PhoneNumber(phone_number=NUMBER, agent_id=AGENT, custom_prompt=PROFILE)
    assert updated == imported == expected


async def test_update_takes_its_settings_by_keyword_and_needs_one(
    client: AnyClient, api: respx.MockRouter
) -> None:
    with pytest.raises(ValueError, match="at least one setting"):
        await run(client.phone_numbers.update(NUMBER))
    with pytest.raises(TypeError):
        client.phone_numbers.update(NUMBER, PROFILE)  # type: ignore[call-arg]
    assert api.calls.call_count == 0


EVERY_SETTING: dict[str, Any] = {
    "custom_prompt": PROFILE,
    "voice_id": "voice_21m00Tcm4TlvDq8ikWAM",
    "sms_prompt": "Answer texts briefly.",
    "web_prompt": "You are on the website.",
    "sms_reply_enabled": True,
    "voicemail_leave_enabled": True,
    "voicemail_message": "Sorry we missed you.",
    "speaking_rate": 1.2,
    "dtmf_enabled": False,
    "record_call": True,
    "recording_source": "nixflex",
}


async def test_update_sends_only_the_settings_passed(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.patch(ONE_PATH).respond(
        200, json={"phone_number": {"phone_number": NUMBER, "agent_id": AGENT}}
    )

    await run(client.phone_numbers.update(NUMBER, sms_reply_enabled=False))
    await run(client.phone_numbers.update(NUMBER, voice_id=None, speaking_rate=None))
    await run(client.phone_numbers.update(NUMBER, **EVERY_SETTING))

    sent = [sent_json(call.request) for call in route.calls]
    assert sent[0] == {"sms_reply_enabled": False}
    # None goes out as null: it clears the setting (the agent's own voice and rate apply).
    assert sent[1] == {"voice_id": None, "speaking_rate": None}
    assert sent[2] == EVERY_SETTING


async def test_update_reads_every_setting_back(client: AnyClient, api: respx.MockRouter) -> None:
    answer = {
        "phoneNumber": NUMBER,
        "agentId": AGENT,
        "provider": "telnyx",
        "telnyxNumberId": "1293384261075731499",
        **EVERY_SETTING,
        "speaking_rate": 1,
    }
    api.patch(ONE_PATH).respond(200, json={"phone_number": answer})

    number = await run(client.phone_numbers.update(NUMBER, speaking_rate=1))

    assert_type(number, PhoneNumber)
    assert number.provider == "telnyx"
    assert number.telnyx_number_id == "1293384261075731499"
    assert number.twilio_number_sid is None
    assert number.sms_reply_enabled is True
    assert number.recording_source == "nixflex"
    assert number.speaking_rate == 1
    assert number.voicemail_message == "Sorry we missed you."


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"sms_reply_enabled": "yes"}, "sms_reply_enabled must be bool"),
        ({"speaking_rate": "fast"}, "speaking_rate must be int or float"),
        ({"speaking_rate": True}, "speaking_rate must be int or float"),
        ({"voice_id": 7}, "voice_id must be str"),
    ],
)
async def test_update_refuses_a_value_of_the_wrong_type_before_sending(
    client: AnyClient, api: respx.MockRouter, settings: dict[str, Any], match: str
) -> None:
    with pytest.raises(TypeError, match=match):
        await run(client.phone_numbers.update(NUMBER, **settings))
    assert api.calls.call_count == 0


async def test_update_raises_voicemail_message_required(
    client: AnyClient, api: respx.MockRouter
) -> None:
    error = {"error": {"code": "voicemail_message_required", "message": "Save a message first."}}
    api.patch(ONE_PATH).respond(400, json=error)

    with pytest.raises(nixflex.VoicemailMessageRequiredError):
        await run(client.phone_numbers.update(NUMBER, voicemail_leave_enabled=True))


async def test_update_many_patches_each_number_with_its_own_settings(
    client: AnyClient, api: respx.MockRouter
) -> None:
    other = "+442011110002"
    first = api.patch(ONE_PATH).respond(
        200, json={"phone_number": {"phone_number": NUMBER, "agent_id": AGENT}}
    )
    second = api.patch("/v1/phone-numbers/%2B442011110002").respond(
        404, json={"error": {"code": "number_not_found", "message": "No such number."}}
    )

    result = await run(
        client.phone_numbers.update_many(
            {NUMBER: {"sms_reply_enabled": True, "voice_id": None}, other: {"record_call": False}}
        )
    )

    assert sent_json(first.calls.last.request) == {"sms_reply_enabled": True, "voice_id": None}
    assert sent_json(second.calls.last.request) == {"record_call": False}
    assert [item.input for item in result] == [NUMBER, other]
    assert result.items[0].ok
    assert isinstance(result.items[1].error, nixflex.NumberNotFoundError)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({NUMBER: {"colour": "red"}}, TypeError),
        ({NUMBER: {}}, ValueError),
        ({NUMBER: {"record_call": True}, " ": {"record_call": True}}, ValueError),
        ({NUMBER: "custom_prompt"}, TypeError),
    ],
    ids=["unknown-setting", "no-setting", "blank-number", "not-a-mapping"],
)
async def test_update_many_checks_every_item_before_sending(
    client: AnyClient, api: respx.MockRouter, changes: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="item"):
        await run(client.phone_numbers.update_many(changes))
    assert api.calls.call_count == 0


def test_update_signature_shows_no_private_name() -> None:
    import inspect

    for method in (nixflex.PhoneNumbers.update, nixflex.AsyncPhoneNumbers.update):
        shown = str(inspect.signature(method))
        assert "voice_id: 'str | None' = NOT_GIVEN" in shown
        assert "_" + "NotGiven" not in shown


# --- delete --------------------------------------------------------------------------------------


async def test_delete_sends_delete_and_ignores_the_body(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.delete(ONE_PATH).mock(
        side_effect=[
            httpx.Response(204),
            httpx.Response(200, json={"deleted": True, "phone_number": NUMBER}),
            httpx.Response(200, text="OK"),
        ]
    )

    for _ in range(3):  # a 204, a 200 with JSON, a 200 with text
        result = await run(client.phone_numbers.delete(NUMBER))  # type: ignore[func-returns-value]
        assert result is None

    assert route.call_count == 3
    request = route.calls.last.request
    assert request.method == "DELETE"
    assert request.url.raw_path == b"/v1/phone-numbers/%2B447446466847"
    assert_sdk_headers(request, with_body=False)


# --- the phone number in the path ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "raw"),
    [
        ("+447446466847", b"%2B447446466847"),
        ("+44 7446 466847", b"%2B44%207446%20466847"),
        ("+44/../1?x=1#f", b"%2B44%2F..%2F1%3Fx%3D1%23f"),
        ("%2B44", b"%252B44"),
    ],
    ids=["plus", "spaces", "slash-query-fragment", "already-encoded"],
)
async def test_the_phone_number_travels_as_one_encoded_segment(
    client: AnyClient, api: respx.MockRouter, value: str, raw: bytes
) -> None:
    api.route().respond(200, json={"phone_number": {"phone_number": value, "agent_id": AGENT}})

    await run(client.phone_numbers.update(value, custom_prompt=None))
    await run(client.phone_numbers.delete(value))

    assert [call.request.method for call in api.calls] == ["PATCH", "DELETE"]
    for call in api.calls:
        assert call.request.url.raw_path == b"/v1/phone-numbers/" + raw
        assert call.request.url.query == b""
        assert unquote(call.request.url.raw_path.decode().rsplit("/", 1)[1]) == value


async def test_the_encoded_number_reaches_a_real_server_intact(
    loopback: LoopbackServer, loopback_client: AnyClient
) -> None:
    from tests.loopback import Reply

    answer = {"phone_number": {"phone_number": NUMBER, "agent_id": AGENT, "custom_prompt": None}}
    loopback.script(Reply.json(answer), Reply.empty(204))

    updated = await run(loopback_client.phone_numbers.update(NUMBER, custom_prompt=None))
    await run(loopback_client.phone_numbers.delete(NUMBER))

    assert updated.custom_prompt is None
    patch, delete = loopback.requests
    assert (patch.method, patch.target) == ("PATCH", "/v1/phone-numbers/%2B447446466847")
    assert patch.body == b'{"custom_prompt":null}'
    assert patch.header("Content-Type") == "application/json"
    assert (delete.method, delete.target, delete.body) == (
        "DELETE",
        "/v1/phone-numbers/%2B447446466847",
        b"",
    )
    for request in (patch, delete):
        assert request.header("Authorization") == f"Bearer {API_KEY}"
        assert request.header("User-Agent") == f"nixflex-python/{nixflex.__version__}"


async def test_a_blank_or_dot_phone_number_is_refused_before_sending(
    client: AnyClient, api: respx.MockRouter
) -> None:
    for value in ["", "   ", "\t\n", ".", ".."]:
        with pytest.raises(ValueError, match="phone_number"):
            await run(client.phone_numbers.update(value, custom_prompt=PROFILE))
        with pytest.raises(ValueError, match="phone_number"):
            await run(client.phone_numbers.delete(value))
    assert api.calls.call_count == 0


# --- errors --------------------------------------------------------------------------------------

E = nixflex
# (endpoint, code, documented status, its class, the status's class), straight from the API docs.
DOCUMENTED_ERRORS = [
    ("import", "missing_field", 400, E.MissingFieldError, E.BadRequestError),
    ("import", "invalid_phone_format", 400, E.InvalidPhoneFormatError, E.BadRequestError),
    ("import", "invalid_twilio_sid", 400, E.InvalidTwilioSidError, E.BadRequestError),
    ("import", "agent_not_found", 404, E.AgentNotFoundError, E.NotFoundError),
    ("import", "agent_not_owned", 403, E.AgentNotOwnedError, E.PermissionDeniedError),
    ("import", "number_not_in_twilio", 404, E.NumberNotInTwilioError, E.NotFoundError),
    (
        "import",
        "twilio_invalid_credentials",
        401,
        E.TwilioInvalidCredentialsError,
        E.AuthenticationError,
    ),
    ("import", "twilio_auth_failed", 401, E.TwilioAuthFailedError, E.AuthenticationError),
    ("import", "number_already_imported", 409, E.NumberAlreadyImportedError, E.ConflictError),
    ("import", "custom_prompt_too_long", 400, E.CustomPromptTooLongError, E.BadRequestError),
    ("update", "missing_field", 400, E.MissingFieldError, E.BadRequestError),
    ("update", "custom_prompt_too_long", 400, E.CustomPromptTooLongError, E.BadRequestError),
    ("update", "number_not_found", 404, E.NumberNotFoundError, E.NotFoundError),
    ("delete", "number_not_found", 404, E.NumberNotFoundError, E.NotFoundError),
]


ROUTES = {"import": ("POST", PATH), "update": ("PATCH", ONE_PATH), "delete": ("DELETE", ONE_PATH)}


async def call(client: AnyClient, endpoint: str) -> object:
    if endpoint == "import":
        return await import_number(client, custom_prompt=PROFILE)
    if endpoint == "update":
        return await run(client.phone_numbers.update(NUMBER, custom_prompt=PROFILE))
    await run(client.phone_numbers.delete(NUMBER))
    return None


def assert_no_secret(error: BaseException) -> None:
    assert isinstance(error, nixflex.APIStatusError)
    for secret in (TWILIO_TOKEN, KEY_SECRET):
        for shown in (str(error), repr(error), error.message, repr(error.body), repr(error.args)):
            assert secret not in shown


ErrorRow = tuple[str, str, int, type[nixflex.APIStatusError], type[nixflex.APIStatusError]]


@pytest.mark.parametrize(
    "row", DOCUMENTED_ERRORS, ids=[f"{row[0]}-{row[1]}" for row in DOCUMENTED_ERRORS]
)
async def test_each_documented_error_raises_its_class(
    client: AnyClient, api: respx.MockRouter, row: ErrorRow
) -> None:
    endpoint, code, status, cls, status_cls = row
    # The import's answer echoes the Twilio token back, as a careless server might. Update and
    # delete never send it, so their answers cannot hold it.
    if endpoint == "import":
        echoed = f"{code} for {TWILIO_SID}:{TWILIO_TOKEN}"
        sent: dict[str, object] = {"twilio_token": TWILIO_TOKEN, "tokens": [TWILIO_TOKEN]}
    else:
        echoed = f"{code} for {NUMBER}"
        sent = {"custom_prompt": PROFILE}
    body = {"error": {"code": code, "message": echoed}, "request": sent}
    method, path = ROUTES[endpoint]
    route = api.request(method, path).respond(
        status, json=body, headers={"x-request-id": f"req_{code}"}
    )

    with pytest.raises(cls) as caught:
        await call(client, endpoint)

    error = caught.value
    assert type(error) is cls
    assert isinstance(error, status_cls)
    assert isinstance(error, nixflex.APIStatusError)
    assert (error.status_code, error.code, error.request_id) == (status, code, f"req_{code}")
    assert route.call_count == 1
    assert f"[{status} {code}]" in str(error)
    assert f"req_{code}" in str(error)
    if endpoint == "import":
        # The token is masked where the import sent it, and nothing else of the message is lost.
        assert error.message == f"{code} for {TWILIO_SID}:***"
        assert error.body == {
            "error": {"code": code, "message": f"{code} for {TWILIO_SID}:***"},
            "request": {"twilio_token": "***", "tokens": ["***"]},
        }
    else:
        assert error.message == echoed
        assert error.body == body
    assert_no_secret(error)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            500,
            json={"error": {"code": "internal", "message": f"boom: token={TWILIO_TOKEN}"}},
            headers={"x-request-id": "req_500"},
        ),
        httpx.Response(
            502,
            text=f"<html><body>Bad gateway for twilio_token={TWILIO_TOKEN}</body></html>",
            headers={"x-request-id": "req_500", "content-type": "text/html"},
        ),
        httpx.Response(
            422,
            json={"message": f"token {TWILIO_TOKEN} looks odd", "code": "weird_token"},
            headers={"x-request-id": "req_500"},
        ),
    ],
    ids=["500-json", "502-html", "422-unknown-code"],
)
async def test_a_server_error_that_echoes_the_twilio_token_never_shows_it(
    client: AnyClient,
    api: respx.MockRouter,
    sleeps: list[float],
    answer: httpx.Response,
    caplog: pytest.LogCaptureFixture,
) -> None:
    route = api.post(PATH).mock(return_value=answer)
    caplog.set_level(logging.DEBUG, logger="nixflex")

    with pytest.raises(nixflex.APIStatusError) as caught:
        await import_number(client)

    error = caught.value
    assert error.status_code == answer.status_code
    assert error.request_id == "req_500"
    assert route.call_count == 1  # a POST that may have landed is not sent again
    assert "***" in error.message or "***" in repr(error.body)
    assert_no_secret(error)
    assert TWILIO_TOKEN not in caplog.text
    assert KEY_SECRET not in caplog.text


async def test_an_import_answer_of_the_wrong_shape_never_shows_the_token(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(PATH).respond(201, json={"phone_number": {"twilio_token": TWILIO_TOKEN}})
    with pytest.raises(nixflex.APIResponseValidationError) as caught:
        await import_number(client)
    error = caught.value
    for shown in (str(error), repr(error), error.message, repr(error.body)):
        assert TWILIO_TOKEN not in shown


def test_the_description_of_an_import_does_not_show_the_token() -> None:
    from nixflex.resources.phone_numbers import _create_call

    call = _create_call(
        phone_number=NUMBER, twilio_sid=TWILIO_SID, twilio_token=TWILIO_TOKEN, agent_id=AGENT
    )
    assert call.body is not None
    assert call.body["twilio_token"] == TWILIO_TOKEN  # it is sent...
    assert TWILIO_TOKEN not in repr(call)  # ...but never shown


# --- types ---------------------------------------------------------------------------------------


async def test_the_calls_return_what_the_spec_says(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(PATH).respond(201, json={"phone_number": IMPORTED})
    api.get(PATH).respond(200, json={"phone_numbers": [IMPORTED]})
    api.patch(ONE_PATH).respond(200, json={"phone_number": IMPORTED})
    kwargs = {"phone_number": NUMBER, "twilio_sid": TWILIO_SID, "agent_id": AGENT}
    if isinstance(client, nixflex.Client):
        created = assert_type(
            client.phone_numbers.create(**kwargs, twilio_token=TWILIO_TOKEN), PhoneNumber
        )
        listed = assert_type(client.phone_numbers.list(), list[PhoneNumber])
        updated = assert_type(client.phone_numbers.update(NUMBER, custom_prompt=None), PhoneNumber)
    else:
        created = assert_type(
            await client.phone_numbers.create(**kwargs, twilio_token=TWILIO_TOKEN), PhoneNumber
        )
        listed = assert_type(await client.phone_numbers.list(), list[PhoneNumber])
        updated = assert_type(
            await client.phone_numbers.update(NUMBER, custom_prompt=None), PhoneNumber
        )
    assert isinstance(created, PhoneNumber)
    assert isinstance(listed, list)
    assert isinstance(listed[0], PhoneNumber)
    assert isinstance(updated, PhoneNumber)


# --- a reseller's onboarding ---------------------------------------------------------------------


class FakeTwilioNumbersAPI:
    """`/v1/phone-numbers` as the docs describe it, in memory, for respx to answer from."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.imports = 0

    def post(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["phone_number"] in self.rows:
            return error(409, "number_already_imported")
        self.imports += 1
        row = {
            "phone_number": body["phone_number"],
            "agent_id": body["agent_id"],
            "twilio_number_sid": f"PN{self.imports:032x}",
            "inbound_enabled": True,
            "outbound_enabled": True,
            "custom_prompt": body.get("custom_prompt"),
            "created_at": f"2025-01-15T10:{self.imports:02d}:00Z",
        }
        self.rows[row["phone_number"]] = row
        return httpx.Response(201, json={"phone_number": row})

    def get(self, request: httpx.Request) -> httpx.Response:
        agent = request.url.params.get("agent_id")
        rows = [row for row in self.rows.values() if agent is None or row["agent_id"] == agent]
        rows.sort(key=lambda row: row["created_at"], reverse=True)
        return httpx.Response(200, json={"phone_numbers": rows})

    def one(self, request: httpx.Request) -> httpx.Response:
        number = unquote(request.url.raw_path.decode().rsplit("/", 1)[1])
        if number not in self.rows:
            return error(404, "number_not_found")
        if request.method == "DELETE":
            del self.rows[number]
            return httpx.Response(204)
        body = json.loads(request.content)
        if "custom_prompt" not in body:
            return error(400, "missing_field")
        self.rows[number]["custom_prompt"] = body["custom_prompt"] or None
        return httpx.Response(200, json={"phone_number": self.rows[number]})

    def mount(self, api: respx.MockRouter) -> None:
        api.post(PATH).mock(side_effect=self.post)
        api.get(PATH).mock(side_effect=self.get)
        api.route(path__startswith=PATH + "/").mock(side_effect=self.one)


def error(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": code}})


async def test_a_resellers_onboarding_flow(client: AnyClient, api: respx.MockRouter) -> None:
    fake = FakeTwilioNumbersAPI()
    fake.mount(api)
    clinics = {
        "+442011110001": "Business: Smile Dental Croydon.",
        "+442011110002": "Business: Pearly Whites Manchester.",
    }
    template = "agent_ringback_dental"

    for phone, profile in clinics.items():
        number = await run(
            client.phone_numbers.create(
                phone_number=phone,
                twilio_sid=TWILIO_SID,
                twilio_token=TWILIO_TOKEN,
                agent_id=template,
                custom_prompt=profile,
            )
        )
        assert (number.phone_number, number.custom_prompt) == (phone, profile)
    await run(
        client.phone_numbers.create(
            phone_number="+15550000000",
            twilio_sid=TWILIO_SID,
            twilio_token=TWILIO_TOKEN,
            agent_id="agent_other",
        )
    )
    with pytest.raises(nixflex.NumberAlreadyImportedError):
        await run(
            client.phone_numbers.create(
                phone_number="+442011110001",
                twilio_sid=TWILIO_SID,
                twilio_token=TWILIO_TOKEN,
                agent_id=template,
            )
        )

    mine = await run(client.phone_numbers.list(agent_id=template))
    assert [n.phone_number for n in mine] == ["+442011110002", "+442011110001"]
    assert [n.custom_prompt for n in mine] == [clinics["+442011110002"], clinics["+442011110001"]]

    moved = "Business: Smile Dental Croydon. Now at 40 London Rd."
    updated = await run(client.phone_numbers.update("+442011110001", custom_prompt=moved))
    assert updated.custom_prompt == moved
    cleared = await run(client.phone_numbers.update("+442011110002", custom_prompt=None))
    assert cleared.custom_prompt is None

    await run(client.phone_numbers.delete("+442011110002"))
    with pytest.raises(nixflex.NumberNotFoundError):
        await run(client.phone_numbers.delete("+442011110002"))

    remaining = await run(client.phone_numbers.list(agent_id=template))
    assert [(n.phone_number, n.custom_prompt) for n in remaining] == [("+442011110001", moved)]
    assert len(await run(client.phone_numbers.list())) == 2
    assert [(c.request.method, c.request.url.raw_path) for c in api.calls][-4:] == [
        ("DELETE", b"/v1/phone-numbers/%2B442011110002"),
        ("DELETE", b"/v1/phone-numbers/%2B442011110002"),
        ("GET", b"/v1/phone-numbers?agent_id=agent_ringback_dental&limit=100&offset=0"),
        ("GET", b"/v1/phone-numbers?limit=100&offset=0"),
    ]


# --- Telnyx numbers ------------------------------------------------------------------------------

TELNYX_KEY = "KEY_canary_TELNYX_9c8b7a6d5e"
TELNYX_CONNECTION = "1494404757140276705"


async def test_a_telnyx_import_sends_the_telnyx_pair(
    client: AnyClient, api: respx.MockRouter
) -> None:
    answer = {
        "phone_number": NUMBER,
        "agent_id": AGENT,
        "provider": "telnyx",
        "telnyx_number_id": "1293384261075731499",
    }
    api.post(PATH).respond(201, json={"phone_number": answer})

    number = await run(
        client.phone_numbers.create(
            phone_number=NUMBER,
            telnyx_api_key=TELNYX_KEY,
            telnyx_connection_id=TELNYX_CONNECTION,
            agent_id=AGENT,
            custom_prompt=PROFILE,
        )
    )

    assert_type(number, PhoneNumber)
    assert (number.provider, number.telnyx_number_id) == ("telnyx", "1293384261075731499")
    assert sent_json(only_request(api)) == {
        "phone_number": NUMBER,
        "telnyx_api_key": TELNYX_KEY,
        "telnyx_connection_id": TELNYX_CONNECTION,
        "agent_id": AGENT,
        "custom_prompt": PROFILE,
    }


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"twilio_sid": TWILIO_SID},
        {"telnyx_api_key": TELNYX_KEY},
        {"twilio_sid": TWILIO_SID, "twilio_token": TWILIO_TOKEN, "telnyx_api_key": TELNYX_KEY},
        {
            "twilio_sid": TWILIO_SID,
            "twilio_token": TWILIO_TOKEN,
            "telnyx_api_key": TELNYX_KEY,
            "telnyx_connection_id": TELNYX_CONNECTION,
        },
    ],
    ids=["none", "half-twilio", "half-telnyx", "twilio-and-half-telnyx", "both"],
)
async def test_an_import_needs_exactly_one_carriers_pair(
    client: AnyClient, api: respx.MockRouter, credentials: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="exactly one carrier") as caught:
        await run(client.phone_numbers.create(phone_number=NUMBER, agent_id=AGENT, **credentials))
    assert TELNYX_KEY not in str(caught.value)
    assert TWILIO_TOKEN not in str(caught.value)
    assert api.calls.call_count == 0


def test_a_type_checker_refuses_a_mixed_import() -> None:
    # mypy (strict: warn_unused_ignores) proves the ignore covers a real error: no overload
    # takes both carriers' credentials.
    with pytest.raises(ValueError, match="exactly one carrier"):
        nixflex.Client(api_key=API_KEY).phone_numbers.create(  # type: ignore[call-overload]
            phone_number=NUMBER,
            twilio_sid=TWILIO_SID,
            twilio_token=TWILIO_TOKEN,
            telnyx_api_key=TELNYX_KEY,
            telnyx_connection_id=TELNYX_CONNECTION,
            agent_id=AGENT,
        )


async def test_the_telnyx_key_is_masked_in_errors_and_logs(
    client: AnyClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    echoed = {"code": "telnyx_invalid_credentials", "message": f"bad key {TELNYX_KEY}"}
    api.post(PATH).respond(
        401,
        json={"error": {**echoed, "details": {"sent": TELNYX_KEY}}},
        headers={"x-request-id": f"req_{TELNYX_KEY}"},
    )

    with (
        caplog.at_level(logging.DEBUG, logger="nixflex"),
        pytest.raises(nixflex.AuthenticationError) as caught,
    ):
        await run(
            client.phone_numbers.create(
                phone_number=NUMBER,
                telnyx_api_key=TELNYX_KEY,
                telnyx_connection_id=TELNYX_CONNECTION,
                agent_id=AGENT,
            )
        )

    error = caught.value
    assert error.code == "telnyx_invalid_credentials"
    for shown in (str(error), repr(error), repr(error.body), repr(error.details), error.request_id):
        assert TELNYX_KEY not in str(shown)
    assert TELNYX_KEY not in caplog.text


def test_an_import_request_hides_the_telnyx_key_in_its_repr_and_pickle() -> None:
    import pickle

    request = nixflex.ImportRequest(
        phone_number=NUMBER,
        telnyx_api_key=TELNYX_KEY,
        telnyx_connection_id=TELNYX_CONNECTION,
        agent_id=AGENT,
    )
    assert TELNYX_KEY not in repr(request)
    data = pickle.dumps(request)
    assert TELNYX_KEY.encode() not in data
    copy = pickle.loads(data)
    assert copy == attrs.evolve(request, telnyx_api_key=nixflex.ImportRequest.REDACTED)
    assert copy.twilio_token is None  # a secret never given stays None


async def test_import_many_takes_twilio_and_telnyx_numbers_in_one_batch(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(PATH).respond(201, json={"phone_number": IMPORTED})
    twilio = {
        "phone_number": NUMBER,
        "twilio_sid": TWILIO_SID,
        "twilio_token": TWILIO_TOKEN,
        "agent_id": AGENT,
    }
    telnyx = nixflex.ImportRequest(
        phone_number="+12125550123",
        telnyx_api_key=TELNYX_KEY,
        telnyx_connection_id=TELNYX_CONNECTION,
        agent_id=AGENT,
    )

    result = await run(client.phone_numbers.import_many([twilio, telnyx]))

    assert len(result.succeeded) == 2
    bodies = [sent_json(call.request) for call in route.calls]
    assert {frozenset(body) for body in bodies} == {
        frozenset({"phone_number", "twilio_sid", "twilio_token", "agent_id"}),
        frozenset({"phone_number", "telnyx_api_key", "telnyx_connection_id", "agent_id"}),
    }


async def test_import_many_refuses_an_item_without_exactly_one_pair_before_sending(
    client: AnyClient, api: respx.MockRouter
) -> None:
    half = {"phone_number": NUMBER, "telnyx_api_key": TELNYX_KEY, "agent_id": AGENT}
    with pytest.raises(ValueError, match="item 0: pass exactly one carrier") as caught:
        await run(client.phone_numbers.import_many([half]))
    assert TELNYX_KEY not in str(caught.value)
    assert api.calls.call_count == 0


# --- monitoring and web calls --------------------------------------------------------------------

SWITCHES = [
    ("monitor", "set_monitor", "get_monitor", "monitor_enabled"),
    ("web-calls", "set_web_calls", "get_web_calls", "web_calls_enabled"),
]


@pytest.mark.parametrize(("switch", "setter", "getter", "key"), SWITCHES, ids=["monitor", "web"])
async def test_a_switch_is_put_and_read_on_its_integration_route(  # noqa: PLR0917
    client: AnyClient, api: respx.MockRouter, switch: str, setter: str, getter: str, key: str
) -> None:
    path = f"/v1/integrations/{switch}/number/%2B447446466847"
    put = api.put(path).respond(200, json={"phone_number": NUMBER, key: True})
    get = api.get(path).respond(200, json={"phone_number": NUMBER, key: False})

    assert await run(getattr(client.phone_numbers, setter)(NUMBER, True)) is True
    assert await run(getattr(client.phone_numbers, getter)(NUMBER)) is False

    assert sent_json(put.calls.last.request) == {"enabled": True}
    assert put.calls.last.request.url.raw_path == path.encode()
    assert get.calls.last.request.content == b""
    with pytest.raises(TypeError, match="enabled must be a bool"):
        await run(getattr(client.phone_numbers, setter)(NUMBER, "yes"))
    with pytest.raises(ValueError, match="phone_number"):
        await run(getattr(client.phone_numbers, getter)(" "))
    assert put.call_count == 1


async def test_a_switch_answer_without_its_state_is_a_validation_error(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get("/v1/integrations/monitor/number/%2B447446466847").respond(200, json={})
    with pytest.raises(nixflex.APIResponseValidationError, match="monitor_enabled"):
        await run(client.phone_numbers.get_monitor(NUMBER))
