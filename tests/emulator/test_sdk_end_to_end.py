"""End to end: every documented error code, from the route the docs give it, through the SDK.

The emulator serves the API over real loopback HTTP; each case runs on both clients and checks
the exception class, its status, code and request id, and that the Twilio token sent is in no
part of the error. (`missing_field` on PATCH cannot be produced through the SDK: `update` with no
setting is refused with `ValueError` before anything is sent.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import attrs
import pytest

import nixflex
from nixflex.testing import Account, FakeNixflex, FakeServer, TwilioAccount
from tests.support import AnyClient, open_client, run

pytestmark = pytest.mark.anyio

NUMBER = "+447446466847"
SPARE = "+447446466848"


@attrs.frozen
class World:
    fake: FakeNixflex
    account: Account
    agent_id: str
    other_agent_id: str
    twilio: TwilioAccount


@pytest.fixture
def world() -> World:
    fake = FakeNixflex()
    account = fake.add_account()
    other = fake.add_account()
    return World(
        fake=fake,
        account=account,
        agent_id=fake.add_agent(account),
        other_agent_id=fake.add_agent(other),
        twilio=fake.add_twilio_account(numbers=[NUMBER, SPARE]),
    )


@pytest.fixture
def server(world: World) -> Iterator[FakeServer]:
    with world.fake.serve() as served:
        yield served


@pytest.fixture
async def client(client_kind: str, world: World, server: FakeServer) -> AsyncIterator[AnyClient]:
    async with open_client(client_kind, server.url, api_key=world.account.api_key) as client:
        yield client


def importing(**overrides: Any) -> Callable[[AnyClient, World], Any]:
    def call(client: AnyClient, world: World) -> Any:
        arguments: dict[str, Any] = {
            "phone_number": NUMBER,
            "twilio_sid": world.twilio.sid,
            "twilio_token": world.twilio.token,
            "agent_id": world.agent_id,
        }
        arguments.update({k: v(world) if callable(v) else v for k, v in overrides.items()})
        return client.phone_numbers.create(**arguments)

    return call


def imported_first(world: World) -> None:
    world.fake.import_phone_number(phone_number=NUMBER, agent_id=world.agent_id)


CASES: dict[str, tuple[Callable[[AnyClient, World], Any], type[nixflex.APIStatusError], int]] = {
    "import: missing_field": (importing(agent_id=""), nixflex.MissingFieldError, 400),
    "import: invalid_phone_format": (
        importing(phone_number="447446466847"),
        nixflex.InvalidPhoneFormatError,
        400,
    ),
    "import: invalid_twilio_sid": (
        importing(twilio_sid="ACnot-a-sid"),
        nixflex.InvalidTwilioSidError,
        400,
    ),
    "import: twilio_invalid_credentials": (
        importing(twilio_sid="AC" + "f" * 32),
        nixflex.TwilioInvalidCredentialsError,
        401,
    ),
    "import: twilio_auth_failed": (
        importing(twilio_token="wrong_token_for_this_sid"),
        nixflex.TwilioAuthFailedError,
        401,
    ),
    "import: number_not_in_twilio (a prefix does not match)": (
        importing(phone_number="+44744646684"),
        nixflex.NumberNotInTwilioError,
        404,
    ),
    "import: agent_not_found": (
        importing(agent_id="agent_nobody"),
        nixflex.AgentNotFoundError,
        404,
    ),
    "import: agent_not_owned": (
        importing(agent_id=lambda world: world.other_agent_id),
        nixflex.AgentNotOwnedError,
        403,
    ),
    "import: custom_prompt_too_long": (
        importing(custom_prompt="x" * 8001),
        nixflex.CustomPromptTooLongError,
        400,
    ),
    "update: custom_prompt_too_long": (
        lambda client, world: client.phone_numbers.update(NUMBER, custom_prompt="x" * 8001),
        nixflex.CustomPromptTooLongError,
        400,
    ),
    "update: number_not_found": (
        lambda client, world: client.phone_numbers.update(SPARE, custom_prompt="Hi"),
        nixflex.NumberNotFoundError,
        404,
    ),
    "delete: number_not_found": (
        lambda client, world: client.phone_numbers.delete(SPARE),
        nixflex.NumberNotFoundError,
        404,
    ),
    "messages: number_not_found": (
        lambda client, world: client.numbers.messages.list("num_unknown").to_list(),
        nixflex.NumberNotFoundError,
        404,
    ),
    "numbers.create: agent_not_owned": (
        lambda client, world: client.numbers.create(agent_id=world.other_agent_id),
        nixflex.AgentNotOwnedError,
        403,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_each_documented_code_reaches_the_caller_as_its_class(
    client: AnyClient, world: World, case: str
) -> None:
    call, cls, status = CASES[case]
    if case.startswith("update: custom_prompt"):
        imported_first(world)
    with pytest.raises(cls) as caught:
        await run(call(client, world))
    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.code is not None
    assert error.code in case
    # The emulator sends the request id as `x-railway-request-id` only: the SDK's fallback.
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert error.message
    assert error.type is not None
    assert error.doc_url == f"https://docs.nixflex.com/api-reference/errors#{error.code}"
    shown = str(error) + repr(error) + repr(error.body)
    assert world.twilio.token not in shown


async def test_number_already_imported_the_second_time(client: AnyClient, world: World) -> None:
    first = await run(importing()(client, world))
    assert first.phone_number == NUMBER
    with pytest.raises(nixflex.NumberAlreadyImportedError) as caught:
        await run(importing()(client, world))
    assert caught.value.status_code == 409


async def test_an_unknown_key_is_an_authentication_error(server: FakeServer) -> None:
    async with nixflex.AsyncClient(api_key="key_nobody:sk_nothing", base_url=server.url) as c:
        with pytest.raises(nixflex.AuthenticationError) as caught:
            await c.phone_numbers.list()
    error = caught.value
    assert type(error) is nixflex.InvalidAPIKeyError
    assert (error.status_code, error.code, error.type) == (
        401,
        "invalid_api_key",
        "authentication_error",
    )
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert error.rate_limit is None  # a key the API does not know has no bucket


async def test_the_onboarding_flow_over_real_http(client: AnyClient, world: World) -> None:
    created = await run(importing(custom_prompt="Business: Smile Dental Croydon.")(client, world))
    assert world.fake.twilio_webhooks(NUMBER).points_at_nixflex
    listed = await run(client.phone_numbers.list(agent_id=world.agent_id))
    assert [n.phone_number for n in listed] == [created.phone_number]
    updated = await run(client.phone_numbers.update(NUMBER, custom_prompt=None))
    assert updated.custom_prompt is None
    await run(client.phone_numbers.delete(NUMBER))
    assert not world.fake.twilio_webhooks(NUMBER).points_at_nixflex
    assert NUMBER in world.fake.twilio_account(world.twilio.sid).numbers
    assert await run(client.phone_numbers.list()) == []
    # The emulator received the import's token, and recorded it redacted.
    recorded = [r for r in world.fake.requests if r.method == "POST"]
    assert recorded[0].json is not None
    assert recorded[0].json["twilio_token"] == "<redacted>"
