"""Caller context: what the agent knows about one caller of one of your numbers.

`/v1/phone-numbers/{n}/callers/{caller}` (`GET`, `PUT`, `DELETE`) and
`/v1/phone-numbers/{n}/callers/import` (`POST`, up to 1,000 rows, all checked by the API before
any is written).
"""

# No `from __future__ import annotations`: `CallerRow`'s `Required[...]` must be evaluated for
# `CallerRow.__required_keys__` to name `caller_number` at run time.
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import httpx
from typing_extensions import Required, TypedDict

from .._checks import NOT_GIVEN, given, not_blank, segment
from .._core import Call, decode_json, parse_nothing, structure, unwrap
from ..models import Caller
from ._base import AsyncResource, SyncResource

__all__ = ["MAX_IMPORT_ROWS", "AsyncCallers", "CallerRow", "Callers"]

MAX_IMPORT_ROWS: Final = 1_000
"""The most rows one `import_many` may send; the API refuses a longer list whole."""

# The context fields a request may carry; their values are text, or `None` to remove one.
CONTEXT_FIELDS: Final = ("name", "email", "phone", "location", "reference_id", "preference")
# Written by the engine after calls: the API answers `engine_only_field` to a request with them.
ENGINE_FIELDS: Final = ("last_call", "open_item")


class CallerRow(TypedDict, total=False):
    """One row of `callers.import_many`: a caller's number and any of their context fields.

    A plain dict with these keys, e.g.
    `{"caller_number": "+447700900123", "name": "Ada Lovelace", "reference_id": "crm_1042"}`.
    A field left out is kept as it is; `None` removes it.
    """

    caller_number: Required[str]
    name: str | None
    email: str | None
    phone: str | None
    location: str | None
    reference_id: str | None
    preference: str | None


def _caller_path(phone_number: str, caller_number: str) -> str:
    number = segment(phone_number, "phone_number")
    return f"/v1/phone-numbers/{number}/callers/{segment(caller_number, 'caller_number')}"


def _import_path(phone_number: str) -> str:
    return f"/v1/phone-numbers/{segment(phone_number, 'phone_number')}/callers/import"


def _context(fields: Mapping[str, object], where: str) -> dict[str, object]:
    """`fields` if each is a context field with text or `None`; else `TypeError`.

    `where` prefixes a field's name in a message: `""` for `set`'s arguments, `"callers[3]."`
    for a row of an import.
    """
    engine = [f"{where}{name}" for name in ENGINE_FIELDS if name in fields]
    if engine:
        raise TypeError(
            f"{', '.join(engine)}: written by Nixflex's engine only, never by a request "
            "(the API would answer engine_only_field)"
        )
    unknown = sorted(str(name) for name in fields if name not in CONTEXT_FIELDS)
    if unknown:
        place = f"{where.rstrip('.')}: " if where else ""
        raise TypeError(f"{place}unknown fields {unknown}; known: {list(CONTEXT_FIELDS)}")
    for name, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{where}{name} must be a str or None, got {type(value).__name__}")
    return dict(fields)


def _parse_caller(phone_number: str, caller_number: str) -> Callable[[httpx.Response], Caller]:
    def parse(response: httpx.Response) -> Caller:
        data: Any = unwrap(decode_json(response), ("caller", "data"))
        # Without its `context` an answer is not a caller: reading it as one with nothing kept
        # would tell the user something the API did not say.
        if not isinstance(data, dict) or "context" not in data:
            raise TypeError("caller: expected an object with its context")
        # The numbers are in the path: an answer that leaves them out still names them.
        data = {"phone_number": phone_number, "caller_number": caller_number, **data}
        if data["context"] is None:
            data["context"] = {}
        return structure(data, Caller)

    return parse


def _get_call(phone_number: str, caller_number: str) -> Call[Caller]:
    path = _caller_path(phone_number, caller_number)
    return Call("GET", path, _parse_caller(phone_number, caller_number))


def _set_call(phone_number: str, caller_number: str, fields: Mapping[str, object]) -> Call[Caller]:
    path = _caller_path(phone_number, caller_number)
    body = _context(fields, "")
    if not body:
        raise ValueError(
            f"pass at least one context field to set ({', '.join(CONTEXT_FIELDS)}); "
            "None removes one"
        )
    return Call("PUT", path, _parse_caller(phone_number, caller_number), body=body)


