"""Malformed answers over a real socket: each ends in a typed `NixflexError`, nothing else.

An answer cut short, bytes that are not HTTP, a success body that is not JSON or not the
documented shape, an HTML error page, an empty 200, a redirect: whatever the server sends, every
call of both clients ends in its result or in a subclass of `nixflex.NixflexError`, never in a
`KeyError`, a `json.JSONDecodeError` or a raw httpx exception. `pytest.raises` with the precise
class holds it: anything else escaping fails the test.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import nixflex
from tests.loopback import LoopbackServer, Reply
from tests.reliability.calls import BODY_READERS, ENDPOINTS, MESSAGE_JSON, NUMBER_JSON
from tests.support import API_KEY, HTTPX_GENERATORS_LEFT_TO_GC, open_client, run

pytestmark = [pytest.mark.reliability, pytest.mark.anyio]

TIMEOUT = httpx.Timeout(2.0, read=0.05)  # no answer here is slower than a stall


def raw_json(status: int, body: bytes, **headers: str) -> Reply:
    """An answer with exactly these body bytes, labelled JSON."""
    return Reply(status=status, body=body, headers={"Content-Type": "application/json", **headers})


# --- answers broken at the HTTP level: a connection error on every call --------------------------

BROKEN_HTTP: dict[str, Reply] = {
    "cut-short": Reply.truncated({"data": [NUMBER_JSON], "hasMore": False}),
    "cut-short-chunked": Reply.raw(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        b'\r\n20\r\n{"data": [{"id": "num_1", "phone'
    ),
    "bad-chunk-size": Reply.raw(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    ),
    "not-http": Reply.raw(b"SSH-2.0-OpenSSH_9.6\r\n"),
    "bad-status-line": Reply.raw(b"HTTP/1.1 two-hundred OK\r\nContent-Length: 2\r\n\r\n{}"),
    "bad-content-length": Reply.raw(b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n{}"),
    "bad-gzip": Reply.raw(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 7\r\n\r\nnotgzip"
    ),
}
# A stall mid-body is a timeout: see tests/reliability/test_faults.py.


_HTTPX_GENERATORS = HTTPX_GENERATORS_LEFT_TO_GC


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(name, marks=_HTTPX_GENERATORS) if name == "bad-gzip" else name
        for name in BROKEN_HTTP
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_an_answer_broken_at_the_http_level_is_a_connection_error(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], endpoint: str, answer: str
) -> None:
    reply = BROKEN_HTTP[answer]
    loopback.handler = lambda request: reply
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        with pytest.raises(nixflex.APIConnectionError) as caught:
            await ENDPOINTS[endpoint].invoke(client)
    assert isinstance(caught.value.__cause__, httpx.RequestError)  # kept, not raised
    # A broken connection is retried where that is safe (not a POST), up to max_retries; a body
    # that arrived whole but cannot be decoded is not a broken connection.
    retried = ENDPOINTS[endpoint].method != "POST" and answer != "bad-gzip"
    assert len(loopback.requests) == (3 if retried else 1)


# --- 2xx answers that are not what the API documents ---------------------------------------------


def _replace_values(data: Any, keys: set[str], value: object) -> Any:
    """`data` with the value of every key in `keys` replaced, at any depth."""
    if isinstance(data, dict):
        return {k: value if k in keys else _replace_values(v, keys, value) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_values(item, keys, value) for item in data]
    return data


def success_with(endpoint: str, keys: set[str], value: object) -> Reply:
    """The endpoint's documented success answer with the values of `keys` replaced."""
    success = ENDPOINTS[endpoint].success
    body = _replace_values(json.loads(success.body), keys, value)
    return Reply.json(body, success.status)


TIMESTAMPS = {"created_at", "createdAt", "receivedAt", "received_at"}
IDS = {"id", "phone_number", "phoneNumber"}

