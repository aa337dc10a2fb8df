"""Many calls at once: bounded concurrency, every outcome kept in input order, progress.

What both clients share is here: turning the input into calls (all checked before anything is
sent), collecting outcomes into a `BulkResult`, and reporting progress. What differs is how
the calls run at the same time: `run_threads` on a thread pool sharing the one `httpx.Client`,
`run_tasks` on anyio tasks (asyncio or trio) sharing the one `httpx.AsyncClient`. A 429 pauses
every call of the client (see `_core.Pause`), so a rate limit slows the whole batch down.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

import attrs

from ._core import Call
from ._exceptions import NixflexError

if sys.version_info >= (3, 11):
    from builtins import BaseExceptionGroup, ExceptionGroup
else:  # pragma: no cover - Python 3.10
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup

__all__ = ["BulkError", "BulkItem", "BulkResult", "ImportRequest", "Progress"]

I = TypeVar("I")  # noqa: E741 - the input of one item
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class ImportRequest:
    """One number for `phone_numbers.import_many`: what `phone_numbers.create` takes.

    A Twilio number has `twilio_sid` and `twilio_token`, a Telnyx number `telnyx_api_key` and
    `telnyx_connection_id`: exactly one pair (checked, with every other item, before anything is
    sent). The Twilio token and the Telnyx API key are left out of the repr, so a result or a
    log of requests never shows them, and out of a pickle: an unpickled request (a `BulkResult`
    sent through Celery, say) has `REDACTED` in their place; give the secret again to send it,
    `attrs.evolve(request, twilio_token=token)` (or `telnyx_api_key=key`).
    """

    REDACTED: ClassVar[str] = "<redacted>"
    SECRETS: ClassVar[tuple[str, ...]] = ("twilio_token", "telnyx_api_key")

    phone_number: str
    twilio_sid: str | None = None
    twilio_token: str | None = attrs.field(default=None, repr=False)
    telnyx_api_key: str | None = attrs.field(default=None, repr=False)
    telnyx_connection_id: str | None = None
    agent_id: str
    custom_prompt: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        fields = attrs.asdict(self)
        for name in self.SECRETS:
            if fields[name] is not None:
                fields[name] = self.REDACTED
        return (_import_request, (fields,))

    @classmethod
    def from_input(cls, item: ImportRequest | Mapping[str, Any], index: int) -> ImportRequest:
        """`item` as an `ImportRequest`; a mapping takes `create`'s keyword names."""
        if isinstance(item, cls):
            return item
        if not isinstance(item, Mapping):
            raise TypeError(
                f"item {index}: expected an ImportRequest or a dict, got {type(item).__name__}"
            )
        names = {field.name for field in attrs.fields(cls)}
        unknown = sorted(set(item) - names)
        required = {f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING}
        missing = sorted(required - set(item))
        if unknown or missing:
            problems = [f"unknown keys {unknown}"] * bool(unknown)
            problems += [f"missing keys {missing}"] * bool(missing)
            raise TypeError(f"item {index}: {'; '.join(problems)}")
        for name in names:
            value = item.get(name)
            if not isinstance(value, str) and not (name not in required and value is None):
                # Names the field, never the value: it may be the token.
                raise TypeError(f"item {index}: {name} must be a str")
        return cls(**item)


@attrs.frozen
class BulkItem(Generic[I, T]):
    """The outcome of one item of a bulk call.

    Attributes:
        index: the item's position in the input.
        input: what was asked (an `ImportRequest`, or a phone number for `sync_profiles`).
        result: the call's result, or `None` if it failed.
        error: the `NixflexError` it raised, or `None` if it succeeded.
    """

    index: int
    input: I
    result: T | None = None
    error: NixflexError | None = None

    @property
    def ok(self) -> bool:
        """Whether the item succeeded."""
        return self.error is None


def _import_request(fields: dict[str, Any]) -> ImportRequest:
    return ImportRequest(**fields)


class BulkError(ExceptionGroup[NixflexError], NixflexError):
    """The failures of a bulk call, as an exception group (`except*` picks them by class).

    Raised only by `BulkResult.raise_for_failures()`; `exceptions` holds each failed item's
    `NixflexError`, in input order. It is a `NixflexError` too.
    """


