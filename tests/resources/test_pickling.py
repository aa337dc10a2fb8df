"""Errors travel: every error pickles to the same class and attributes, and carries no secret.

Celery result backends, `ProcessPoolExecutor` and Ray pickle what a worker raises. The httpx
request and response stay behind (they hold the key and the Twilio token), so `.request` and
`.response` are `None` on the other side.
"""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import attrs
import httpx
import pytest
import respx

import nixflex
from nixflex import BulkError
from nixflex._exceptions import documented_codes
from nixflex.testing import FakeNixflex
from tests.support import API_KEY, KEY_SECRET, TWILIO_SID, TWILIO_TOKEN, AnyClient, run

pytestmark = pytest.mark.anyio

PUBLIC = ("status_code", "code", "message", "request_id", "retry_after", "body")
SECRETS = (KEY_SECRET.encode(), TWILIO_TOKEN.encode())


def round_trip(value: object) -> Any:
    data = pickle.dumps(value)
    for secret in SECRETS:
        assert secret not in data, "a secret travels in the pickle"
    return pickle.loads(data)


async def raised_by_import(client: AnyClient) -> nixflex.NixflexError:
    with pytest.raises(nixflex.NixflexError) as caught:
        await run(
            client.phone_numbers.create(
                phone_number="+447446466847",
                twilio_sid=TWILIO_SID,
                twilio_token=TWILIO_TOKEN,
                agent_id="agent_1",
            )
        )
    return caught.value


# Every status class and every documented code's class, each answered with the token echoed in
# the message and the body, as a careless server might.
ANSWERS = [
    *[(status, None) for status in (400, 401, 403, 404, 409, 418, 422, 429, 500, 503)],
    *[(400, code) for code in sorted(documented_codes())],
]


@pytest.mark.parametrize(("status", "code"), ANSWERS)
async def test_a_status_error_pickles_to_its_class_without_the_httpx_objects(
    client: AnyClient, api: respx.MockRouter, status: int, code: str | None
) -> None:
    echo = f"bad token {TWILIO_TOKEN} for key {API_KEY}"
    api.post("/v1/phone-numbers").respond(
        status,
        json={"error": {"code": code, "message": echo}, "echo": echo},
        headers={"x-request-id": "req_9", "Retry-After": "61"},
    )
    error = await raised_by_import(client)
    assert isinstance(error, nixflex.APIStatusError)
    copy = round_trip(error)
    assert type(copy) is type(error)
    for name in PUBLIC:
        assert getattr(copy, name) == getattr(error, name), name
    assert (str(copy), repr(copy)) == (str(error), repr(error))
    assert copy.response is None
    assert copy.__cause__ is None


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("gone")],
)
async def test_a_connection_error_pickles_without_its_request(
    client: AnyClient, api: respx.MockRouter, failure: Exception
) -> None:
    api.post("/v1/phone-numbers").mock(side_effect=failure)
    error = await raised_by_import(client.with_options(max_retries=0))
    assert isinstance(error, nixflex.APIConnectionError)
    assert error.request is not None
    copy = round_trip(error)
    assert (type(copy), copy.message, copy.request) == (type(error), error.message, None)


async def test_a_validation_error_pickles(client: AnyClient, api: respx.MockRouter) -> None:
    api.post("/v1/phone-numbers").respond(201, text=f"<html>{TWILIO_TOKEN}</html>")
    error = await raised_by_import(client)
    assert isinstance(error, nixflex.APIResponseValidationError)
    copy = round_trip(error)
    assert (type(copy), copy.message, copy.status_code, copy.body, copy.response) == (
        type(error),
        error.message,
        201,
        error.body,
        None,
    )


async def test_a_bulk_result_and_its_bulk_error_pickle(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post("/v1/phone-numbers").respond(
        409, json={"error": {"code": "number_already_imported", "message": "taken"}}
    )
    item = {
        "phone_number": "+447446466847",
        "twilio_sid": TWILIO_SID,
        "twilio_token": TWILIO_TOKEN,
        "agent_id": "agent_1",
    }
    result = await run(client.phone_numbers.import_many([item]))
    copy = round_trip(result)
    [failed] = copy.failed
    assert isinstance(failed.error, nixflex.NumberAlreadyImportedError)
    # The input comes back without its token, and says so; the rest of it is intact.
    assert failed.input == attrs.evolve(
        result.failed[0].input, twilio_token=nixflex.ImportRequest.REDACTED
    )
    with pytest.raises(BulkError) as caught:
        result.raise_for_failures()
    group = round_trip(caught.value)
    assert type(group) is BulkError
    assert [type(e) for e in group.exceptions] == [nixflex.NumberAlreadyImportedError]
    assert str(group) == str(caught.value)


def _import_in_a_worker(base_url: str, api_key: str, token: str) -> None:
    """Runs in a worker process: an import the emulator refuses (a wrong Twilio token)."""
    with nixflex.Client(api_key=api_key, base_url=base_url) as client:
        client.phone_numbers.create(
            phone_number="+447700900123",
            twilio_sid=TWILIO_SID,
            twilio_token=token,
            agent_id="agent_1",
        )


def test_an_error_raised_in_a_process_pool_worker_reaches_the_parent_whole() -> None:
    fake = FakeNixflex(seed=1)
    account = fake.add_account()
    fake.add_agent(account, agent_id="agent_1")
    fake.add_twilio_account(numbers=["+447700900123"], sid=TWILIO_SID, token="right_token_abc")
    with fake.serve() as server, ProcessPoolExecutor(max_workers=1) as pool:
        for _ in range(2):  # the pool survives the first error
            future = pool.submit(_import_in_a_worker, server.url, account.api_key, TWILIO_TOKEN)
            with pytest.raises(nixflex.TwilioAuthFailedError) as caught:
                future.result(timeout=30)
            assert caught.value.status_code == 401
            assert caught.value.request_id is not None
            assert caught.value.response is None
