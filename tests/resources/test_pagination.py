"""Paging through `numbers.list` (offset) and `numbers.messages.list` (cursor).

The paging tests run four times: on `Client` and `AsyncClient`, each over respx and over a real
HTTP server on 127.0.0.1 (`tests/loopback.py`), where the query is decoded as a server does.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from typing_extensions import assert_type

import nixflex
from nixflex import AsyncPage, AsyncPaginator, Message, Number, Page, Paginator
from tests.support import API_KEY, BASE_URL, AnyClient, collect, open_client

if TYPE_CHECKING:
    from tests.loopback import LoopbackServer, Recorded, Reply

# The `loopback` fixture. Imported by pytest (not above) so that its asserts are rewritten.
pytestmark = pytest.mark.anyio

T = TypeVar("T")
NUMBERS = "/v1/numbers"
MESSAGES = "/v1/numbers/num_xyz789/messages"
NEWEST = datetime(2025, 1, 15, 12, 0, tzinfo=timezone.utc)


# --- a fake API, served over respx or over a real socket ------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A request as the API saw it: the raw path and the decoded, single-valued query."""

    method: str
    path: str
    params: dict[str, str]


Answer = Callable[[Seen], "tuple[int, Any]"]


def _single(params: dict[str, list[str]]) -> dict[str, str]:
    assert all(len(values) == 1 for values in params.values()), params
    return {key: values[0] for key, values in params.items()}


@dataclass
class Backend:
    """The API the client talks to: `answer` decides each (status, JSON); `seen` records."""

    answer: Answer | None = None
    seen: list[Seen] = field(default_factory=list)

    def respond(self, seen: Seen) -> tuple[int, Any]:
        self.seen.append(seen)
        assert self.answer is not None, "the test serves nothing"
        return self.answer(seen)

    def from_httpx(self, request: httpx.Request) -> httpx.Response:
        raw_path, _, query = request.url.raw_path.decode().partition("?")
        seen = Seen(request.method, raw_path, _single(parse_qs(query, keep_blank_values=True)))
        status, data = self.respond(seen)
        return httpx.Response(status, json=data)

    def from_socket(self, request: Recorded) -> Reply:
        from tests.loopback import Reply

        status, data = self.respond(Seen(request.method, request.path, _single(request.params)))
        return Reply.json(data, status=status)

    @property
    def count(self) -> int:
        return len(self.seen)


@pytest.fixture(
    params=[("respx", "sync"), ("respx", "async"), ("loopback", "sync"), ("loopback", "async")],
    ids=["respx-sync", "respx-async", "loopback-sync", "loopback-async"],
)
async def paged(request: pytest.FixtureRequest) -> AsyncIterator[tuple[AnyClient, Backend]]:
    """A client of each kind, on a fake API reached through respx or a real socket."""
    transport, kind = request.param
    backend = Backend()
    if transport == "respx":
        api: respx.MockRouter = request.getfixturevalue("api")
        api.route().mock(side_effect=backend.from_httpx)
        base_url = BASE_URL
    else:
        server: LoopbackServer = request.getfixturevalue("loopback")
        server.handler = backend.from_socket
        base_url = server.url
    async with open_client(kind, base_url, max_retries=0) as client:
        yield client, backend


def number(i: int) -> dict[str, Any]:
    return {
        "id": f"num_{i:03d}",
        "phoneNumber": f"+1555000{i:04d}",
        "country": "US",
        "status": "active",
        "agentId": None,
        "createdAt": "2025-01-15T10:45:00Z",
    }


def numbers_api(total: int, *, has_more: bool | None) -> Answer:
    """`GET /v1/numbers` over `total` numbers; `has_more=None` leaves `hasMore` out."""
    rows = [number(i) for i in range(total)]

    def answer(seen: Seen) -> tuple[int, Any]:
        assert (seen.method, seen.path) == ("GET", NUMBERS)
        limit, offset = int(seen.params["limit"]), int(seen.params["offset"])
        page = rows[offset : offset + limit]
        body: dict[str, Any] = {"data": page}
        if has_more is not None:
            body["hasMore"] = offset + len(page) < total
        return 200, body

    return answer


