"""The retry policy, as a pure function and as the clients apply it."""

from __future__ import annotations

import email.utils

import httpx
import pytest
import respx

import nixflex
from nixflex._retry import MAX_RETRY_AFTER, backoff, retry_after, retry_delay
from tests.support import TWILIO_SID, TWILIO_TOKEN, AnyClient, run

pytestmark = pytest.mark.anyio

NOW = 1_800_000_000.0


def delay(
    outcome: httpx.Response | Exception, method: str = "GET", attempt: int = 0, retries: int = 2
) -> float | None:
    return retry_delay(
        attempt, outcome, method, max_retries=retries, now=lambda: NOW, rand=lambda: 0.0
    )


# --- the pure policy -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_idempotent_methods_retry_the_transient_statuses(status: int, method: str) -> None:
    assert delay(httpx.Response(status), method) == 0.5


@pytest.mark.parametrize("status", [200, 201, 204, 400, 401, 403, 404, 409, 422, 501, 302])
def test_other_statuses_are_final(status: int) -> None:
    assert delay(httpx.Response(status)) is None


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_a_post_that_may_have_been_processed_is_never_retried(status: int) -> None:
    assert delay(httpx.Response(status), "POST") is None


def test_a_post_is_retried_on_429() -> None:
    assert delay(httpx.Response(429), "POST") == 0.5


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow to connect"),
        httpx.PoolTimeout("no free connection"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_request_that_never_left_is_retried_whatever_the_method(
    exc: Exception, method: str
) -> None:
    assert delay(exc, method) == 0.5


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("slow to answer"),
        httpx.WriteTimeout("slow to take the body"),
        httpx.ReadError("reset"),
        httpx.WriteError("broken pipe"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
def test_a_request_that_may_have_landed_is_retried_only_if_idempotent(exc: Exception) -> None:
    assert delay(exc, "GET") == 0.5
    assert delay(exc, "POST") is None


@pytest.mark.parametrize(
    "exc", [httpx.LocalProtocolError("bad header"), httpx.UnsupportedProtocol("ftp"), ValueError()]
)
def test_errors_retrying_cannot_fix_are_final(exc: Exception) -> None:
    assert delay(exc) is None


def test_retries_stop_at_max_retries() -> None:
    assert delay(httpx.Response(503), attempt=1, retries=2) is not None
    assert delay(httpx.Response(503), attempt=2, retries=2) is None
    assert delay(httpx.Response(503), attempt=0, retries=0) is None


def test_backoff_doubles_from_half_a_second_to_eight_with_a_quarter_jitter() -> None:
    ceilings = [backoff(n, rand=lambda: 0.0) for n in range(1, 8)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    floors = [backoff(n, rand=lambda: 0.999999) for n in range(1, 8)]
    for floor, ceiling in zip(floors, ceilings, strict=True):
        assert 0.75 * ceiling <= floor < ceiling


def test_backoff_stays_in_its_bounds_with_real_randomness() -> None:
    for retry in range(1, 6):
        ceiling = min(0.5 * 2 ** (retry - 1), 8.0)
        for _ in range(200):
            assert 0.75 * ceiling <= backoff(retry) <= ceiling


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        (email.utils.formatdate(NOW + 20, usegmt=True), 20.0),
        (email.utils.formatdate(NOW - 20, usegmt=True), 0.0),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str, expected: float | None) -> None:
    response = httpx.Response(429, headers={"Retry-After": header})
    assert retry_after(response, now=lambda: NOW) == expected


def test_retry_after_replaces_the_backoff_up_to_the_cap() -> None:
    assert delay(httpx.Response(429, headers={"Retry-After": "7"}), "POST") == 7.0
    assert delay(httpx.Response(503, headers={"Retry-After": "60"})) == MAX_RETRY_AFTER
    assert delay(httpx.Response(503, headers={"Retry-After": "61"})) is None
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert delay(httpx.Response(503, headers={"Retry-After": date})) == 30.0


# --- the policy as the clients apply it ----------------------------------------------------------


async def test_a_get_is_retried_until_it_succeeds(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get("/v1/phone-numbers").mock(
        side_effect=[httpx.Response(503), httpx.Response(502), httpx.Response(200, json=[])]
    )
    assert await run(client.phone_numbers.list()) == []
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5
    assert 0.75 <= sleeps[1] <= 1.0


async def test_retries_stop_at_max_retries_and_raise_the_last_error(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.delete("/v1/numbers/num_1").respond(503, json={"error": "busy", "message": "x"})
    with pytest.raises(nixflex.InternalServerError) as caught:
        await run(client.numbers.release("num_1"))
    assert caught.value.code == "busy"
    assert route.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(502),
        httpx.Response(503),
        httpx.Response(504),
        httpx.ReadTimeout("read"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=["500", "502", "503", "504", "read-timeout", "disconnected"],
)
async def test_an_import_that_may_have_landed_is_sent_once(
    client: AnyClient,
    api: respx.MockRouter,
    sleeps: list[float],
    failure: httpx.Response | Exception,
) -> None:
    route = api.post("/v1/phone-numbers").mock(side_effect=[failure])
    with pytest.raises(nixflex.NixflexError):
        await run(
            client.phone_numbers.create(
                phone_number="+447446466847",
                twilio_sid=TWILIO_SID,
                twilio_token=TWILIO_TOKEN,
                agent_id="agent_1",
            )
        )
    assert route.call_count == 1
    assert sleeps == []


async def test_a_post_is_retried_when_the_connection_was_refused_and_on_429(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    number = {"id": "num_1", "phoneNumber": "+15550001111", "country": "US"}
    route = api.post("/v1/numbers").mock(
        side_effect=[
            httpx.ConnectError("[Errno 111] Connection refused"),
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(201, json=number),
        ]
    )
    created = await run(client.numbers.create(country="US"))
    assert created.id == "num_1"
    assert route.call_count == 3
    assert sleeps[1] == pytest.approx(2.0, abs=0.05)
    assert len(sleeps) == 2


async def test_a_retry_after_beyond_the_cap_is_raised_at_once(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get("/v1/phone-numbers").respond(
        429, headers={"Retry-After": "3600"}, json={"error": {"code": "rate_limited"}}
    )
    with pytest.raises(nixflex.RateLimitError) as caught:
        await run(client.phone_numbers.list())
    assert caught.value.retry_after == 3600.0
    assert route.call_count == 1
    assert sleeps == []


async def test_max_retries_zero_sends_once(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get("/v1/phone-numbers").respond(503)
    with pytest.raises(nixflex.InternalServerError):
        await run(client.with_options(max_retries=0).phone_numbers.list())
    assert route.call_count == 1


async def test_a_429_pauses_every_call_of_the_client_and_its_copies(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get("/v1/phone-numbers").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "30"}),
            httpx.Response(200, json=[]),
        ]
    )
    release = api.delete("/v1/numbers/num_1").respond(204)
    await run(client.phone_numbers.list())
    assert sleeps == [pytest.approx(30, abs=1)]
    # The sleeps above were not real, so the pause still runs: a later call waits it out first,
    # through a with_options copy too, before it sends anything.
    await run(client.with_options(timeout=5).numbers.release("num_1"))
    assert sleeps[1] == pytest.approx(30, abs=1)
    assert release.call_count == 1


@pytest.mark.parametrize(
    ("first", "then_missing_is"),
    [
        (httpx.ReadTimeout("answer lost"), "success"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "success"),
        (httpx.Response(502), "success"),
        (httpx.ConnectError("refused"), "error"),  # never sent: the number really is missing
        (httpx.Response(429), "error"),  # turned away: nothing was done
    ],
)
async def test_a_delete_whose_answer_was_lost_and_then_finds_nothing_succeeded(
    client: AnyClient,
    api: respx.MockRouter,
    sleeps: list[float],
    first: httpx.Response | Exception,
    then_missing_is: str,
) -> None:
    missing = httpx.Response(404, json={"error": {"code": "number_not_found", "message": "gone"}})
    delete = api.delete("/v1/phone-numbers/%2B15550001111").mock(side_effect=[first, missing])
    release = api.delete("/v1/numbers/num_1").mock(side_effect=[first, missing])

    async def delete_number() -> None:
        await run(client.phone_numbers.delete("+15550001111"))

    async def release_number() -> None:
        await run(client.numbers.release("num_1"))

    for deleting in (delete_number, release_number):
        if then_missing_is == "success":
            await deleting()
        else:
            with pytest.raises(nixflex.NumberNotFoundError):
                await deleting()
    assert (delete.call_count, release.call_count) == (2, 2)


async def test_a_delete_of_a_missing_number_fails_when_nothing_was_retried(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.delete("/v1/phone-numbers/%2B15550001111").respond(
        404, json={"error": {"code": "number_not_found", "message": "gone"}}
    )
    with pytest.raises(nixflex.NumberNotFoundError):
        await run(client.phone_numbers.delete("+15550001111"))