def _delete_call(phone_number: str, caller_number: str) -> Call[None]:
    path = _caller_path(phone_number, caller_number)
    return Call("DELETE", path, parse_nothing, gone=("caller_not_found",))


def _import_call(
    phone_number: str, rows: Iterable[CallerRow | Mapping[str, Any]]
) -> Call[int] | None:
    """The import of `rows`, each checked (and the count) before anything is sent; `None` for
    no rows, which need no request."""
    path = _import_path(phone_number)
    if isinstance(rows, (str, bytes, Mapping)):
        raise TypeError("rows must be a list of dicts, one per caller")
    callers: list[dict[str, object]] = []
    for index, row in enumerate(rows):
        if len(callers) == MAX_IMPORT_ROWS:
            # Counted while reading, so a generator of a million rows is not read to the end.
            raise ValueError(
                f"rows holds more than {MAX_IMPORT_ROWS:,} callers, the most one import may "
                f"carry; send them in batches of {MAX_IMPORT_ROWS:,}"
            )
        # Named as in the body (`callers[3].name`), as the API names a row in its errors.
        where = f"callers[{index}]"
        if not isinstance(row, Mapping):
            raise TypeError(f"{where}: expected a dict, got {type(row).__name__}")
        if "caller_number" not in row:
            raise TypeError(f"{where}: missing key 'caller_number'")
        fields = {key: value for key, value in row.items() if key != "caller_number"}
        caller_number = not_blank(row["caller_number"], f"{where}.caller_number")
        callers.append({"caller_number": caller_number, **_context(fields, f"{where}.")})
    if not callers:
        return None

    def parse(response: httpx.Response) -> int:
        data = decode_json(response)
        imported = data.get("imported") if isinstance(data, dict) else None
        if isinstance(imported, bool) or not isinstance(imported, int):
            raise TypeError(f"imported: expected an integer, got {type(imported).__name__}")
        if imported < 0:
            raise ValueError(f"imported: expected a count, got {imported}")
        return imported

    return Call("POST", path, parse, body={"callers": callers})


