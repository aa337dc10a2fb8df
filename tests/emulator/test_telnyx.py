"""Telnyx numbers: the emulator checks an import against its fake Telnyx accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import nixflex
from nixflex.testing import FakeNixflex, TelnyxAccount
from tests.emulator.helpers import WAYS, World, build_world, details, error_code

TELNYX_NUMBER = "+13125550142"


@pytest.fixture(params=WAYS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with build_world(request.param) as world:
        yield world


@pytest.fixture
def telnyx(world: World) -> TelnyxAccount:
    return world.fake.add_telnyx_account(numbers=[TELNYX_NUMBER])


def telnyx_body(world: World, telnyx: TelnyxAccount, **overrides: Any) -> dict[str, Any]:
    body = {
        "phone_number": TELNYX_NUMBER,
        "telnyx_api_key": telnyx.api_key,
        "telnyx_connection_id": telnyx.connection_id,
        "agent_id": world.agent_id,
    }
    return {**body, **overrides}


def test_a_telnyx_import_answers_with_its_provider_and_id(
    world: World, telnyx: TelnyxAccount
) -> None:
    response = world.http.post("/v1/phone-numbers", json=telnyx_body(world, telnyx))

    assert response.status_code == 201
    number = response.json()["phone_number"]
    assert number["provider"] == "telnyx"
    assert number["telnyx_number_id"]
    assert number["twilio_number_sid"] is None
    [stored] = world.fake.phone_numbers(world.account)
    assert (stored.provider, stored.twilio_sid) == ("telnyx", None)
    assert world.fake.telnyx_account(telnyx.api_key).numbers == (TELNYX_NUMBER,)


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"telnyx_api_key": "KEY_wrong"}, 401, "telnyx_invalid_credentials"),
        ({"telnyx_connection_id": "999"}, 404, "telnyx_connection_not_found"),
        ({"phone_number": "+13125550199"}, 404, "number_not_in_telnyx"),
        ({"phone_number": "0312 555"}, 400, "invalid_phone_format"),
        ({"telnyx_connection_id": ""}, 400, "missing_field"),
        ({"twilio_sid": "AC" + "0" * 32}, 400, "conflicting_fields"),
        ({"agent_id": "agent_nope"}, 404, "agent_not_found"),
    ],
)
def test_a_telnyx_import_is_checked(
    world: World, telnyx: TelnyxAccount, overrides: dict[str, str], status: int, code: str
) -> None:
    response = world.http.post("/v1/phone-numbers", json=telnyx_body(world, telnyx, **overrides))
    assert (response.status_code, error_code(response)) == (status, code)
    assert telnyx.api_key not in response.text
    assert world.fake.phone_numbers() == []


def test_a_half_telnyx_pair_names_the_missing_field(world: World, telnyx: TelnyxAccount) -> None:
    body = telnyx_body(world, telnyx)
    del body["telnyx_connection_id"]
    response = world.http.post("/v1/phone-numbers", json=body)
    assert error_code(response) == "missing_field"
    assert details(response) == {"fields": ["telnyx_connection_id"]}


def test_the_telnyx_key_is_redacted_from_recorded_requests(
    world: World, telnyx: TelnyxAccount
) -> None:
    world.http.post("/v1/phone-numbers", json=telnyx_body(world, telnyx))
    recorded = world.fake.requests[-1]
    assert recorded.json["telnyx_api_key"] == "<redacted>"
    assert telnyx.api_key not in repr(recorded)
    assert telnyx.api_key not in repr(telnyx)


def test_a_seeded_telnyx_number_imports_without_a_request() -> None:
    fake = FakeNixflex(seed=3)
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    fake.add_telnyx_account(numbers=[TELNYX_NUMBER], api_key="KEY_seeded", connection_id="42")
    number = fake.import_phone_number(phone_number=TELNYX_NUMBER, agent_id=agent_id)
    assert (number.provider, number.telnyx_connection_id) == ("telnyx", "42")
    with pytest.raises(ValueError, match="already held"):
        fake.add_twilio_account(numbers=[TELNYX_NUMBER])


@pytest.mark.anyio
async def test_the_sdk_imports_twilio_and_telnyx_numbers_in_one_batch() -> None:
    fake = FakeNixflex(seed=5)
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    twilio = fake.add_twilio_account(numbers=["+447700900123"])
    telnyx = fake.add_telnyx_account(numbers=[TELNYX_NUMBER])
    items = [
        nixflex.ImportRequest(
            phone_number="+447700900123",
            twilio_sid=twilio.sid,
            twilio_token=twilio.token,
            agent_id=agent_id,
        ),
        nixflex.ImportRequest(
            phone_number=TELNYX_NUMBER,
            telnyx_api_key=telnyx.api_key,
            telnyx_connection_id=telnyx.connection_id,
            agent_id=agent_id,
        ),
    ]
    async with fake.async_client(account) as client:
        result = await client.phone_numbers.import_many(items)
    result.raise_for_failures()
    assert [n.provider for n in result.succeeded] == ["twilio", "telnyx"]
    wrong = telnyx.api_key + "x"
    with fake.client(account) as sync_client, pytest.raises(nixflex.AuthenticationError) as caught:
        sync_client.phone_numbers.create(
            phone_number=TELNYX_NUMBER,
            telnyx_api_key=wrong,
            telnyx_connection_id=telnyx.connection_id,
            agent_id=agent_id,
        )
    assert caught.value.code == "telnyx_invalid_credentials"
    assert wrong not in str(fake.requests[-1])


@pytest.mark.anyio
async def test_the_sdk_lists_every_number_of_the_paged_emulator() -> None:
    fake = FakeNixflex(seed=9)
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    phones = [f"+4420111{index:05d}" for index in range(230)]
    fake.add_twilio_account(numbers=phones)
    for phone in phones:
        fake.import_phone_number(phone_number=phone, agent_id=agent_id)

    async with fake.async_client(account) as client:
        numbers = await client.phone_numbers.list()
    with fake.client(account) as sync_client:
        assert sync_client.phone_numbers.list(agent_id=agent_id) == numbers

    assert sorted(n.phone_number for n in numbers) == phones
    offsets = [r.query["offset"] for r in fake.requests if r.method == "GET"]
    assert offsets == ["0", "100", "200"] * 2
