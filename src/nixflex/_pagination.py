"""Paging through lists: offset pages (numbers) and cursor pages (messages), sync and async.

A page knows its next request. Parsing a page's response (no I/O) yields a `Batch`: the page's
items and the `Call` that fetches the next page, or `None` at the end. So the two paging styles
differ only in the two `*_call` functions below, and the runners, `Paginator` and
`AsyncPaginator`, just fetch `batch.next` until there is none.

Paging stops when the API says `hasMore: false`, on an empty page, or, when `hasMore` is absent,
on a page shorter than `limit`. A page that brings nothing new (a cursor that does not move, an
`offset` the server ignores) raises `NixflexError` instead of looping. A page's `total` is the
API's `total` as sent (`None` without one); it never decides when paging stops.

In a notebook a page shows as one HTML table, and a paginator's `to_pandas()` collects every
page into a DataFrame; both are drawn in `_display`, imported only then.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import httpx

from . import _time
from ._core import Call, decode_json, structure_list, unwrap
from ._exceptions import NixflexError
from .models import Message, ModelList, to_pandas

if TYPE_CHECKING:
    import pandas as pd

    from ._client import AsyncClient, Client

T = TypeVar("T")


@attrs.frozen
class Batch(Generic[T]):
    """What one page holds, and the call that fetches the next one (`None`: the last page)."""

    items: list[T]
    next: Call[Batch[T]] | None
    total: int | None = None


def _read_page(
    response: httpx.Response, cls: type[T], limit: int
) -> tuple[list[T], bool, int | None]:
    """The page's items, whether another page may follow, and the API's `total` (if sent)."""
    data = decode_json(response)
    items = structure_list(unwrap(data, ("data",)), cls)
    has_more = data.get("hasMore", data.get("has_more")) if isinstance(data, dict) else None
    if has_more is not None and not isinstance(has_more, bool):
        raise TypeError(f"hasMore: expected a boolean, got {type(has_more).__name__}")
    more = bool(items) and (has_more if has_more is not None else len(items) >= limit)
    total = data.get("total") if isinstance(data, dict) else None
    if total is not None and (isinstance(total, bool) or not isinstance(total, int)):
        raise TypeError(f"total: expected an integer, got {type(total).__name__}")
    return items, more, total


def offset_call(
    path: str, cls: type[T], *, limit: int, offset: int, previous: Sequence[T] = ()
) -> Call[Batch[T]]:
    """The call for the page at `offset`; the next page starts after the items received.

    `previous` is the page before this one. A page that brings exactly the same items again
    (a server or cache that ignores `offset`) raises instead of looping for ever.
    """

    def parse(response: httpx.Response) -> Batch[T]:
        items, more, total = _read_page(response, cls, limit)
        if items and items == list(previous):
            raise NixflexError(
                f"paging {path} stopped moving: the API answered offset={offset} with the same "
                f"{len(items)} items as offset={offset - len(previous)}; stopping instead of "
                "looping"
            )
        following = offset_call(path, cls, limit=limit, offset=offset + len(items), previous=items)
        return Batch(items, following if more else None, total)

    return Call("GET", path, parse, query={"limit": limit, "offset": offset})


def cursor_call(
    path: str,
    *,
    limit: int,
    before: str | None,
    after: str | None,
    cursor: datetime | None = None,
    seen_at_cursor: frozenset[str] = frozenset(),
) -> Call[Batch[Message]]:
    """The call for the messages before `before`; the next page is before the oldest received.

    `cursor` is the oldest `received_at` yielded so far (what `before` says, parsed) and
    `seen_at_cursor` the ids yielded at exactly that instant. A message newer than the cursor
    or already seen at it is not yielded again, so a server that treats `before` as inclusive,
    or ignores it, never makes a message appear twice, and a page that brings nothing new while
    claiming more raises instead of looping.
    """

    def parse(response: httpx.Response) -> Batch[Message]:
        received, more, total = _read_page(response, Message, limit)
        fresh: list[Message] = ModelList((), Message)
        ids = set(seen_at_cursor)
        for message in received:
            if message.id in ids or (cursor is not None and message.received_at > cursor):
                continue
            ids.add(message.id)
            fresh.append(message)
        if not more:
            return Batch(fresh, None, total)
        if not fresh:
            raise NixflexError(
                f"paging {path} stopped moving: the API answered before={before} with messages "
                "already returned and says there are more; stopping instead of looping"
            )
        oldest = min(message.received_at for message in fresh)
        at_oldest = frozenset(m.id for m in fresh if m.received_at == oldest)
        following = cursor_call(
            path,
            limit=limit,
            before=_time.rfc3339(oldest, "before"),
            after=after,
            cursor=oldest,
            seen_at_cursor=at_oldest | seen_at_cursor if oldest == cursor else at_oldest,
        )
        return Batch(fresh, following, total)

    return Call("GET", path, parse, query={"limit": limit, "before": before, "after": after})


def _item_type(items: list[T]) -> type[T] | None:
    """The model class of a page's items, known even when the page is empty."""
    return items.item_type if isinstance(items, ModelList) else None


