"""The API's own conventions: the full error envelope, request ids, rate-limit headers, pacing.

See `../shared/api-docs/api-facts.md`: every error may carry `type`, `code`, `message`,
`doc_url` and `details`; the request id arrives as `x-request-id` or `x-railway-request-id`;
every answer reports the key's rate limit in `X-RateLimit-*`.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

import httpx
import pytest
import respx

import nixflex
from nixflex._pacing import Pause
from tests.support import TWILIO_TOKEN, AnyClient, run

pytestmark = pytest.mark.anyio

LIST = "/v1/phone-numbers"
ENVELOPE = {
    "error": {
        "type": "invalid_request",
        "code": "missing_field",
        "message": "agent_id is required",
        "doc_url": "https://docs.nixflex.com/api/errors#missing_field",
        "details": {"field": "agent_id", "sent": TWILIO_TOKEN},
    }
}


async def list_numbers(client: AnyClient) -> object:
    return await run(client.with_options(max_retries=0).phone_numbers.list())


def limits(remaining: int, reset_in: float, limit: int = 120) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(time.time() + reset_in)),
    }


def rate_limited(retry_after: float) -> dict[str, object]:
    details = {"retry_after": retry_after}
    return {"error": {"code": "rate_limit_exceeded", "message": "slow down", "details": details}}


# --- the envelope --------------------------------------------------------------------------------


async def test_every_field_of_the_envelope_is_on_the_error(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(LIST).respond(400, json=ENVELOPE, headers={"x-request-id": "req_1"})
    with pytest.raises(nixflex.MissingFieldError) as caught:
        await list_numbers(client)
    error = caught.value
    assert (error.type, error.code, error.message, error.doc_url) == (
        "invalid_request",
        "missing_field",
        "agent_id is required",
        "https://docs.nixflex.com/api/errors#missing_field",
    )
    # Kept as sent, a secret in it masked like everywhere else.
    assert error.details == {"field": "agent_id", "sent": TWILIO_TOKEN}
    assert str(error) == "[400 missing_field] agent_id is required (request_id=req_1)"


async def test_details_in_an_import_error_are_masked(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(LIST).respond(400, json=ENVELOPE)
    with pytest.raises(nixflex.MissingFieldError) as caught:
        await run(
            client.phone_numbers.create(
                phone_number="+447446466847",
                twilio_sid="AC" + "0" * 32,
                twilio_token=TWILIO_TOKEN,
                agent_id="agent_1",
            )
        )
    assert caught.value.details == {"field": "agent_id", "sent": "***"}


async def test_a_short_envelope_leaves_the_rest_none(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(LIST).respond(404, json={"error": {"code": "number_not_found", "message": "gone"}})
    with pytest.raises(nixflex.NumberNotFoundError) as caught:
        await list_numbers(client)
    error = caught.value
    assert (error.type, error.doc_url, error.details, error.rate_limit) == (None, None, None, None)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (404, "PHONE_NUMBER_NOT_FOUND", nixflex.NotFoundError),
        (422, "VALIDATION_ERROR", nixflex.UnprocessableEntityError),
        (402, "INSUFFICIENT_BALANCE", nixflex.PaymentRequiredError),
        (502, "CARRIER_ERROR", nixflex.InternalServerError),
    ],
)
async def test_the_numbers_endpoints_upper_snake_codes_keep_their_status_class(
    client: AnyClient, api: respx.MockRouter, status: int, code: str, cls: type[Exception]
) -> None:
    problems = [{"field": "country", "message": "must be two letters"}]
    api.post("/v1/numbers").respond(
        status, json={"error": {"code": code, "message": "no", "details": problems}}
    )
    with pytest.raises(nixflex.APIStatusError) as caught:
        await run(client.numbers.create(country="GBR"))
    assert type(caught.value) is cls
    assert caught.value.code == code
    assert caught.value.details == problems  # a list, kept as sent


# --- request ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-railway-request-id": "rw_2"}, "rw_2"),
        ({"x-request-id": "req_1", "x-railway-request-id": "rw_2"}, "req_1"),
        ({}, None),
    ],
)
async def test_the_request_id_falls_back_to_the_edges_header(
    client: AnyClient,
    api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    expected: str | None,
) -> None:
    api.get(LIST).respond(409, json={"error": {"code": "c", "message": "m"}}, headers=headers)
    with (
        caplog.at_level(logging.DEBUG, logger="nixflex"),
        pytest.raises(nixflex.APIStatusError) as caught,
    ):
        await list_numbers(client)
    assert caught.value.request_id == expected
    assert f"request_id={expected}" in caplog.text


# --- rate limits ---------------------------------------------------------------------------------


async def test_every_status_error_carries_the_rate_limit(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(LIST).respond(
        409,
        json={"error": {"code": "c", "message": "m"}},
        headers={
            "X-RateLimit-Limit": "600",
            "X-RateLimit-Remaining": "599",
            "X-RateLimit-Reset": "1800000000",
        },
    )
    with pytest.raises(nixflex.APIStatusError) as caught:
        await list_numbers(client)
    assert caught.value.rate_limit == nixflex.RateLimit(
        limit=600, remaining=599, reset_at=datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc)
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "599"},
        {"X-RateLimit-Limit": "a lot", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "1"},
        {"X-RateLimit-Limit": "6", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "1e400"},
    ],
)
async def test_an_incomplete_or_unreadable_rate_limit_is_none(
    client: AnyClient, api: respx.MockRouter, headers: dict[str, str]
) -> None:
    api.get(LIST).respond(409, json={"error": {"code": "c", "message": "m"}}, headers=headers)
    with pytest.raises(nixflex.APIStatusError) as caught:
        await list_numbers(client)
    assert caught.value.rate_limit is None


async def test_a_429_without_retry_after_waits_what_its_details_say(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    limited = {
        "error": {"code": "rate_limit_exceeded", "message": "m", "details": {"retry_after": 7}}
    }
    route = api.get(LIST).mock(
        side_effect=[httpx.Response(429, json=limited), httpx.Response(200, json=[])]
    )
    assert await run(client.phone_numbers.list()) == []
    assert route.call_count == 2
    assert sleeps == [pytest.approx(7, abs=0.1)]


async def test_a_429_asking_past_the_cap_in_its_details_is_raised_with_it(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    limited = {
        "error": {"code": "rate_limit_exceeded", "message": "m", "details": {"retry_after": 90}}
    }
    api.get(LIST).respond(429, json=limited)
    with pytest.raises(nixflex.RateLimitError) as caught:
        await run(client.phone_numbers.list())
    assert caught.value.retry_after == 90
    assert sleeps == []


# --- pacing --------------------------------------------------------------------------------------


async def test_a_spent_budget_makes_every_call_and_copy_wait_for_the_reset(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.post("/v1/numbers").respond(
        201, json={"id": "num_1", "phoneNumber": "+15550001111"}, headers=limits(0, 3)
    )
    api.get(LIST).respond(200, json=[], headers=limits(500, 60, limit=600))
    await run(client.numbers.create())
    assert sleeps == []
    # Writes wait for the reset, on the client and its copies alike...
    await run(client.with_options(timeout=5).numbers.create())
    assert len(sleeps) == 1
    assert 1.5 < sleeps[0] <= 3.1  # until the reset (2-3 s away), and 50 ms to spare
    # ...GETs, counted apart, do not.
    await run(client.phone_numbers.list())
    assert len(sleeps) == 1


async def test_a_reset_beyond_a_minute_is_not_waited_for(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get(LIST).respond(200, json=[], headers=limits(0, 3600, limit=600))
    await run(client.phone_numbers.list())
    await run(client.phone_numbers.list())
    assert sleeps == []


async def test_plenty_left_is_not_paced(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get(LIST).respond(200, json=[], headers=limits(100, 30, limit=600))
    for _ in range(5):
        await run(client.phone_numbers.list())
    assert sleeps == []


def test_calls_in_flight_count_against_the_budget() -> None:
    pause = Pause()
    reset = str(int(time.time() + 10))
    for _ in range(4):
        pause.reserve("POST")
    # Three calls still on their way when the server says three are left: none may go.
    pause.answered("POST", {"x-ratelimit-remaining": "3", "x-ratelimit-reset": reset})
    assert pause.remaining("POST") > 8
    assert pause.remaining("GET") == 0


def test_a_budget_refills_at_its_reset() -> None:
    pause = Pause()
    pause.reserve("GET")
    past = str(time.time() - 1)
    pause.answered("GET", {"x-ratelimit-remaining": "0", "x-ratelimit-reset": past})
    assert pause.remaining("GET") == 0


def test_a_cancelled_or_broken_call_leaves_the_in_flight_count() -> None:
    pause = Pause()
    pause.reserve("POST")
    pause.answered("POST", None)
    reset = str(int(time.time() + 10))
    pause.reserve("POST")
    pause.answered("POST", {"x-ratelimit-remaining": "1", "x-ratelimit-reset": reset})
    assert pause.remaining("POST") == 0  # one left, none on its way
    pause.reserve("POST")
    assert pause.remaining("POST") > 8


def test_threads_never_all_take_the_last_call_left() -> None:
    # A bulk import's threads check the budget at the same moment: one of them gets the call.
    from concurrent.futures import ThreadPoolExecutor

    pause = Pause()
    pause.reserve("POST")
    reset = str(int(time.time() + 30))
    pause.answered("POST", {"x-ratelimit-remaining": "1", "x-ratelimit-reset": reset})
    with ThreadPoolExecutor(max_workers=16) as pool:
        waits = list(pool.map(lambda _: pause.reserve("POST"), range(16)))
    assert sum(wait == 0 for wait in waits) == 1


@pytest.mark.parametrize(
    "stale",
    [
        pytest.param(0, id="earlier-in-this-window"),
        pytest.param(-60, id="from-the-window-before"),
    ],
)
def test_a_late_answer_never_gives_back_calls_a_newer_answer_took(stale: int) -> None:
    # Sixteen threads, and the thread holding an older answer (more left) gets to it last: on
    # a loaded machine (CI) that answer undid the budget, and the next call met a 429.
    pause = Pause()
    reset = int(time.time() + 10)
    for _ in range(16):
        pause.reserve("POST")
    pause.answered("POST", {"x-ratelimit-remaining": "3", "x-ratelimit-reset": str(reset)})
    for _ in range(14):
        pause.answered("POST", None)
    assert pause.remaining("POST") > 8

    late = {"x-ratelimit-remaining": "20", "x-ratelimit-reset": str(reset + stale)}
    pause.answered("POST", late)

    assert pause.remaining("POST") > 8
    # A newer window does refill the budget.
    newer = {"x-ratelimit-remaining": "119", "x-ratelimit-reset": str(reset + 60)}
    pause.reserve("POST")
    pause.answered("POST", newer)
    assert pause.remaining("POST") == 0