class BulkResult(Generic[I, T]):
    """Every item's outcome, in input order: nothing stops half-way on a failure.

    Example:
        ```python
        result = client.phone_numbers.import_many(clinics, concurrency=16)
        print(f"{len(result.succeeded)} imported, {len(result.failed)} failed")
        for item in result.failed:
            print(item.input.phone_number, item.error)
        ```
    """

    def __init__(self, items: Sequence[BulkItem[I, T]]) -> None:
        self.items: list[BulkItem[I, T]] = list(items)

    @property
    def succeeded(self) -> list[T]:
        """The results of the items that succeeded, in input order."""
        return [item.result for item in self.items if item.error is None]  # type: ignore[misc]

    @property
    def failed(self) -> list[BulkItem[I, T]]:
        """The items that failed, in input order; each has its `input` and `error`."""
        return [item for item in self.items if item.error is not None]

    def raise_for_failures(self) -> None:
        """Raise a `BulkError` (an exception group of the failures) if any item failed."""
        errors = [item.error for item in self.items if item.error is not None]
        if errors:
            raise BulkError(f"{len(errors)} of {len(self.items)} items failed", errors)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[BulkItem[I, T]]:
        return iter(self.items)

    def __repr__(self) -> str:
        return (
            f"<BulkResult {len(self.items) - len(self.failed)} succeeded, "
            f"{len(self.failed)} failed>"
        )

    def _repr_html_(self) -> str:
        from ._display import bulk_html

        return bulk_html(self)


Progress: TypeAlias = "bool | Callable[[int, int, BulkItem[Any, Any]], object] | None"
"""`True` for a tqdm bar, a callable to get `(done, total, item)` after each item, or `None`."""


class _Collector(Generic[I, T]):
    """Keeps each finished item and tells `progress` about it, in the caller's thread."""

    def __init__(self, work: Sequence[tuple[I, Call[T]]], progress: Progress, label: str) -> None:
        self._work = work
        self._items: list[BulkItem[I, T]] = []
        self._failed = 0
        self._callback: Callable[[int, int, BulkItem[Any, Any]], object] | None = None
        self._bar: Any = None
        if progress is True:
            try:
                from tqdm.auto import tqdm  # type: ignore[import-untyped]
            except ImportError:
                raise ImportError(
                    "progress=True draws a bar with tqdm, which is not installed: "
                    "pip install 'nixflex[progress]' (or pass a callable)"
                ) from None
            self._bar = tqdm(total=len(work), desc=label, unit="item")
        elif callable(progress):
            self._callback = progress
        elif progress not in (None, False):
            raise TypeError("progress must be True, a callable or None")

    def add(self, index: int, result: T | None, error: NixflexError | None) -> None:
        """Record how item `index` ended."""
        item = BulkItem(index, self._work[index][0], result, error)
        self._items.append(item)
        if error is not None:
            self._failed += 1
        if self._bar is not None:
            self._bar.update(1)
            if error is not None:
                self._bar.set_postfix(failed=self._failed)
        if self._callback is not None:
            self._callback(len(self._items), len(self._work), item)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def result(self) -> BulkResult[I, T]:
        """Every item recorded, in input order."""
        return BulkResult(sorted(self._items, key=lambda item: item.index))


def _attempt(
    request: Callable[[Call[T]], T], call: Call[T]
) -> tuple[T | None, NixflexError | None]:
    try:
        return request(call), None
    except NixflexError as exc:
        return None, exc


def run_threads(
    request: Callable[[Call[T]], T],
    work: Sequence[tuple[I, Call[T]]],
    *,
    concurrency: int,
    progress: Progress,
    label: str,
) -> BulkResult[I, T]:
    """Run `work` on at most `concurrency` threads sharing one sync client."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    collector = _Collector(work, progress, label)
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="nixflex-bulk")
    try:
        futures = {
            pool.submit(_attempt, request, call): index for index, (_, call) in enumerate(work)
        }
        for future in as_completed(futures):
            collector.add(futures[future], *future.result())
    finally:
        # On an unexpected error or Ctrl-C, items not started yet are not sent at all.
        pool.shutdown(wait=True, cancel_futures=True)
        collector.close()
    return collector.result()


async def run_tasks(
    request: Callable[[Call[T]], Awaitable[T]],
    work: Sequence[tuple[I, Call[T]]],
    *,
    concurrency: int,
    progress: Progress,
    label: str,
) -> BulkResult[I, T]:
    """Run `work` on `concurrency` tasks sharing one async client (asyncio or trio).

    Each task takes the next item when it is done with one, so no more than `concurrency` calls
    are in flight and no task waits on a semaphore.
    """
    import anyio

    collector = _Collector(work, progress, label)
    queue = iter(enumerate(work))

    async def worker() -> None:
        for index, (_, call) in queue:
            try:
                result, error = await request(call), None
            except NixflexError as exc:
                result, error = None, exc
            collector.add(index, result, error)

    try:
        async with anyio.create_task_group() as group:
            for _ in range(min(concurrency, len(work))):
                group.start_soon(worker)
    except BaseExceptionGroup as group_error:
        # Not an item's failure (those are kept) but a bug or an interrupt: raise it as such.
        if len(group_error.exceptions) == 1:
            raise group_error.exceptions[0] from None
        raise
    finally:
        collector.close()
    return collector.result()
