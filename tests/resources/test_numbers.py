"""`client.numbers`: buy, list and release numbers, and read their messages.

Paging itself (page sizes, cursors, when paging stops) is in `test_pagination.py`; this file
holds what each call sends and what its answer becomes. Tests that take `client` run on
`nixflex.Client` and on `nixflex.AsyncClient`; `loopback_client` does the same over a real
HTTP server on 127.0.0.1 (`tests/loopback.py`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from typing_extensions import assert_type

import nixflex
from nixflex import Message, Number
from tests.support import (
    API_KEY,
    AnyClient,
    assert_sdk_headers,
    collect,
    only_request,
    run,
    sent_json,
)

if TYPE_CHECKING:
    from tests.loopback import LoopbackServer

# The `loopback` and `loopback_client` fixtures. Imported by pytest (not above) so that their
# asserts are rewritten; tests import `Reply` where they use it.
pytestmark = pytest.mark.anyio

NUMBERS = "/v1/numbers"
NUMBER_ID = "num_xyz789"
MESSAGES = f"/v1/numbers/{NUMBER_ID}/messages"

# The example answer of `POST /v1/numbers` in the API docs.
DOCUMENTED_NUMBER = {
    "id": NUMBER_ID,
    "phoneNumber": "+15551234567",
    "country": "US",
    "status": "active",
    "agentId": "agt_abc123",
    "createdAt": "2025-01-15T10:45:00Z",
}
EXPECTED_NUMBER = Number(
    id=NUMBER_ID,
    phone_number="+15551234567",
    country="US",
    status="active",
    agent_id="agt_abc123",
    created_at=datetime(2025, 1, 15, 10, 45, tzinfo=timezone.utc),
)


# --- create --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "body", "status"),
    [
        ({}, {"country": "US"}, 201),
        ({"country": "GB"}, {"country": "GB"}, 200),
        (
            {"country": "GB", "agent_id": "agt_abc123"},
            {"country": "GB", "agentId": "agt_abc123"},
            201,
        ),
        ({"agent_id": None}, {"country": "US"}, 200),
    ],
    ids=["defaults", "country", "country-and-agent", "agent-none"],
)
async def test_create_posts_a_camel_case_body_without_empty_fields(
    client: AnyClient,
    api: respx.MockRouter,
    kwargs: dict[str, Any],
    body: dict[str, str],
    status: int,
) -> None:
    api.post(NUMBERS).respond(status, json=DOCUMENTED_NUMBER)

    number = await run(client.numbers.create(**kwargs))

    assert number == EXPECTED_NUMBER
    request = only_request(api)
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/numbers"
    assert sent_json(request) == body  # agentId left out, not null, when there is no agent
    assert_sdk_headers(request, with_body=True)


async def test_a_number_reads_snake_case_new_statuses_and_unknown_keys(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(NUMBERS).respond(
        201,
        json={
            "id": "num_1",
            "phone_number": "+447700900123",
            "country": "GB",
            "status": "porting",  # newer than this SDK: kept as sent
            "agent_id": None,
            "created_at": "2025-01-15T11:45:00+01:00",
            "capabilities": {"sms": True, "voice": True},
            "monthlyCost": 1.15,
        },
    )

    number = await run(client.numbers.create(country="GB"))

    assert number == Number(
        id="num_1",
        phone_number="+447700900123",
        country="GB",
        status="porting",
        agent_id=None,
        created_at=datetime(2025, 1, 15, 10, 45, tzinfo=timezone.utc),
    )
    assert number.created_at is not None
    assert number.created_at.utcoffset() is not None  # aware, whatever offset it came with


# --- create over a real socket -------------------------------------------------------------------


async def test_create_over_a_real_socket(
    loopback: LoopbackServer, loopback_client: AnyClient
) -> None:
    from tests.loopback import Reply

    loopback.script(Reply.json(DOCUMENTED_NUMBER, status=201))

    number = await run(loopback_client.numbers.create(country="GB", agent_id="agt_abc123"))

    assert number == EXPECTED_NUMBER
    [request] = loopback.requests
    assert (request.method, request.target) == ("POST", "/v1/numbers")
    assert request.json() == {"country": "GB", "agentId": "agt_abc123"}
    assert request.header("Content-Type") == "application/json"
    assert request.header("Authorization") == f"Bearer {API_KEY}"
    assert request.header("User-Agent") == f"nixflex-python/{nixflex.__version__}"
    assert request.header("Content-Length") == str(len(request.body))


# --- release -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(204),
        httpx.Response(200, json={**DOCUMENTED_NUMBER, "status": "released"}),
        httpx.Response(200, text="released"),
    ],
    ids=["204", "200-json", "200-text"],
)
async def test_release_deletes_the_number_and_ignores_the_body(
    client: AnyClient, api: respx.MockRouter, answer: httpx.Response
) -> None:
    api.delete(f"{NUMBERS}/{NUMBER_ID}").mock(return_value=answer)

    result = await run(client.numbers.release(NUMBER_ID))  # type: ignore[func-returns-value]

    assert result is None
    request = only_request(api)
    assert request.method == "DELETE"
    assert request.url.raw_path == b"/v1/numbers/num_xyz789"
    assert_sdk_headers(request, with_body=False)


async def test_release_keeps_the_id_in_one_segment(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.route().respond(204)
    await run(client.numbers.release("num/../x?y#z"))
    assert only_request(api).url.raw_path == b"/v1/numbers/num%2F..%2Fx%3Fy%23z"


async def test_release_refuses_a_blank_or_dot_id_before_sending(
    client: AnyClient, api: respx.MockRouter
) -> None:
    # `DELETE /v1/numbers/..` would go out as `DELETE /v1`.
    for number_id in ["", "  ", ".", ".."]:
        with pytest.raises(ValueError, match="number_id"):
            await run(client.numbers.release(number_id))
    assert api.calls.call_count == 0


async def test_release_of_an_unknown_number_raises_number_not_found(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.delete(f"{NUMBERS}/num_gone").respond(
        404,
        json={"error": {"code": "number_not_found", "message": "No such number"}},
        headers={"x-request-id": "req_404"},
    )
    with pytest.raises(nixflex.NumberNotFoundError) as caught:
        await run(client.numbers.release("num_gone"))
    assert (caught.value.status_code, caught.value.request_id) == (404, "req_404")


# --- list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [({}, b"limit=20&offset=0"), ({"limit": 100, "offset": 40}, b"limit=100&offset=40")],
    ids=["defaults", "given"],
)
async def test_list_asks_for_a_page_by_limit_and_offset(
    client: AnyClient, api: respx.MockRouter, kwargs: dict[str, int], query: bytes
) -> None:
    api.get(NUMBERS).respond(200, json={"data": [DOCUMENTED_NUMBER], "hasMore": False})

    numbers = await collect(client.numbers.list(**kwargs))

    assert numbers == [EXPECTED_NUMBER]
    request = only_request(api)
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/numbers?" + query
    assert_sdk_headers(request, with_body=False)


# --- messages ------------------------------------------------------------------------------------

# The example message in the API docs.
DOCUMENTED_MESSAGE = {
    "id": "msg_001",
    "from_": "+15559876543",
    "to": "+15551234567",
    "body": "Hi, I need help with my order",
    "receivedAt": "2025-01-15T12:00:00Z",
}


async def test_messages_asks_for_the_newest_page_and_reads_the_documented_message(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(MESSAGES).respond(200, json={"data": [DOCUMENTED_MESSAGE], "hasMore": False})

    messages = await collect(client.numbers.messages.list(NUMBER_ID))

    assert messages == [
        Message(
            id="msg_001",
            from_="+15559876543",
            to="+15551234567",
            body="Hi, I need help with my order",
            received_at=datetime(2025, 1, 15, 12, tzinfo=timezone.utc),
        )
    ]
    request = only_request(api)
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/numbers/num_xyz789/messages?limit=50"
    assert_sdk_headers(request, with_body=False)


async def test_a_message_reads_from_either_sender_key_and_either_casing(
    client: AnyClient, api: respx.MockRouter
) -> None:
    page = [
        {
            "id": "m1",
            "from": "+1555",
            "to": "+1666",
            "body": "hi",
            "received_at": "2025-01-15T12:00:00Z",
        },
        {
            "id": "m2",
            "from_": "+1555",
            "to": "+1666",
            "body": "hi",
            "receivedAt": "2025-01-15T12:00:00Z",
        },
        {
            "id": "m3",
            "from": "+1555",
            "to": "+1666",
            "body": "hi",
            "receivedAt": "2025-01-15T07:00:00-05:00",
            "media": [{"url": "https://example.com/a.jpg"}],
            "mediaCount": 1,
        },
    ]
    api.get(MESSAGES).respond(200, json={"data": page})

    messages = await collect(client.numbers.messages.list(NUMBER_ID))

    noon = datetime(2025, 1, 15, 12, tzinfo=timezone.utc)
    assert messages == [
        Message(id=f"m{i}", from_="+1555", to="+1666", body="hi", received_at=noon)
        for i in (1, 2, 3)
    ]


async def test_a_message_reads_its_direction_and_channel(
    client: AnyClient, api: respx.MockRouter
) -> None:
    message = {
        "id": "m1",
        "from": "+1555",
        "receivedAt": "2025-01-15T12:00:00Z",
        "direction": "outbound",
        "channel": "mms",
    }
    api.get(MESSAGES).respond(200, json={"data": [message]})

    [read] = await collect(client.numbers.messages.list(NUMBER_ID))

    assert (read.direction, read.channel) == ("outbound", "mms")


async def test_create_sends_area_code_in_camel_case(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post("/v1/numbers").respond(
        201, json={"id": "num_1", "phoneNumber": "+14155550100"}
    )

    await run(client.numbers.create(area_code="415"))

    assert sent_json(route.calls.last.request) == {"country": "US", "areaCode": "415"}
    with pytest.raises(ValueError, match="area_code"):
        await run(client.numbers.create(area_code=" "))
    assert route.call_count == 1


async def test_timestamps_with_any_number_of_fractional_digits_parse(
    client: AnyClient, api: respx.MockRouter
) -> None:
    # RFC 3339 allows any number of digits; Postgres drops trailing zeros, .NET writes seven.
    stamps = [
        "2025-01-15T12:00:00.5+00:00",
        "2025-01-15T12:00:00.12Z",
        "2025-01-15T12:00:00.1234567Z",
    ]
    page = [{"id": f"m{i}", "receivedAt": at} for i, at in enumerate(stamps)]
    api.get(MESSAGES).respond(200, json={"data": page})

    messages = await collect(client.numbers.messages.list(NUMBER_ID))

    noon = datetime(2025, 1, 15, 12, tzinfo=timezone.utc)
    assert [m.received_at for m in messages] == [
        noon.replace(microsecond=500000),
        noon.replace(microsecond=120000),
        noon.replace(microsecond=123456),
    ]


PLUS_TWO = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (datetime(2025, 1, 15, 14, 0, tzinfo=PLUS_TWO), "2025-01-15T12:00:00Z"),
        (datetime(2025, 1, 15, 12, 0), "2025-01-15T12:00:00Z"),  # naive: UTC
        (
            datetime(2025, 1, 15, 12, 0, 0, 250000, tzinfo=timezone.utc),
            "2025-01-15T12:00:00.250000Z",
        ),
        ("2025-01-15T12:00:00+00:00", "2025-01-15T12:00:00+00:00"),
        ("2025-01-15T14:00:00+02:00", "2025-01-15T14:00:00+02:00"),
        ("2025-01-15T12:00:00Z", "2025-01-15T12:00:00Z"),
        ("2025-01-15", "2025-01-15"),
    ],
    ids=["aware", "naive", "microseconds", "str-utc-offset", "str-plus-two", "str-z", "str-date"],
)
async def test_before_and_after_go_in_the_query_as_rfc3339_or_as_given(
    client: AnyClient, api: respx.MockRouter, given: datetime | str, sent: str
) -> None:
    route = api.get(MESSAGES).respond(200, json={"data": [], "hasMore": False})

    await collect(client.numbers.messages.list(NUMBER_ID, before=given))
    await collect(client.numbers.messages.list(NUMBER_ID, after=given, limit=10))

    before, after = (call.request.url.query.decode() for call in route.calls)
    # Decoded the way a server decodes a query: a raw `+` would arrive as a space.
    assert parse_qs(before) == {"limit": ["50"], "before": [sent]}
    assert parse_qs(after) == {"limit": ["10"], "after": [sent]}
    assert "+" not in before + after


async def test_a_utc_offset_arrives_intact_at_a_real_server(
    loopback: LoopbackServer, loopback_client: AnyClient
) -> None:
    from tests.loopback import Reply

    loopback.script(Reply.json({"data": [], "hasMore": False}))
    await collect(
        loopback_client.numbers.messages.list(
            "num 1/2",
            before="2025-01-15T12:00:00+00:00",
            after=datetime(2025, 1, 1, tzinfo=PLUS_TWO),
        )
    )
    [request] = loopback.requests
    assert request.path == "/v1/numbers/num%201%2F2/messages"
    assert request.params == {
        "limit": ["50"],
        "before": ["2025-01-15T12:00:00+00:00"],
        "after": ["2024-12-31T22:00:00Z"],
    }


async def test_messages_refuses_bad_arguments_before_any_request(
    client: AnyClient, api: respx.MockRouter
) -> None:
    with pytest.raises(ValueError, match="number_id"):
        client.numbers.messages.list("  ")
    with pytest.raises(ValueError, match="number_id"):
        client.numbers.messages.list("..")
    with pytest.raises(TypeError, match="datetime"):
        client.numbers.messages.list(NUMBER_ID, before=1736942400)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="before must not be empty"):
        client.numbers.messages.list(NUMBER_ID, before=" ")
    with pytest.raises(ValueError, match="after must not be empty"):
        client.numbers.messages.list(NUMBER_ID, after="")
    with pytest.raises(ValueError, match="agent_id"):
        await run(client.phone_numbers.list(agent_id=""))
    assert api.calls.call_count == 0


@pytest.mark.parametrize(
    "before", [datetime(2025, 1, 15, 12, tzinfo=timezone.utc), "2025-01-15T12:00:00Z"]
)
async def test_a_message_newer_than_before_is_not_yielded_even_on_the_first_page(
    client: AnyClient, api: respx.MockRouter, before: datetime | str
) -> None:
    def message(id_: str, at: str) -> dict[str, str]:
        return {"id": id_, "from": "+1", "to": "+2", "body": "hi", "receivedAt": at}

    api.get(MESSAGES).respond(
        200,
        json={
            "data": [
                message("msg_new", "2025-01-15T12:30:00Z"),  # a server that ignores `before`
                message("msg_old", "2025-01-15T11:00:00Z"),
            ],
            "hasMore": False,
        },
    )
    got = await collect(client.numbers.messages.list(NUMBER_ID, before=before))
    assert [m.id for m in got] == ["msg_old"]


async def test_messages_of_an_unknown_number_fail_when_iterated_not_before(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get("/v1/numbers/num_gone/messages").respond(
        404, json={"error": {"code": "number_not_found", "message": "No such number"}}
    )
    paginator = client.numbers.messages.list("num_gone")
    assert api.calls.call_count == 0
    with pytest.raises(nixflex.NumberNotFoundError):
        await collect(paginator)
    assert api.calls.call_count == 1


# --- types ---------------------------------------------------------------------------------------


async def test_create_returns_a_number_on_both_clients(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(NUMBERS).respond(201, json=DOCUMENTED_NUMBER)
    if isinstance(client, nixflex.Client):
        number = assert_type(client.numbers.create(), Number)
    else:
        number = assert_type(await client.numbers.create(), Number)
    assert isinstance(number, Number)