NOT_THE_DOCUMENTED_BODY: dict[str, Reply] = {
    "text": Reply.text("OK", 200, "text/plain"),
    "html-portal": Reply.text("<html><body><form>Sign in to the Wi-Fi</form></body></html>"),
    "empty-200": Reply(status=200),
    "empty-204": Reply.empty(204),
    "invalid-utf8": raw_json(200, b'{"data": ["\xff\xfe"], "phone_numbers": []}'),
    "json-then-garbage": raw_json(200, b'{"data": [], "hasMore": false} and then some'),
    "5000-digit-number": raw_json(200, b"[" + b"7" * 5000 + b"]"),
    "null": Reply.json(None),
    "number": Reply.json(42),
    "string": Reply.json("ok"),
    "true": Reply.json(True),
    "empty-object": Reply.json({}),
    "list-of-numbers": Reply.json([1, 2]),
    "list-of-empty-objects": Reply.json([{}]),
    "list-of-null": Reply.json({"data": [None], "phone_numbers": [None], "hasMore": False}),
    "envelope-of-a-string": Reply.json({"data": "x", "number": "x", "phone_number": "x"}),
    "items-of-the-wrong-type": Reply.json({"data": [{"id": 5, "received_at": 5}]}),
    "items-of-another-model": Reply.json({"data": [MESSAGE_JSON, NUMBER_JSON], "hasMore": False}),
}


@pytest.mark.parametrize("answer", NOT_THE_DOCUMENTED_BODY)
@pytest.mark.parametrize("endpoint", BODY_READERS)
async def test_a_success_that_is_not_the_documented_body_is_a_validation_error(
    loopback: LoopbackServer, client_kind: str, endpoint: str, answer: str
) -> None:
    loopback.script(NOT_THE_DOCUMENTED_BODY[answer])
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        with pytest.raises(nixflex.APIResponseValidationError) as caught:
            await ENDPOINTS[endpoint].invoke(client)
    assert caught.value.status_code == NOT_THE_DOCUMENTED_BODY[answer].status
    assert caught.value.__cause__ is None  # the JSONDecodeError / KeyError is not chained


WRONG_TYPES: dict[str, tuple[set[str], object]] = {
    "timestamp-not-a-date": (TIMESTAMPS, "yesterday"),
    "timestamp-a-number": (TIMESTAMPS, 1_700_000_000),
    "timestamp-out-of-range": (TIMESTAMPS, "2024-13-45T99:00:00Z"),
    "id-a-number": (IDS, 12345),
    "id-null": (IDS, None),
    "id-an-object": (IDS, {"value": "num_1"}),
}


@pytest.mark.parametrize("case", WRONG_TYPES)
@pytest.mark.parametrize("endpoint", BODY_READERS)
async def test_a_documented_body_with_one_field_of_the_wrong_type_is_a_validation_error(
    loopback: LoopbackServer, client_kind: str, endpoint: str, case: str
) -> None:
    keys, value = WRONG_TYPES[case]
    if endpoint == "numbers.messages.list" and keys is IDS:
        keys = {"id"}  # a message has no phone number of its own
    loopback.script(success_with(endpoint, keys, value))
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        with pytest.raises(nixflex.APIResponseValidationError, match="documented shape"):
            await ENDPOINTS[endpoint].invoke(client)


@pytest.mark.parametrize("has_more", ["yes", 1, None, {"value": True}])
@pytest.mark.parametrize("endpoint", ["numbers.list", "numbers.messages.list"])
async def test_a_page_whose_has_more_is_not_a_boolean_is_a_validation_error(
    loopback: LoopbackServer, client_kind: str, endpoint: str, has_more: object
) -> None:
    # `null` reads as "not said" (the page length decides); anything else must be a boolean.
    loopback.script(success_with(endpoint, {"hasMore"}, has_more))
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        if has_more is None:
            assert await ENDPOINTS[endpoint].invoke(client) == ENDPOINTS[endpoint].result
        else:
            with pytest.raises(nixflex.APIResponseValidationError, match="hasMore"):
                await ENDPOINTS[endpoint].invoke(client)


