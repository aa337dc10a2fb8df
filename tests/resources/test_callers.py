"""`client.callers`: the context kept about each caller of a number, over the wire.

Every test that takes `client` runs on each client kind (sync, asyncio, trio, aiohttp).
"""

from __future__ import annotations

import pickle
from typing import Any

import httpx
import pytest
import respx
from typing_extensions import assert_type

import nixflex
from nixflex import Caller, CallerContext
from tests.support import AnyClient, assert_sdk_headers, only_request, run, sent_json

pytestmark = pytest.mark.anyio

NUMBER = "+447446466847"
CALLER = "+447700900123"
ONE_PATH = "/v1/phone-numbers/%2B447446466847/callers/%2B447700900123"
IMPORT_PATH = "/v1/phone-numbers/%2B447446466847/callers/import"
CONTEXT = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "reference_id": "crm_1042",
    "last_call": "Booked a check-up for Tuesday.",
    "open_item": "Send the X-ray results",
}


def answer(context: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"caller": {"phone_number": NUMBER, "caller_number": CALLER, "context": context}}


async def test_get_reads_the_callers_context_with_the_engines_fields(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.get(ONE_PATH).respond(200, json=answer(CONTEXT))

    caller = await run(client.callers.get(NUMBER, CALLER))

    assert_type(caller, Caller)
    assert caller == Caller(
        phone_number=NUMBER,
        caller_number=CALLER,
        context=CallerContext(
            name="Ada Lovelace",
            email="ada@example.com",
            reference_id="crm_1042",
            last_call="Booked a check-up for Tuesday.",
            open_item="Send the X-ray results",
        ),
    )
    request = route.calls.last.request
    assert request.url.raw_path == ONE_PATH.encode()
    assert request.content == b""
    assert_sdk_headers(request, with_body=False)


@pytest.mark.parametrize(
    "body",
    [
        {"caller": {"context": {"name": "Ada"}}},  # the numbers left to the path
        {"phoneNumber": NUMBER, "callerNumber": CALLER, "context": {"name": "Ada"}},  # bare
        {"data": {"caller_number": CALLER, "context": {"name": "Ada", "futureField": 1}}},
    ],
    ids=["numbers-left-out", "bare-camel-case", "data-envelope"],
)
async def test_get_reads_each_shape_the_api_may_answer_in(
    client: AnyClient, api: respx.MockRouter, body: dict[str, Any]
) -> None:
    api.get(ONE_PATH).respond(200, json=body)

    caller = await run(client.callers.get(NUMBER, CALLER))

    assert (caller.phone_number, caller.caller_number) == (NUMBER, CALLER)
    assert caller.context == CallerContext(name="Ada")


@pytest.mark.parametrize(
    "body",
    [
        {"phone_number": NUMBER},
        {"caller": None},
        {},
        {"caller": {"name": "Ada"}},  # fields not under `context`
        {"caller": {"caller_number": CALLER}},
        [],
    ],
    ids=["number-only", "null-caller", "empty", "flat-fields", "no-context", "list"],
)
async def test_an_answer_that_is_not_a_caller_is_a_validation_error_not_an_empty_context(
    client: AnyClient, api: respx.MockRouter, body: Any
) -> None:
    api.get(ONE_PATH).respond(200, json=body)
    api.put(ONE_PATH).respond(200, json=body)

    with pytest.raises(nixflex.APIResponseValidationError, match="caller: expected an object"):
        await run(client.callers.get(NUMBER, CALLER))
    with pytest.raises(nixflex.APIResponseValidationError):
        await run(client.callers.set(NUMBER, CALLER, name="Ada"))


@pytest.mark.parametrize("context", [None, {}], ids=["null", "empty"])
async def test_a_caller_with_nothing_kept_has_an_empty_context(
    client: AnyClient, api: respx.MockRouter, context: dict[str, Any] | None
) -> None:
    api.get(ONE_PATH).respond(200, json=answer(context))

    caller = await run(client.callers.get(NUMBER, CALLER))

    assert caller.context == CallerContext()


async def test_an_engine_note_of_any_json_shape_is_kept_as_sent(
    client: AnyClient, api: respx.MockRouter
) -> None:
    note = {"at": "2026-11-28T10:00:00Z", "summary": "Booked", "duration_s": 312}
    api.get(ONE_PATH).respond(200, json=answer({"last_call": note}))

    caller = await run(client.callers.get(NUMBER, CALLER))

    assert caller.context.last_call == note


async def test_a_context_field_of_the_wrong_type_is_a_validation_error(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(ONE_PATH).respond(200, json=answer({"name": 42}))

    with pytest.raises(nixflex.APIResponseValidationError, match="name"):
        await run(client.callers.get(NUMBER, CALLER))


async def test_an_unknown_caller_raises_caller_not_found(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(ONE_PATH).respond(
        404,
        json={"error": {"type": "not_found", "code": "caller_not_found", "message": "No such."}},
        headers={"x-railway-request-id": "req_123"},
    )

    with pytest.raises(nixflex.CallerNotFoundError) as caught:
        await run(client.callers.get(NUMBER, CALLER))

    assert isinstance(caught.value, nixflex.NotFoundError)
    assert (caught.value.code, caught.value.request_id) == ("caller_not_found", "req_123")
    assert isinstance(pickle.loads(pickle.dumps(caught.value)), nixflex.CallerNotFoundError)


# --- set -----------------------------------------------------------------------------------------


async def test_set_puts_only_the_fields_passed_and_none_sends_null(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.put(ONE_PATH).respond(200, json=answer({"name": "Ada", "location": "Croydon"}))

    caller = await run(client.callers.set(NUMBER, CALLER, name="Ada", preference=None))

    assert_type(caller, Caller)
    assert caller.context == CallerContext(name="Ada", location="Croydon")
    request = route.calls.last.request
    assert sent_json(request) == {"name": "Ada", "preference": None}
    assert_sdk_headers(request, with_body=True)


async def test_set_sends_every_field_under_its_api_name(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.put(ONE_PATH).respond(200, json=answer({}))
    fields = {
        "name": "Ada",
        "email": "ada@example.com",
        "phone": "+447700900999",
        "location": "Croydon",
        "reference_id": "crm_1042",
        "preference": "mornings",
    }

    await run(client.callers.set(NUMBER, CALLER, **fields))

    assert sent_json(route.calls.last.request) == fields


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "pass at least one context field"),
        ({"name": 42}, TypeError, "name must be a str or None, got int"),
        ({"last_call": "x"}, TypeError, "last_call"),
        ({"open_item": "x"}, TypeError, "open_item"),
    ],
    ids=["nothing", "not-text", "last-call", "open-item"],
)
async def test_set_refuses_bad_input_before_sending(
    client: AnyClient, api: respx.MockRouter, kwargs: dict[str, Any], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        await run(client.callers.set(NUMBER, CALLER, **kwargs))

    assert api.calls.call_count == 0


@pytest.mark.parametrize(
    ("phone_number", "caller_number"), [(" ", CALLER), (NUMBER, ".."), (NUMBER, "")]
)
async def test_blank_or_dot_numbers_are_refused_before_sending(
    client: AnyClient, api: respx.MockRouter, phone_number: str, caller_number: str
) -> None:
    for call in (
        lambda: client.callers.get(phone_number, caller_number),
        lambda: client.callers.set(phone_number, caller_number, name="Ada"),
        lambda: client.callers.delete(phone_number, caller_number),
    ):
        with pytest.raises(ValueError, match=r"phone_number|caller_number"):
            await run(call())
    assert api.calls.call_count == 0


async def test_a_caller_number_of_none_is_refused_not_sent_to_the_import_route(
    client: AnyClient, api: respx.MockRouter
) -> None:
    for call in (
        lambda: client.callers.get(NUMBER, None),  # type: ignore[arg-type]
        lambda: client.callers.set(NUMBER, None, name="Ada"),  # type: ignore[arg-type]
        lambda: client.callers.delete(NUMBER, None),  # type: ignore[arg-type]
    ):
        with pytest.raises(TypeError, match="caller_number must be a str, got NoneType"):
            await run(call())
    assert api.calls.call_count == 0


async def test_a_caller_number_is_one_path_segment_whatever_it_holds(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.get(url__regex=r"/callers/").respond(200, json=answer({}))

    await run(client.callers.get(NUMBER, "+44/../x?y#z"))

    assert route.calls.last.request.url.raw_path == (
        b"/v1/phone-numbers/%2B447446466847/callers/%2B44%2F..%2Fx%3Fy%23z"
    )


async def test_an_engine_only_field_refused_by_the_api_raises_its_class(
    client: AnyClient, api: respx.MockRouter
) -> None:
    error = {"type": "invalid_request", "code": "engine_only_field", "message": "Engine only."}
    api.put(ONE_PATH).respond(400, json={"error": error})

    with pytest.raises(nixflex.EngineOnlyFieldError):
        await run(client.callers.set(NUMBER, CALLER, name="Ada"))


async def test_set_is_retried_after_a_5xx_since_writing_the_same_fields_twice_is_harmless(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.put(ONE_PATH).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=answer({"name": "Ada"}))]
    )

    caller = await run(client.callers.set(NUMBER, CALLER, name="Ada"))

    assert caller.context.name == "Ada"
    assert route.call_count == 2


# --- delete --------------------------------------------------------------------------------------


async def test_delete_sends_a_delete_and_returns_none(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.delete(ONE_PATH).respond(204)

    result = await run(client.callers.delete(NUMBER, CALLER))  # type: ignore[func-returns-value]

    assert result is None

    assert route.calls.last.request.url.raw_path == ONE_PATH.encode()


async def test_a_delete_whose_first_answer_was_lost_is_done_when_the_retry_finds_it_gone(
    client: AnyClient, api: respx.MockRouter
) -> None:
    gone = {"error": {"code": "caller_not_found", "message": "No such caller."}}
    route = api.delete(ONE_PATH).mock(
        side_effect=[httpx.ReadError("connection reset"), httpx.Response(404, json=gone)]
    )

    await run(client.callers.delete(NUMBER, CALLER))
    assert route.call_count == 2


async def test_deleting_a_caller_never_kept_raises_caller_not_found(
    client: AnyClient, api: respx.MockRouter
) -> None:
    gone = {"error": {"code": "caller_not_found", "message": "No such caller."}}
    api.delete(ONE_PATH).respond(404, json=gone)

    with pytest.raises(nixflex.CallerNotFoundError):
        await run(client.callers.delete(NUMBER, CALLER))


# --- import_many ---------------------------------------------------------------------------------


async def test_import_many_posts_every_row_once_and_returns_the_apis_count(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(IMPORT_PATH).respond(200, json={"phone_number": NUMBER, "imported": 2})
    rows: list[nixflex.CallerRow] = [
        {"caller_number": CALLER, "name": "Ada", "reference_id": "crm_1042"},
        {"caller_number": "+447700900456", "email": None},
    ]

    imported = await run(client.callers.import_many(NUMBER, rows))

    assert_type(imported, int)
    assert imported == 2
    request = only_request(api)
    assert request.url.raw_path == IMPORT_PATH.encode()
    assert sent_json(request) == {"callers": rows}
    assert route.call_count == 1


async def test_import_many_reads_rows_from_any_iterable(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(IMPORT_PATH).respond(200, json={"phone_number": NUMBER, "imported": 3})

    rows = ({"caller_number": f"+44770090012{n}"} for n in range(3))
    assert await run(client.callers.import_many(NUMBER, rows)) == 3

    assert len(sent_json(route.calls.last.request)["callers"]) == 3


async def test_import_many_takes_exactly_1000_rows(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(IMPORT_PATH).respond(200, json={"phone_number": NUMBER, "imported": 1000})
    rows = [{"caller_number": f"+4477009{n:05d}"} for n in range(1000)]

    assert await run(client.callers.import_many(NUMBER, rows)) == 1000
    assert len(sent_json(route.calls.last.request)["callers"]) == 1000


async def test_import_many_refuses_1001_rows_before_sending_or_reading_them_all(
    client: AnyClient, api: respx.MockRouter
) -> None:
    read = 0

    def rows() -> Any:
        nonlocal read
        for n in range(1_000_000):
            read += 1
            yield {"caller_number": f"+4477009{n:05d}"}

    with pytest.raises(ValueError, match="more than 1,000 callers"):
        await run(client.callers.import_many(NUMBER, rows()))

    assert api.calls.call_count == 0
    assert read == 1001


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        ([{"caller_number": CALLER}, "not a dict"], TypeError, r"callers\[1\]: expected a dict"),
        ([{"name": "Ada"}], TypeError, r"callers\[0\]: missing key 'caller_number'"),
        ([{"caller_number": " "}], ValueError, r"callers\[0\]\.caller_number must not be empty"),
        (
            [{"caller_number": 447700900123}],
            TypeError,
            r"callers\[0\]\.caller_number must be a str",
        ),
        (
            [{"caller_number": CALLER, "nmae": "Ada"}],
            TypeError,
            r"callers\[0\]: unknown fields \['nmae'\]",
        ),
        (
            [{"caller_number": CALLER, "last_call": "x"}],
            TypeError,
            r"callers\[0\]\.last_call: written by",
        ),
        (
            [{"caller_number": CALLER}, {"caller_number": CALLER, "open_item": 1}],
            TypeError,
            r"callers\[1\]\.open_item",
        ),
        (
            [{"caller_number": CALLER, "name": 7}],
            TypeError,
            r"callers\[0\]\.name must be a str or None",
        ),
        ([{"caller_number": CALLER, "name": "\ud83e"}], ValueError, r"callers\[0\]\.name"),
        ({"caller_number": CALLER}, TypeError, "rows must be a list of dicts"),
        ("+447700900123", TypeError, "rows must be a list of dicts"),
    ],
)
async def test_import_many_refuses_a_bad_row_before_sending_any(
    client: AnyClient, api: respx.MockRouter, rows: Any, error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        await run(client.callers.import_many(NUMBER, rows))

    assert api.calls.call_count == 0


async def test_import_many_of_no_rows_sends_nothing(
    client: AnyClient, api: respx.MockRouter
) -> None:
    assert await run(client.callers.import_many(NUMBER, [])) == 0
    assert api.calls.call_count == 0


async def test_import_many_is_not_sent_again_once_it_may_have_landed(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(IMPORT_PATH).mock(side_effect=httpx.ReadError("connection reset"))

    with pytest.raises(nixflex.APIConnectionError):
        await run(client.callers.import_many(NUMBER, [{"caller_number": CALLER}]))

    assert route.call_count == 1


@pytest.mark.parametrize(
    "body", [{}, {"imported": "2"}, {"imported": True}, {"imported": -1}, {"imported": 2.0}, []]
)
async def test_an_import_answer_without_a_count_is_a_validation_error(
    client: AnyClient, api: respx.MockRouter, body: Any
) -> None:
    api.post(IMPORT_PATH).respond(200, json=body)

    with pytest.raises(nixflex.APIResponseValidationError, match="imported"):
        await run(client.callers.import_many(NUMBER, [{"caller_number": CALLER}]))
