"""Provisioned numbers end to end: the SDK against the emulator over loopback HTTP.

Each test runs on every client kind (`Client`, `AsyncClient` under asyncio and trio, and over
`DefaultAioHttpClient`): what the emulator sends (`total` on the numbers list, `direction` and
`channel` on messages, a number in the `areaCode` asked for) is what the caller gets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import attrs
import pytest

import nixflex
from nixflex.testing import Account, FakeNixflex, FakeServer
from tests.support import AnyClient, collect, open_client, run

pytestmark = pytest.mark.anyio

T = TypeVar("T")


@attrs.frozen
class World:
    fake: FakeNixflex
    account: Account
    other: Account


@pytest.fixture
def world() -> World:
    fake = FakeNixflex()
    return World(fake=fake, account=fake.add_account(), other=fake.add_account())


@pytest.fixture
def server(world: World) -> Iterator[FakeServer]:
    with world.fake.serve() as served:
        yield served


@pytest.fixture
async def client(client_kind: str, world: World, server: FakeServer) -> AsyncIterator[AnyClient]:
    async with open_client(client_kind, server.url, api_key=world.account.api_key) as client:
        yield client


async def pages(
    paginator: nixflex.Paginator[T] | nixflex.AsyncPaginator[T],
) -> list[nixflex.Page[T] | nixflex.AsyncPage[T]]:
    """Every page of a paginator of either client."""
    if isinstance(paginator, nixflex.AsyncPaginator):
        return [page async for page in paginator.iter_pages()]
    return list(paginator.iter_pages())


async def first_page(
    paginator: nixflex.Paginator[T] | nixflex.AsyncPaginator[T],
) -> nixflex.Page[T] | nixflex.AsyncPage[T]:
    if isinstance(paginator, nixflex.AsyncPaginator):
        return await paginator
    return paginator.first_page()


# -- total -----------------------------------------------------------------------------------


async def test_each_page_of_numbers_carries_the_accounts_total(
    client: AnyClient, world: World
) -> None:
    for _ in range(25):
        world.fake.provision_number(world.account)
    world.fake.provision_number(world.other)  # not this account's: not counted

    walked = await pages(client.numbers.list(limit=10))

    assert [(len(page.items), page.total) for page in walked] == [(10, 25), (10, 25), (5, 25)]
    assert repr(walked[-1]) == f"<{type(walked[-1]).__name__} items=5 more=False total=25>"
    # The total is the API's count of the whole list, wherever the paging starts.
    assert (await first_page(client.numbers.list(limit=5, offset=20))).total == 25


async def test_the_total_follows_numbers_bought_and_released(
    client: AnyClient, world: World
) -> None:
    assert (await first_page(client.numbers.list())).total == 0

    bought = await run(client.numbers.create())
    await run(client.numbers.create(country="GB"))
    assert (await first_page(client.numbers.list())).total == 2

    await run(client.numbers.release(bought.id))  # a released number is still listed
    page = await first_page(client.numbers.list())
    assert (page.total, len(page.items)) == (2, 2)


async def test_a_page_of_messages_has_no_total_and_each_message_its_direction_and_channel(
    client: AnyClient, world: World
) -> None:
    number = world.fake.provision_number(world.account)
    world.fake.deliver_sms(number.id, from_="+15559876543", body="hi")
    world.fake.deliver_sms(number.id, from_="+15559876543", body="a photo", channel="mms")

    page = await first_page(client.numbers.messages.list(number.id))

    assert page.total is None
    assert [(m.body, m.direction, m.channel) for m in page.items] == [
        ("a photo", "inbound", "mms"),
        ("hi", "inbound", "sms"),
    ]


# -- area codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "prefix"),
    [
        ({"area_code": "415"}, "+1415"),
        ({"country": "CA", "area_code": "604"}, "+1604"),
        ({"area_code": "907"}, "+1907"),
    ],
)
async def test_create_buys_a_number_in_the_area_code(
    client: AnyClient, world: World, arguments: dict[str, Any], prefix: str
) -> None:
    number = await run(client.numbers.create(**arguments))

    assert number.phone_number is not None
    assert number.phone_number.startswith(prefix)
    assert len(number.phone_number) == 12
    assert [n.phone_number for n in await collect(client.numbers.list())] == [number.phone_number]
    sent = [r.json for r in world.fake.requests if r.method == "POST"]
    assert sent == [{"country": arguments.get("country", "US"), "areaCode": prefix[2:]}]


@pytest.mark.parametrize(
    "arguments",
    [
        {"area_code": "41"},
        {"area_code": "0415"},
        {"area_code": "115"},
        {"country": "GB", "area_code": "207"},
    ],
)
async def test_an_area_code_the_api_refuses_is_a_bad_request_and_buys_nothing(
    client: AnyClient, world: World, arguments: dict[str, Any]
) -> None:
    with pytest.raises(nixflex.BadRequestError) as caught:
        await run(client.numbers.create(**arguments))

    error = caught.value
    assert type(error) is nixflex.BadRequestError  # a code of the emulator's own
    assert (error.status_code, error.code) == (400, "invalid_area_code")
    assert error.details == {"field": "areaCode", "expected": "three digits, for a US or CA number"}
    assert world.fake.numbers(world.account) == []