def _require_pandas() -> None:
    """`ImportError` saying how to install pandas before anything is fetched, if it is missing."""
    from ._display import require_pandas

    require_pandas()


# --- sync ----------------------------------------------------------------------------------------


class Page(Generic[T]):
    """One page of a list: its `items`, the API's `total` if it sent one, and the way to the
    next page."""

    def __init__(self, batch: Batch[T], fetch: Callable[[Call[Batch[T]]], Page[T]]) -> None:
        self.items: list[T] = batch.items
        """The page's items, in the API's order."""
        self.total: int | None = batch.total
        """How many items the whole list holds, as the API counts them (its `total`, kept as
        sent), or `None` when the answer has none. `numbers.list` pages carry it where the API
        sends it; the messages endpoint sends none. It never decides when paging stops."""
        self._next = batch.next
        self._fetch = fetch

    def has_next_page(self) -> bool:
        """Whether another page follows this one."""
        return self._next is not None

    def next_page(self) -> Page[T]:
        """Fetch the page after this one.

        Raises:
            NixflexError: this is the last page (check `has_next_page()` first).
        """
        if self._next is None:
            raise NixflexError("this is the last page; check has_next_page() first")
        return self._fetch(self._next)

    def __repr__(self) -> str:
        total = "" if self.total is None else f" total={self.total}"
        return f"<{type(self).__name__} items={len(self.items)} more={self.has_next_page()}{total}>"

    def _repr_html_(self) -> str:
        from ._display import page_html

        return page_html(self.items, more=self.has_next_page(), total=self.total)


class Paginator(Generic[T]):
    """Every item of a paged list, fetched a page at a time, as you iterate.

    Nothing is fetched until you iterate; then one page is held at a time, so iterating
    100,000 numbers uses the memory of one page. The API's count of the whole list, where it
    sends one, is on each page (`Page.total`), not on the paginator, which holds no page of its
    own: each iteration starts again from the first page.

    Example:
        ```python
        for number in client.numbers.list():
            print(number.phone_number)

        numbers = client.numbers.list(limit=100).to_list()
        print(client.numbers.list().first_page().total, "numbers in all")
        ```
    """

    def __init__(self, client: Client, first: Call[Batch[T]]) -> None:
        self._client = client
        self._first = first

    def _fetch(self, call: Call[Batch[T]]) -> Page[T]:
        return Page(self._client._request(call), self._fetch)

    def first_page(self) -> Page[T]:
        """Fetch the first page.

        Errors of the call (`NumberNotFoundError` for a number that is not yours, say) surface
        here, or on the first step of iteration, not when the paginator is made.
        """
        return self._fetch(self._first)

    def iter_pages(self) -> Iterator[Page[T]]:
        """Every page, fetched as you go; each new iteration starts again from the first.

        Raises `NixflexError` if the API answers a page with what it already sent while
        claiming there is more (the paging "stopped moving"), instead of looping.
        """
        page = self.first_page()
        yield page
        while page.has_next_page():
            page = page.next_page()
            yield page

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.items

    def to_list(self) -> list[T]:
        """Every item of every page, in one list (all in memory: iterate for large lists)."""
        return list(self)

    def to_pandas(self) -> pd.DataFrame:
        """Every item of every page as a pandas DataFrame, a typed column per field.

        Needs `pip install 'nixflex[pandas]'`; without pandas, `ImportError` says so before
        anything is fetched. The columns are those of `nixflex.to_pandas` (timestamps as
        `datetime64[ns, UTC]`), even when there are no items.
        """
        _require_pandas()
        items: list[T] = []
        item_type: type[T] | None = None
        for page in self.iter_pages():
            items.extend(page.items)
            item_type = _item_type(page.items)
        return to_pandas(items, item_type)