@pytest.mark.parametrize("total", ["45", 45.0, True, [45], {"value": 45}, None])
@pytest.mark.parametrize("endpoint", ["numbers.list", "numbers.messages.list"])
async def test_a_page_whose_total_is_not_an_integer_is_a_validation_error(
    loopback: LoopbackServer, client_kind: str, endpoint: str, total: object
) -> None:
    # `null` reads as "no total" (the page's `total` is None); anything else must be an integer.
    success = ENDPOINTS[endpoint].success
    loopback.script(Reply.json({**json.loads(success.body), "total": total}, success.status))
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        if total is None:
            assert await ENDPOINTS[endpoint].invoke(client) == ENDPOINTS[endpoint].result
        else:
            with pytest.raises(nixflex.APIResponseValidationError, match="total"):
                await ENDPOINTS[endpoint].invoke(client)


@pytest.mark.parametrize("answer", ["text", "html-portal", "empty-200", "invalid-utf8", "null"])
@pytest.mark.parametrize("endpoint", ["phone_numbers.delete", "numbers.release"])
async def test_a_delete_ignores_whatever_body_comes_with_its_success(
    loopback: LoopbackServer, client_kind: str, endpoint: str, answer: str
) -> None:
    loopback.script(NOT_THE_DOCUMENTED_BODY[answer])
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        assert await ENDPOINTS[endpoint].invoke(client) is None


# --- error answers of every kind: the status's class, with a readable message --------------------

HTML_PAGE = "<!DOCTYPE html><html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"

ERROR_ANSWERS: dict[str, tuple[Reply, type[nixflex.APIStatusError]]] = {
    "html-404": (Reply.text(HTML_PAGE.format("Not Found"), 404), nixflex.NotFoundError),
    "html-502": (Reply.text(HTML_PAGE.format("Bad Gateway"), 502), nixflex.InternalServerError),
    "html-403-waf": (Reply.text(HTML_PAGE.format("Blocked"), 403), nixflex.PermissionDeniedError),
    "empty-401": (Reply(status=401), nixflex.AuthenticationError),
    "error-a-number": (Reply.json({"error": 5}, 400), nixflex.BadRequestError),
    "error-null-message-a-number": (
        Reply.json({"error": None, "message": 7}, 400),
        nixflex.BadRequestError,
    ),
    "code-a-list": (
        Reply.json({"error": {"code": ["missing_field"], "message": {"x": 1}}}, 400),
        nixflex.BadRequestError,
    ),
    "a-list": (Reply.json([], 409), nixflex.ConflictError),
    "a-string": (Reply.json("boom", 422), nixflex.UnprocessableEntityError),
    "invalid-utf8": (raw_json(500, b'{"error": "\xff"}'), nixflex.InternalServerError),
    "teapot": (Reply.json({"error": "teapot"}, 418), nixflex.APIStatusError),
    "599": (Reply.text("", 599, "text/plain"), nixflex.InternalServerError),
}


@pytest.mark.parametrize("answer", ERROR_ANSWERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_an_error_answer_of_any_shape_raises_its_status_class(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], endpoint: str, answer: str
) -> None:
    reply, expected = ERROR_ANSWERS[answer]
    loopback.handler = lambda request: reply
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        with pytest.raises(expected) as caught:
            await ENDPOINTS[endpoint].invoke(client)
    error = caught.value
    assert type(error) is expected  # not a documented code's class: none was readable
    assert error.status_code == reply.status
    assert error.code is None or error.code == "teapot"
    assert isinstance(error.message, str)
    assert error.message
    assert str(reply.status) in str(error)


# --- redirects: never followed, the key never reaches the other host -----------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_redirect_is_an_error_and_never_reaches_the_other_host(
    loopback: LoopbackServer, client_kind: str, endpoint: str, status: int
) -> None:
    with LoopbackServer(lambda request: ENDPOINTS[endpoint].success) as elsewhere:
        loopback.handler = lambda request: Reply.redirect(elsewhere.url + request.target, status)
        async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
            with pytest.raises(nixflex.APIStatusError) as caught:
                await ENDPOINTS[endpoint].invoke(client)
    assert elsewhere.requests == []
    assert len(loopback.requests) == 1
    assert type(caught.value) is nixflex.APIStatusError
    assert caught.value.status_code == status
    assert "redirect, not followed" in caught.value.message