def stamp(i: int) -> str:
    """The `receivedAt` of the i-th newest message, one minute apart, as the API writes it."""
    return (NEWEST - timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")


def message(i: int, *, at: str | None = None) -> dict[str, Any]:
    return {
        "id": f"msg_{i:03d}",
        "from_": "+15559876543",
        "to": "+15551234567",
        "body": f"message {i}",
        "receivedAt": at or stamp(i),
    }


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def messages_api(
    rows: list[dict[str, Any]], *, has_more: bool | None, inclusive: bool = False
) -> Answer:
    """`GET .../messages` over `rows` (newest first), filtered by `before` and `after`.

    `inclusive=True` is a server that reads `before` as "at or before".
    """

    def answer(seen: Seen) -> tuple[int, Any]:
        assert (seen.method, seen.path) == ("GET", MESSAGES)
        limit = int(seen.params["limit"])
        before = seen.params.get("before")
        after = seen.params.get("after")
        matching = [
            row
            for row in rows
            if (
                before is None
                or parse_time(row["receivedAt"]) < parse_time(before)
                or (inclusive and parse_time(row["receivedAt"]) == parse_time(before))
            )
            and (after is None or parse_time(row["receivedAt"]) > parse_time(after))
        ]
        body: dict[str, Any] = {"data": matching[:limit]}
        if has_more is not None:
            body["hasMore"] = len(matching) > limit
        return 200, body

    return answer


def items_of(paginator: Paginator[T] | AsyncPaginator[T]) -> Iterator[T] | AsyncIterator[T]:
    return iter(paginator) if isinstance(paginator, Paginator) else aiter(paginator)


async def step(items: Iterator[T] | AsyncIterator[T]) -> T | None:
    """The next item, or `None` at the end."""
    if isinstance(items, AsyncIterator):
        try:
            return await anext(items)
        except StopAsyncIteration:
            return None
    return next(items, None)


async def first_page(paginator: Paginator[T] | AsyncPaginator[T]) -> Page[T] | AsyncPage[T]:
    if isinstance(paginator, AsyncPaginator):
        return await paginator.first_page()
    return paginator.first_page()


async def next_page(page: Page[T] | AsyncPage[T]) -> Page[T] | AsyncPage[T]:
    result = page.next_page()
    return await result if inspect.isawaitable(result) else result


async def all_pages(
    paginator: Paginator[T] | AsyncPaginator[T],
) -> list[Page[T]] | list[AsyncPage[T]]:
    """Every page, through `iter_pages()`."""
    if isinstance(paginator, AsyncPaginator):
        return [page async for page in paginator.iter_pages()]
    return list(paginator.iter_pages())


async def collect_until_error(
    paginator: Paginator[T] | AsyncPaginator[T],
) -> tuple[list[T], BaseException | None]:
    """The items yielded before iteration ended, and the error that ended it (if any)."""
    got: list[T] = []
    items = items_of(paginator)
    try:
        while (item := await step(items)) is not None:
            got.append(item)
    except nixflex.NixflexError as exc:
        return got, exc
    return got, None


# --- offset paging: numbers.list ------------------------------------------------------------------


@pytest.mark.parametrize("has_more", [True, None], ids=["hasMore", "no-hasMore"])
async def test_45_numbers_at_limit_20_take_three_requests_fetched_as_needed(
    paged: tuple[AnyClient, Backend], has_more: bool | None
) -> None:
    client, backend = paged
    backend.answer = numbers_api(45, has_more=has_more)

    paginator = client.numbers.list()
    items = items_of(paginator)
    assert backend.count == 0  # nothing is fetched until iterated

    got: list[Number] = []
    counts: list[int] = []
    while (item := await step(items)) is not None:
        got.append(item)
        counts.append(backend.count)

    # The second page is fetched for the 21st number, the third for the 41st, no more after.
    assert counts == [1] * 20 + [2] * 20 + [3] * 5
    assert backend.count == 3
    assert [(s.params["limit"], s.params["offset"]) for s in backend.seen] == [
        ("20", "0"),
        ("20", "20"),
        ("20", "40"),
    ]
    assert [n.id for n in got] == [f"num_{i:03d}" for i in range(45)]
    assert all(isinstance(n, Number) for n in got)


async def test_to_list_collects_every_page(paged: tuple[AnyClient, Backend]) -> None:
    client, backend = paged
    backend.answer = numbers_api(45, has_more=True)

    numbers = await collect(client.numbers.list(limit=20, offset=0))

    assert [n.id for n in numbers] == [f"num_{i:03d}" for i in range(45)]
    assert numbers[3].phone_number == "+15550000003"
    assert backend.count == 3


async def test_offset_advances_by_the_items_received(paged: tuple[AnyClient, Backend]) -> None:
    # A server that caps pages below the asked limit: the next offset follows what arrived.
    client, backend = paged
    rows = [number(i) for i in range(25)]

    def capped(seen: Seen) -> tuple[int, Any]:
        offset = int(seen.params["offset"])
        page = rows[offset : offset + 10]
        return 200, {"data": page, "hasMore": offset + len(page) < len(rows)}

    backend.answer = capped
    numbers = await collect(client.numbers.list(limit=50, offset=5))

    assert [n.id for n in numbers] == [f"num_{i:03d}" for i in range(5, 25)]
    assert [s.params["offset"] for s in backend.seen] == ["5", "15"]


async def test_iter_pages_gives_pages_one_request_each(paged: tuple[AnyClient, Backend]) -> None:
    client, backend = paged
    backend.answer = numbers_api(45, has_more=None)
    paginator = client.numbers.list()

    shapes: list[tuple[int, bool, int]] = []
    if isinstance(paginator, AsyncPaginator):
        async for async_page in paginator.iter_pages():
            shapes.append((len(async_page.items), async_page.has_next_page(), backend.count))
    else:
        for page in paginator.iter_pages():
            shapes.append((len(page.items), page.has_next_page(), backend.count))

    assert shapes == [(20, True, 1), (20, True, 2), (5, False, 3)]


async def test_next_page_walks_the_pages_and_refuses_past_the_last(
    paged: tuple[AnyClient, Backend],
) -> None:
    client, backend = paged
    backend.answer = numbers_api(25, has_more=True)

    page = await first_page(client.numbers.list())
    assert [n.id for n in page.items][:2] == ["num_000", "num_001"]
    assert page.has_next_page()
    last = await next_page(page)
    assert [n.id for n in last.items] == [f"num_{i:03d}" for i in range(20, 25)]
    assert not last.has_next_page()
    assert backend.count == 2

    with pytest.raises(nixflex.NixflexError, match="last page"):
        await next_page(last)
    assert backend.count == 2


async def test_awaiting_the_async_paginator_gives_its_first_page(api: respx.MockRouter) -> None:
    backend = Backend(numbers_api(45, has_more=True))
    api.route().mock(side_effect=backend.from_httpx)

    async with nixflex.AsyncClient(api_key=API_KEY, base_url=BASE_URL) as client:
        paginator = client.numbers.list(limit=20)
        assert backend.count == 0
        page = await paginator
        assert isinstance(page, AsyncPage)
        assert len(page.items) == 20
        assert backend.count == 1
        second = await page.next_page()

    assert second.items[0].id == "num_020"
    assert [s.params["offset"] for s in backend.seen] == ["0", "20"]


async def test_each_page_keeps_the_total_the_api_sends(paged: tuple[AnyClient, Backend]) -> None:
    # The list grows while it is paged, and the last answer leaves the total out: each page
    # says what its own answer said.
    client, backend = paged
    rows = numbers_api(45, has_more=True)
    totals = iter([45, 46, None])

    def counted(seen: Seen) -> tuple[int, Any]:
        status, body = rows(seen)
        total = next(totals)
        return status, body if total is None else {**body, "total": total}

    backend.answer = counted
    walked = await all_pages(client.numbers.list())

    assert [(len(page.items), page.total) for page in walked] == [(20, 45), (20, 46), (5, None)]
    assert backend.count == 3


async def test_without_a_total_every_page_says_none(paged: tuple[AnyClient, Backend]) -> None:
    client, backend = paged
    backend.answer = numbers_api(25, has_more=True)

    page = await first_page(client.numbers.list())
    last = await next_page(page)

    assert (page.total, last.total) == (None, None)
    assert repr(last) == f"<{type(last).__name__} items=5 more=False>"


@pytest.mark.parametrize(
    ("total", "has_more", "requests"),
    [(1000, False, 1), (1000, None, 1), (0, True, 2), (5, True, 2), (-1, True, 2)],
)
async def test_the_total_never_decides_when_paging_stops(
    paged: tuple[AnyClient, Backend], total: int, has_more: bool | None, requests: int
) -> None:
    # Paging follows hasMore (or, without it, the page's length: 20 of 25 is the last); a
    # total that disagrees with it is kept as sent and changes nothing.
    client, backend = paged
    pages = iter([[number(i) for i in range(20)], []])

    def answer(seen: Seen) -> tuple[int, Any]:
        body: dict[str, Any] = {"data": next(pages), "total": total}
        if has_more is not None:
            body["hasMore"] = has_more
        return 200, body

    backend.answer = answer
    walked = await all_pages(client.numbers.list(limit=25))

    assert [page.total for page in walked] == [total] * requests
    assert sum(len(page.items) for page in walked) == 20
    assert backend.count == requests


def claims_more_then_empty(first: list[dict[str, Any]]) -> Answer:
    """An API whose second page is empty although its first said `hasMore: true`."""
    pages = iter([first, []])
    return lambda seen: (200, {"data": next(pages), "hasMore": True})


async def test_offset_paging_stops_where_the_api_says(paged: tuple[AnyClient, Backend]) -> None:
    client, backend = paged
    # (the API, how many numbers, how many requests)
    cases = [
        (numbers_api(40, has_more=True), 40, 2),  # hasMore false on a full page: stop there
        (numbers_api(40, has_more=None), 40, 3),  # no hasMore: full pages, then an empty one
        (numbers_api(39, has_more=None), 39, 2),  # no hasMore: a short page ends it
        (numbers_api(0, has_more=True), 0, 1),
        (claims_more_then_empty([number(i) for i in range(20)]), 20, 2),  # empty ends it
    ]
    for answer, total, requests in cases:
        backend.answer, backend.seen = answer, []
        numbers = await collect(client.numbers.list())
        assert (len(numbers), backend.count) == (total, requests)


async def test_an_api_that_ignores_offset_raises_instead_of_looping(
    paged: tuple[AnyClient, Backend],
) -> None:
    client, backend = paged
    same = [number(i) for i in range(20)]

    def ignores_offset(seen: Seen) -> tuple[int, Any]:
        if backend.count > 5:  # a looping client would get here; the test then fails below
            return 500, {"error": {"code": "test_gave_up", "message": "the client kept asking"}}
        return 200, {"data": same, "hasMore": True}

    backend.answer = ignores_offset

    got, error = await collect_until_error(client.numbers.list())

    assert isinstance(error, nixflex.NixflexError)
    assert not isinstance(error, nixflex.APIStatusError), error
    assert "offset" in str(error)
    assert [n.id for n in got] == [f"num_{i:03d}" for i in range(20)]
    assert backend.count == 2


async def test_numbers_list_checks_limit_and_offset_before_any_request(
    paged: tuple[AnyClient, Backend],
) -> None:
    client, backend = paged
    for bad in [{"limit": 0}, {"limit": 101}, {"limit": -1}, {"offset": -1}]:
        with pytest.raises(ValueError, match=r"limit|offset"):
            client.numbers.list(**bad)
    assert backend.count == 0

    backend.answer = lambda seen: (200, {"data": [], "hasMore": False})
    for limit, offset in [(1, 0), (100, 0), (100, 10_000)]:
        assert await collect(client.numbers.list(limit=limit, offset=offset)) == []
        assert backend.seen[-1].params == {"limit": str(limit), "offset": str(offset)}


# --- cursor paging: numbers.messages.list ---------------------------------------------------------


@pytest.mark.parametrize("has_more", [True, None], ids=["hasMore", "no-hasMore"])
async def test_120_messages_at_limit_50_page_by_the_oldest_timestamp_seen(
    paged: tuple[AnyClient, Backend], has_more: bool | None
) -> None:
    client, backend = paged
    backend.answer = messages_api([message(i) for i in range(120)], has_more=has_more)

    paginator = client.numbers.messages.list("num_xyz789")
    items = items_of(paginator)
    assert backend.count == 0
    got: list[Message] = []
    counts: list[int] = []
    while (item := await step(items)) is not None:
        got.append(item)
        counts.append(backend.count)

    assert counts == [1] * 50 + [2] * 50 + [3] * 20
    assert [s.params for s in backend.seen] == [
        {"limit": "50"},
        {"limit": "50", "before": stamp(49)},
        {"limit": "50", "before": stamp(99)},
    ]
    assert [m.id for m in got] == [f"msg_{i:03d}" for i in range(120)]
    assert got[0].from_ == "+15559876543"
    assert got[-1].received_at == parse_time(stamp(119))


async def test_after_is_kept_on_every_page_and_before_starts_where_asked(
    paged: tuple[AnyClient, Backend],
) -> None:
    client, backend = paged
    backend.answer = messages_api([message(i) for i in range(200)], has_more=True)
    after = "2025-01-15T09:00:00+00:00"  # 180 minutes before the newest: messages 10..179

    messages = await collect(
        client.numbers.messages.list(
            "num_xyz789", limit=60, before=NEWEST - timedelta(minutes=9, seconds=30), after=after
        )
    )

    assert [m.id for m in messages] == [f"msg_{i:03d}" for i in range(10, 180)]
    assert [s.params for s in backend.seen] == [
        {"limit": "60", "before": "2025-01-15T11:50:30Z", "after": after},
        {"limit": "60", "before": stamp(69), "after": after},
        {"limit": "60", "before": stamp(129), "after": after},
    ]


async def test_cursor_paging_stops_where_the_api_says(paged: tuple[AnyClient, Backend]) -> None:
    client, backend = paged
    rows = [message(i) for i in range(100)]
    # (the API, how many messages, how many requests)
    cases = [
        (messages_api(rows, has_more=True), 100, 2),  # hasMore false on a full page
        (messages_api(rows, has_more=None), 100, 3),  # no hasMore: full pages, then an empty one
        (messages_api(rows[:99], has_more=None), 99, 2),  # no hasMore: a short page ends it
        (messages_api([], has_more=True), 0, 1),
        (claims_more_then_empty(rows[:50]), 50, 2),  # an empty page ends it
    ]
    for answer, total, requests in cases:
        backend.answer, backend.seen = answer, []
        messages = await collect(client.numbers.messages.list("num_xyz789"))
        assert (len(messages), backend.count) == (total, requests)


async def test_a_cursor_that_stops_moving_raises_instead_of_looping(
    paged: tuple[AnyClient, Backend],
) -> None:
    client, backend = paged
    same = [message(i) for i in range(50)]
    # The same full page again and again, saying there is more, or not saying (a full page).
    envelopes: list[dict[str, Any]] = [{"data": same, "hasMore": True}, {"data": same}]
    for envelope in envelopes:

        def stuck(seen: Seen, envelope: dict[str, Any] = envelope) -> tuple[int, Any]:
            if backend.count > 5:  # a looping client would get here; the test fails below
                return 500, {"error": {"code": "test_gave_up", "message": "kept asking"}}
            return 200, envelope

        backend.answer, backend.seen = stuck, []
        got, error = await collect_until_error(client.numbers.messages.list("num_xyz789"))

        assert isinstance(error, nixflex.NixflexError)
        assert not isinstance(error, nixflex.APIStatusError), error
        assert "stopped moving" in str(error)
        assert [m.id for m in got] == [f"msg_{i:03d}" for i in range(50)]  # each id once
        assert backend.count == 2


async def test_a_server_that_reads_before_inclusively_never_yields_a_message_twice(
    paged: tuple[AnyClient, Backend],
) -> None:
    client, backend = paged
    rows = [message(i) for i in range(120)]
    # Messages 47..53 arrived in the same second: the page boundary falls among them.
    rows[47:54] = [message(i, at=stamp(47)) for i in range(47, 54)]
    backend.answer = messages_api(rows, has_more=True, inclusive=True)

    messages = await collect(client.numbers.messages.list("num_xyz789"))

    ids = [m.id for m in messages]
    assert ids == [f"msg_{i:03d}" for i in range(120)]
    assert backend.seen[1].params["before"] == stamp(47)
    assert backend.count == 3


async def test_messages_list_checks_limit_before_any_request(
    paged: tuple[AnyClient, Backend],
) -> None:
    client, backend = paged
    for bad in [0, 201, -1]:
        with pytest.raises(ValueError, match="limit"):
            client.numbers.messages.list("num_xyz789", limit=bad)
    assert backend.count == 0

    backend.answer = lambda seen: (200, {"data": [], "hasMore": False})
    for limit in [1, 200]:
        assert await collect(client.numbers.messages.list("num_xyz789", limit=limit)) == []
        assert backend.seen[-1].params == {"limit": str(limit)}


async def test_a_messages_page_has_a_total_only_if_the_api_sends_one(
    paged: tuple[AnyClient, Backend],
) -> None:
    # The docs give the messages endpoint no total; one sent anyway is kept as sent.
    client, backend = paged
    backend.answer = lambda seen: (200, {"data": [message(0)], "hasMore": False})
    assert (await first_page(client.numbers.messages.list("num_xyz789"))).total is None

    backend.answer = lambda seen: (200, {"data": [message(0)], "hasMore": False, "total": 1})
    assert (await first_page(client.numbers.messages.list("num_xyz789"))).total == 1


async def test_next_page_on_the_last_message_page_raises(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(MESSAGES).respond(200, json={"data": [message(0)], "hasMore": False})
    page = await first_page(client.numbers.messages.list("num_xyz789"))
    assert [m.id for m in page.items] == ["msg_000"]
    assert not page.has_next_page()
    with pytest.raises(nixflex.NixflexError):
        await next_page(page)
    assert api.calls.call_count == 1


# --- types ---------------------------------------------------------------------------------------


async def test_paginators_yield_the_models_the_spec_says(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(NUMBERS).respond(200, json={"data": [number(0)], "hasMore": False})
    api.get(MESSAGES).respond(200, json={"data": [message(0)], "hasMore": False})
    numbers: list[Number] = []
    messages: list[Message] = []
    if isinstance(client, nixflex.Client):
        assert_type(client.numbers.list(), Paginator[Number])
        for n in client.numbers.list():
            numbers.append(assert_type(n, Number))
        for m in client.numbers.messages.list("num_xyz789"):
            messages.append(assert_type(m, Message))
        for page in client.numbers.list().iter_pages():
            assert_type(page, Page[Number])
            assert_type(page.items, list[Number])
            assert_type(page.total, int | None)
        assert_type(client.numbers.list().to_list(), list[Number])
        assert_type(client.numbers.messages.list("num_xyz789").first_page(), Page[Message])
    else:
        assert_type(client.numbers.list(), AsyncPaginator[Number])
        async for n in client.numbers.list():
            numbers.append(assert_type(n, Number))
        async for m in client.numbers.messages.list("num_xyz789"):
            messages.append(assert_type(m, Message))
        async for async_page in client.numbers.list().iter_pages():
            assert_type(async_page, AsyncPage[Number])
            assert_type(async_page.total, int | None)
        assert_type(await client.numbers.list(), AsyncPage[Number])
        assert_type(await client.numbers.list().to_list(), list[Number])
        assert_type(await client.numbers.messages.list("num_xyz789"), AsyncPage[Message])
    assert [type(n) for n in numbers] == [Number]
    assert [type(m) for m in messages] == [Message]