# --- async ---------------------------------------------------------------------------------------


class AsyncPage(Generic[T]):
    """One page of a list: its `items`, the API's `total` if it sent one, and the way to the
    next page (awaited)."""

    def __init__(
        self, batch: Batch[T], fetch: Callable[[Call[Batch[T]]], Awaitable[AsyncPage[T]]]
    ) -> None:
        self.items: list[T] = batch.items
        """The page's items, in the API's order."""
        self.total: int | None = batch.total
        """How many items the whole list holds, as the API counts them (its `total`, kept as
        sent), or `None` when the answer has none. `numbers.list` pages carry it where the API
        sends it; the messages endpoint sends none. It never decides when paging stops."""
        self._next = batch.next
        self._fetch = fetch

    def has_next_page(self) -> bool:
        """Whether another page follows this one."""
        return self._next is not None

    async def next_page(self) -> AsyncPage[T]:
        """Fetch the page after this one.

        Raises:
            NixflexError: this is the last page (check `has_next_page()` first).
        """
        if self._next is None:
            raise NixflexError("this is the last page; check has_next_page() first")
        return await self._fetch(self._next)

    def __repr__(self) -> str:
        total = "" if self.total is None else f" total={self.total}"
        return f"<{type(self).__name__} items={len(self.items)} more={self.has_next_page()}{total}>"

    def _repr_html_(self) -> str:
        from ._display import page_html

        return page_html(self.items, more=self.has_next_page(), total=self.total)


class AsyncPaginator(Generic[T]):
    """Every item of a paged list, for `async for`; `await` it for the first page.

    Nothing is fetched until you iterate or await; then one page is held at a time. The API's
    count of the whole list, where it sends one, is on each page (`AsyncPage.total`).

    Example:
        ```python
        async for number in client.numbers.list():
            print(number.phone_number)

        page = await client.numbers.list()
        print(page.total, "numbers in all")
        everything = await client.numbers.list().to_list()
        ```
    """

    def __init__(self, client: AsyncClient, first: Call[Batch[T]]) -> None:
        self._client = client
        self._first = first

    async def _fetch(self, call: Call[Batch[T]]) -> AsyncPage[T]:
        return AsyncPage(await self._client._request(call), self._fetch)

    async def first_page(self) -> AsyncPage[T]:
        """Fetch the first page; errors of the call surface here, not when it is made."""
        return await self._fetch(self._first)

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self.first_page().__await__()

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """Every page, fetched as you go; each new iteration starts again from the first."""
        page = await self.first_page()
        yield page
        while page.has_next_page():
            page = await page.next_page()
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item

    async def to_list(self) -> list[T]:
        """Every item of every page, in one list (all in memory: iterate for large lists)."""
        return [item async for item in self]

    async def to_pandas(self) -> pd.DataFrame:
        """Every item of every page as a pandas DataFrame (see `Paginator.to_pandas`)."""
        _require_pandas()
        items: list[T] = []
        item_type: type[T] | None = None
        async for page in self.iter_pages():
            items.extend(page.items)
            item_type = _item_type(page.items)
        return to_pandas(items, item_type)