async def test_a_redirect_is_not_followed_even_by_an_http_client_that_follows_them(
    loopback: LoopbackServer,
) -> None:
    # A user's own httpx client may follow redirects for its other uses; the SDK's calls never do.
    with LoopbackServer(lambda request: ENDPOINTS["phone_numbers.list"].success) as elsewhere:
        loopback.handler = lambda request: Reply.redirect(elsewhere.url + request.target, 302)
        with httpx.Client(follow_redirects=True) as sync_http:
            client = nixflex.Client(api_key=API_KEY, base_url=loopback.url, http_client=sync_http)
            with pytest.raises(nixflex.APIStatusError):
                client.phone_numbers.list()
        async with httpx.AsyncClient(follow_redirects=True) as async_http:
            async_client = nixflex.AsyncClient(
                api_key=API_KEY, base_url=loopback.url, http_client=async_http
            )
            with pytest.raises(nixflex.APIStatusError):
                await async_client.numbers.create()
    assert elsewhere.requests == []
    assert len(loopback.requests) == 2


async def test_a_relative_redirect_to_the_same_host_is_not_followed_either(
    loopback: LoopbackServer, client_kind: str
) -> None:
    loopback.script(Reply.redirect("/v1/numbers/elsewhere", 307))
    async with open_client(client_kind, loopback.url) as client:
        with pytest.raises(nixflex.APIStatusError, match="redirect"):
            await run(client.numbers.release("num_1"))
    assert [r.target for r in loopback.requests] == ["/v1/numbers/num_1"]


# --- bugs this suite found, fixed: deep nesting, overflowing dates ------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("endpoint", ["numbers.create", "phone_numbers.list"])
async def test_a_deeply_nested_success_body_is_a_validation_error(
    loopback: LoopbackServer, client_kind: str, endpoint: str
) -> None:
    loopback.script(raw_json(200, DEEP))
    async with open_client(client_kind, loopback.url) as client:
        with pytest.raises(nixflex.APIResponseValidationError):
            await ENDPOINTS[endpoint].invoke(client)


# Past 64 KiB the error body is not read further (see `HTTPX_GENERATORS_LEFT_TO_GC`).
@_HTTPX_GENERATORS
async def test_a_deeply_nested_error_body_keeps_its_status_class(
    loopback: LoopbackServer, client_kind: str
) -> None:
    loopback.script(raw_json(400, DEEP))
    async with open_client(client_kind, loopback.url) as client:
        with pytest.raises(nixflex.BadRequestError):
            await ENDPOINTS["numbers.create"].invoke(client)


@pytest.mark.parametrize(
    "header",
    [
        "Mon, 01 Jan 2024 00:00:00 +99999999999999999999",
        "Mon, 99999999999999999999 Jan 2024 00:00:00 GMT",
    ],
)
async def test_a_retry_after_date_out_of_range_is_ignored(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], header: str
) -> None:
    loopback.handler = lambda request: Reply.json({"error": "busy"}, 503, {"Retry-After": header})
    async with open_client(client_kind, loopback.url) as client:
        with pytest.raises(nixflex.InternalServerError):
            await ENDPOINTS["phone_numbers.list"].invoke(client)


@pytest.mark.parametrize("received_at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
async def test_a_message_at_the_edge_of_time_is_a_validation_error_not_an_overflow(
    loopback: LoopbackServer, client_kind: str, received_at: str
) -> None:
    page = {"data": [{**MESSAGE_JSON, "receivedAt": received_at}], "hasMore": True}
    loopback.handler = lambda request: Reply.json(page)
    async with open_client(client_kind, loopback.url) as client:
        with pytest.raises(nixflex.NixflexError):
            await ENDPOINTS["numbers.messages.list"].invoke(client)