class Callers(SyncResource):
    """What your agents know about the people who call your numbers (`client.callers`).

    Context is kept per number and per caller: the same person calling two of your numbers
    has two contexts. The agent reads it at the start of each of that caller's calls.
    """

    def get(self, phone_number: str, caller_number: str) -> Caller:
        """The context kept for `caller_number` on your number `phone_number`.

        Args:
            phone_number: your number, in E.164 form (`"+447446466847"`).
            caller_number: the caller's number, in E.164 form.

        Raises:
            CallerNotFoundError: nothing is kept for this caller on this number.
            NumberNotFoundError: no number of yours is `phone_number`.
            ValueError: a number is blank, `.` or `..` (before sending).

        Example:
            ```python
            caller = client.callers.get("+447446466847", "+447700900123")
            print(caller.context.name, caller.context.last_call)
            ```
        """
        return self._client._request(_get_call(phone_number, caller_number))

    def set(
        self,
        phone_number: str,
        caller_number: str,
        *,
        name: str | None = NOT_GIVEN,
        email: str | None = NOT_GIVEN,
        phone: str | None = NOT_GIVEN,
        location: str | None = NOT_GIVEN,
        reference_id: str | None = NOT_GIVEN,
        preference: str | None = NOT_GIVEN,
    ) -> Caller:
        """Write context fields for a caller (creating their context if there is none yet).

        Only the fields you pass are sent (`PUT`); the others keep their values, and `None`
        removes one. `last_call` and `open_item` are the engine's and cannot be set. Takes
        effect on the caller's next call. Safe to retry: the SDK retries it by itself after a
        connection failure, a 5xx or a 429.

        Args:
            phone_number: your number, in E.164 form.
            caller_number: the caller's number, in E.164 form.
            name: their name.
            email: their email address.
            phone: another number to reach them on.
            location: where they are.
            reference_id: their id in your own system.
            preference: how they like to be served.

        Returns:
            The caller with their whole context as it now is.

        Raises:
            ValueError: no field was passed, or a number is blank (before sending).
            TypeError: a value is not a `str` or `None` (before sending).
            NumberNotFoundError: no number of yours is `phone_number`.
            InvalidPhoneFormatError: `caller_number` is not in E.164 form.

        Example:
            ```python
            client.callers.set("+447446466847", "+447700900123", name="Ada", preference=None)
            ```
        """
        fields = given(
            name=name,
            email=email,
            phone=phone,
            location=location,
            reference_id=reference_id,
            preference=preference,
        )
        return self._client._request(_set_call(phone_number, caller_number, fields))

    def delete(self, phone_number: str, caller_number: str) -> None:
        """Forget everything kept for a caller on this number, the engine's notes included.

        Safe to retry: when the answer to an attempt is lost and the retry finds the context
        already gone, the delete counts as done.

        Raises:
            CallerNotFoundError: nothing is kept for this caller on this number.
            NumberNotFoundError: no number of yours is `phone_number`.
        """
        return self._client._request(_delete_call(phone_number, caller_number))

    def import_many(self, phone_number: str, rows: Iterable[CallerRow | Mapping[str, Any]]) -> int:
        """Write the context of many callers of one number in one request; returns how many
        the API imported.

        Each row is a dict with `caller_number` and any of the fields `set` takes (see
        `CallerRow`); a field left out keeps its value, `None` removes it. The API checks every
        row before it writes any: one bad row fails the whole import and nothing changes.
        No rows: nothing is sent, and the answer is 0.

        This is a `POST`: it is never sent twice once it may have reached the API (see the
        retries guide). Importing the same rows again writes the same values, so you can run
        it again yourself after an `APIConnectionError`.

        Args:
            phone_number: your number, in E.164 form.
            rows: at most 1,000 dicts (`nixflex.resources.callers.MAX_IMPORT_ROWS`); split
                longer lists into batches.

        Raises:
            ValueError: more than 1,000 rows, or a blank number (before anything is sent).
            TypeError: a row is not a dict, lacks `caller_number`, has a key that is not a
                context field (`last_call` and `open_item` included), or a value that is not
                a `str` or `None` (before anything is sent); the message names the row as
                the body does, `callers[3]`, counting from 0.
            NumberNotFoundError: no number of yours is `phone_number`.
            InvalidPhoneFormatError: a `caller_number` is not in E.164 form.

        Example:
            ```python
            rows = [
                {"caller_number": "+447700900123", "name": "Ada", "reference_id": "crm_1042"},
                {"caller_number": "+447700900456", "name": "Grace"},
            ]
            client.callers.import_many("+447446466847", rows)  # 2
            ```
        """
        call = _import_call(phone_number, rows)
        return 0 if call is None else self._client._request(call)


class AsyncCallers(AsyncResource):
    """What your agents know about the people who call your numbers (`client.callers`, async:
    every call awaited)."""

    async def get(self, phone_number: str, caller_number: str) -> Caller:
        """The context kept for a caller on your number (see `Callers.get`)."""
        return await self._client._request(_get_call(phone_number, caller_number))

    async def set(
        self,
        phone_number: str,
        caller_number: str,
        *,
        name: str | None = NOT_GIVEN,
        email: str | None = NOT_GIVEN,
        phone: str | None = NOT_GIVEN,
        location: str | None = NOT_GIVEN,
        reference_id: str | None = NOT_GIVEN,
        preference: str | None = NOT_GIVEN,
    ) -> Caller:
        """Write context fields for a caller; only those passed are sent (see `Callers.set`)."""
        fields = given(
            name=name,
            email=email,
            phone=phone,
            location=location,
            reference_id=reference_id,
            preference=preference,
        )
        return await self._client._request(_set_call(phone_number, caller_number, fields))

    async def delete(self, phone_number: str, caller_number: str) -> None:
        """Forget everything kept for a caller on this number (see `Callers.delete`)."""
        return await self._client._request(_delete_call(phone_number, caller_number))

    async def import_many(
        self, phone_number: str, rows: Iterable[CallerRow | Mapping[str, Any]]
    ) -> int:
        """Write the context of up to 1,000 callers of one number in one request; returns how
        many the API imported (see `Callers.import_many`)."""
        call = _import_call(phone_number, rows)
        return 0 if call is None else await self._client._request(call)
