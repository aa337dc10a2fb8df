"""Numbers provisioned through Nixflex: `/v1/numbers`, and their messages."""

from __future__ import annotations

from datetime import datetime

from .. import _time
from .._checks import not_blank, segment, whole_number
from .._core import Call, parse_model, parse_nothing
from .._pagination import AsyncPaginator, Batch, Paginator, cursor_call, offset_call
from ..models import Message, Number
from ._base import AsyncResource, SyncResource

__all__ = ["AsyncMessages", "AsyncNumbers", "Messages", "Numbers"]

_PATH = "/v1/numbers"


def _create_call(
    *, country: str = "US", agent_id: str | None = None, area_code: str | None = None
) -> Call[Number]:
    body = {"country": country}
    if agent_id is not None:
        body["agentId"] = agent_id
    if area_code is not None:
        body["areaCode"] = not_blank(area_code, "area_code")
    return Call("POST", _PATH, parse_model(Number, "number", "data"), body=body)


def _list_call(*, limit: int = 20, offset: int = 0) -> Call[Batch[Number]]:
    whole_number(limit, "limit", 1, 100)
    whole_number(offset, "offset", 0, 2**63 - 1)
    return offset_call(_PATH, Number, limit=limit, offset=offset)


def _release_call(number_id: str) -> Call[None]:
    path = f"{_PATH}/{segment(number_id, 'number_id')}"
    return Call("DELETE", path, parse_nothing, gone=("number_not_found", "phone_number_not_found"))


def _messages_call(
    number_id: str,
    *,
    limit: int = 50,
    before: datetime | str | None = None,
    after: datetime | str | None = None,
) -> Call[Batch[Message]]:
    return cursor_call(
        f"{_PATH}/{segment(number_id, 'number_id')}/messages",
        limit=whole_number(limit, "limit", 1, 200),
        before=None if before is None else _time.rfc3339(before, "before"),
        after=None if after is None else _time.rfc3339(after, "after"),
        # From the first page on, a message newer than `before` is not yielded.
        cursor=None if before is None else _time.instant(before),
    )


class Messages(SyncResource):
    """The SMS history of provisioned numbers (`client.numbers.messages`)."""

    def list(
        self,
        number_id: str,
        *,
        limit: int = 50,
        before: datetime | str | None = None,
        after: datetime | str | None = None,
    ) -> Paginator[Message]:
        """A number's messages, newest first, paged by time as you iterate.

        Args:
            number_id: the provisioned number's id (`num_…`).
            limit: messages per page, 1 to 200.
            before: only messages received before this instant: a `datetime` (a naive one is
                UTC; sent as `...Z`) or an ISO 8601 string (sent as given).
            after: only messages received after this instant; kept on every page.

        Nothing is fetched until you iterate. Released numbers keep their history.

        Raises:
            ValueError: `limit` is out of range or `number_id` is blank (before any request).
            TypeError: `before` or `after` is neither a `datetime` nor a string.
            NumberNotFoundError: no number of yours has this id (when the first page is fetched).
        """
        return Paginator(
            self._client, _messages_call(number_id, limit=limit, before=before, after=after)
        )


class Numbers(SyncResource):
    """Numbers provisioned (bought) through Nixflex (`client.numbers`)."""

    @property
    def messages(self) -> Messages:
        """The SMS history of these numbers."""
        return Messages(self._client)

    def create(
        self, *, country: str = "US", agent_id: str | None = None, area_code: str | None = None
    ) -> Number:
        """Buy a new SMS-enabled number. **This costs money.**

        The request is never sent twice where the first may have landed (a retried create could
        buy two numbers): after a timeout or a dropped connection you get `APIConnectionError`;
        list your numbers before trying again. It is retried only where it cannot have been
        processed (no connection was made, or the API answered 429).

        Args:
            country: two-letter country code, e.g. `"GB"`.
            agent_id: attach the number to this agent straight away.
            area_code: a number in this area code (e.g. `"415"`), where the country has them.

        Raises:
            AgentNotFoundError: no agent has this id.
            AgentNotOwnedError: the agent belongs to another account.
            BadRequestError: the API refused an argument (e.g. `country` is not two letters).
        """
        return self._client._request(
            _create_call(country=country, agent_id=agent_id, area_code=area_code)
        )

    def list(self, *, limit: int = 20, offset: int = 0) -> Paginator[Number]:
        """Your provisioned numbers, paged by offset as you iterate.

        Nothing is fetched until you iterate. A released number may still be listed, with
        `status == "released"`.

        Args:
            limit: numbers per page, 1 to 100.
            offset: how many numbers to skip first.

        Raises:
            ValueError: `limit` or `offset` is out of range (before any request).
        """
        return Paginator(self._client, _list_call(limit=limit, offset=offset))

    def release(self, number_id: str) -> None:
        """Release a number back to the carrier. **Irreversible**: it cannot be recovered.

        The number's messages and conversation history are kept for audit.
        When the answer to an attempt is lost and the retry finds the number gone, the release
        counts as done.

        Raises:
            NumberNotFoundError: no number of yours has this id.
            ValueError: `number_id` is blank (raised before anything is sent).
        """
        return self._client._request(_release_call(number_id))


class AsyncMessages(AsyncResource):
    """The SMS history of provisioned numbers (`client.numbers.messages`, async)."""

    def list(
        self,
        number_id: str,
        *,
        limit: int = 50,
        before: datetime | str | None = None,
        after: datetime | str | None = None,
    ) -> AsyncPaginator[Message]:
        """A number's messages, newest first: `async for` them (see `Messages.list`)."""
        return AsyncPaginator(
            self._client, _messages_call(number_id, limit=limit, before=before, after=after)
        )


class AsyncNumbers(AsyncResource):
    """Numbers provisioned (bought) through Nixflex (`client.numbers`, async).

    Each method is the awaitable twin of the same method of `Numbers`; see there for arguments
    and errors.
    """

    @property
    def messages(self) -> AsyncMessages:
        """The SMS history of these numbers."""
        return AsyncMessages(self._client)

    async def create(
        self, *, country: str = "US", agent_id: str | None = None, area_code: str | None = None
    ) -> Number:
        """Buy a new number. **This costs money**; never sent twice (see `Numbers.create`)."""
        return await self._client._request(
            _create_call(country=country, agent_id=agent_id, area_code=area_code)
        )

    def list(self, *, limit: int = 20, offset: int = 0) -> AsyncPaginator[Number]:
        """Your provisioned numbers: `async for` them, or `await` for the first page."""
        return AsyncPaginator(self._client, _list_call(limit=limit, offset=offset))

    async def release(self, number_id: str) -> None:
        """Release a number. **Irreversible**; its messages are kept (see `Numbers.release`)."""
        return await self._client._request(_release_call(number_id))
