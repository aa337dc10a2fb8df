"""The retry policy as the clients apply it, where a mocked API shows it best.

What is retried, how often and after how long is tested over real sockets in
`tests/reliability/test_faults.py` (the policy itself in `tests/unit/test_retry.py`); here: a
429 pausing every copy of a client, and a delete whose lost answer means it was done.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

import nixflex
from tests.support import AnyClient, run

pytestmark = pytest.mark.anyio


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
    await run(client.with_options(max_retries=5).numbers.release("num_1"))
    assert sleeps[1] == pytest.approx(30, abs=1)
    assert release.call_count == 1


async def test_a_copy_whose_timeout_is_shorter_than_the_pause_raises_instead_of_waiting(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    limited = httpx.Response(
        429,
        headers={"Retry-After": "30", "x-request-id": "req_429"},
        json={"error": {"code": "rate_limit_exceeded", "message": "slow down"}},
    )
    api.get("/v1/phone-numbers").mock(side_effect=[limited, httpx.Response(200, json=[])])
    release = api.delete("/v1/numbers/num_1").respond(204)
    await run(client.phone_numbers.list())
    # A copy for a request handler: 5 s end to end, no retries. It does not sit out 30 s.
    quick = client.with_options(timeout=5, max_retries=0)
    with pytest.raises(nixflex.RateLimitError) as caught:
        await run(quick.numbers.release("num_1"))
    assert 25 < (caught.value.retry_after or 0) <= 30
    assert caught.value.request_id == "req_429"
    assert release.call_count == 0
    assert len(sleeps) == 1


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


@pytest.mark.parametrize(
    ("path", "call", "not_gone"),
    [
        (
            "/v1/phone-numbers/%2B15550001111",
            lambda client: client.phone_numbers.delete("+15550001111"),
            {"error": {"code": "agent_not_found", "message": "No such agent."}},
        ),
        (
            "/v1/phone-numbers/%2B15550001111/callers/%2B15550002222",
            lambda client: client.callers.delete("+15550001111", "+15550002222"),
            {"error": {"code": "number_not_found", "message": "No such number."}},
        ),
        ("/v1/numbers/num_1", lambda client: client.numbers.release("num_1"), None),
    ],
    ids=["phone-number-other-code", "caller-whose-number-is-gone", "release-no-body"],
)
async def test_a_404_on_a_retried_delete_counts_as_done_only_if_it_says_the_thing_is_gone(
    client: AnyClient, api: respx.MockRouter, path: str, call: Any, not_gone: Any
) -> None:
    # A 404 from a proxy (no body) or about something else (the caller's number is gone, not
    # the caller) is not the delete's own work.
    answer = httpx.Response(404, json=not_gone) if not_gone else httpx.Response(404)
    route = api.delete(path).mock(side_effect=[httpx.ReadTimeout("answer lost"), answer])

    with pytest.raises(nixflex.NotFoundError) as caught:
        await run(call(client))

    assert caught.value.code == (not_gone["error"]["code"] if not_gone else None)
    assert route.call_count == 2


@pytest.mark.parametrize("code", ["PHONE_NUMBER_NOT_FOUND", "number_not_found"])
async def test_a_release_whose_retry_finds_the_number_gone_in_either_casing_is_done(
    client: AnyClient, api: respx.MockRouter, code: str
) -> None:
    gone = httpx.Response(404, json={"error": {"code": code, "message": "Not found"}})
    route = api.delete("/v1/numbers/num_1").mock(side_effect=[httpx.ReadTimeout("lost"), gone])

    await run(client.numbers.release("num_1"))

    assert route.call_count == 2


async def test_a_delete_of_a_missing_number_fails_when_nothing_was_retried(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.delete("/v1/phone-numbers/%2B15550001111").respond(
        404, json={"error": {"code": "number_not_found", "message": "gone"}}
    )
    with pytest.raises(nixflex.NumberNotFoundError):
        await run(client.phone_numbers.delete("+15550001111"))
