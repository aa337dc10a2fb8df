"""Caller context: `/v1/phone-numbers/{n}/callers/{caller}` and `.../callers/import`.

A caller's context is kept per imported number (`State.callers`, keyed by both numbers) and
holds only the fields that are set. The checks, in order: the body (`invalid_json`; a field
the engine writes, `engine_only_field`; an unknown field or one that is not text or null,
`invalid_field`; nothing to write, `missing_field`), the caller's number (E.164, else
`invalid_phone_format`), then the phone number (`number_not_found`, another account's exactly
like a missing one) and the caller (`caller_not_found`). An import checks every row before it
writes any, and takes at most 1,000.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ._records import CallerRecord
from ._state import E164, State
from ._wire import ApiError, WireResponse, empty_response, json_object, json_response

if TYPE_CHECKING:
    from ._routes import Context, Handler

#: The fields a request may write, each text or null (null removes it).
CONTEXT_FIELDS = ("name", "email", "phone", "location", "reference_id", "preference")
#: The fields only the engine writes: a request carrying one is `engine_only_field`.
ENGINE_FIELDS = ("last_call", "open_item")
MAX_IMPORT_ROWS = 1_000


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])([A-Z])", lambda match: "_" + match[1].lower(), name)


def context_changes(body: Mapping[str, object], where: str = "") -> dict[str, object]:
    """The context fields `body` writes (either casing; the snake_case one wins), checked."""
    changes: dict[str, object] = {}
    for key in body:
        name = _snake(key)
        if name in ENGINE_FIELDS:
            raise ApiError(
                400,
                "engine_only_field",
                f"{where}{name} is written by the engine only.",
                details={"field": f"{where}{name}"},
            )
        if name not in CONTEXT_FIELDS:
            # The key is not repeated: it is text from the request.
            raise ApiError(
                400,
                "invalid_field",
                f"{where or 'The body'} has a field that is not a caller context field.",
                details={"field": where.rstrip(".") or None, "allowed": list(CONTEXT_FIELDS)},
            )
        value = body[name] if name in body else body[key]
        if value is not None and not isinstance(value, str):
            raise ApiError(
                400,
                "invalid_field",
                f"{where}{name} must be a string or null.",
                details={"field": f"{where}{name}", "expected": "string or null"},
            )
        changes[name] = value
    return changes


def _caller_number(value: object, field: str) -> str:
    if not isinstance(value, str) or not E164.fullmatch(value):
        raise ApiError(
            400,
            "invalid_phone_format",
            f"{field} must be in E.164 format, e.g. +447700900123.",
            details={"field": field, "expected": "E.164"},
        )
    return value


def _owned_number(ctx: Context) -> str:
    number = ctx.state.imported.get(ctx.params[0])
    if number is None or number.account_id != ctx.account_id:
        raise ApiError(404, "number_not_found", "No such phone number in this account.")
    return number.phone_number


def _caller(ctx: Context) -> CallerRecord:
    phone_number = _owned_number(ctx)
    record = ctx.state.callers.get((phone_number, ctx.params[1]))
    if record is None:
        raise ApiError(404, "caller_not_found", "No context is kept for that caller.")
    return record


def write(
    state: State, phone_number: str, caller_number: str, changes: Mapping[str, object]
) -> CallerRecord:
    """Apply `changes` to a caller's context (None removes a field), creating it if need be."""
    old = state.callers.get((phone_number, caller_number))
    context = dict(old.context) if old is not None else {}
    for name, value in changes.items():
        if value is None:
            context.pop(name, None)
        else:
            context[name] = value
    # Read-only: a record handed to a test must not change what the API answers.
    record = CallerRecord(phone_number, caller_number, MappingProxyType(context))
    state.callers[(phone_number, caller_number)] = record
    return record


def caller_json(record: CallerRecord) -> dict[str, object]:
    return {
        "phone_number": record.phone_number,
        "caller_number": record.caller_number,
        "context": dict(record.context),
    }


def _get_caller(ctx: Context) -> WireResponse:
    return json_response(200, {"caller": caller_json(_caller(ctx))}, ctx.request_id)


def _put_caller(ctx: Context) -> WireResponse:
    changes = context_changes(json_object(ctx.request.body))
    if not changes:
        raise ApiError(
            400,
            "missing_field",
            "Send at least one context field (send null to remove one).",
            details={"fields": list(CONTEXT_FIELDS)},
        )
    caller_number = _caller_number(ctx.params[1], "caller_number")
    record = write(ctx.state, _owned_number(ctx), caller_number, changes)
    return json_response(200, {"caller": caller_json(record)}, ctx.request_id)


def _delete_caller(ctx: Context) -> WireResponse:
    record = _caller(ctx)
    del ctx.state.callers[(record.phone_number, record.caller_number)]
    return empty_response(204, ctx.request_id)


def _import_callers(ctx: Context) -> WireResponse:
    body = json_object(ctx.request.body)
    rows = body.get("callers")
    if rows is None:
        raise ApiError(
            400, "missing_field", "callers is required.", details={"fields": ["callers"]}
        )
    if not isinstance(rows, list):
        raise ApiError(
            400,
            "invalid_field",
            "callers must be an array.",
            details={"field": "callers", "expected": "array"},
        )
    if len(rows) > MAX_IMPORT_ROWS:
        raise ApiError(
            400,
            "invalid_field",
            f"callers holds {len(rows)} rows; one import takes at most {MAX_IMPORT_ROWS}.",
            details={"field": "callers", "length": len(rows), "max_length": MAX_IMPORT_ROWS},
        )
    # Every row is checked before any is written: a bad row changes nothing.
    checked: list[tuple[str, dict[str, object]]] = []
    for index, row in enumerate(rows):
        where = f"callers[{index}]"
        if not isinstance(row, dict):
            raise ApiError(
                400,
                "invalid_field",
                f"{where} must be an object.",
                details={"field": where, "expected": "object"},
            )
        fields = {
            key: value for key, value in row.items() if key not in ("caller_number", "callerNumber")
        }
        number = row.get("caller_number", row.get("callerNumber"))
        if number is None:
            field = f"{where}.caller_number"
            raise ApiError(
                400, "missing_field", f"{field} is required.", details={"fields": [field]}
            )
        caller_number = _caller_number(number, f"{where}.caller_number")
        checked.append((caller_number, context_changes(fields, f"{where}.")))
    phone_number = _owned_number(ctx)
    for caller_number, changes in checked:
        write(ctx.state, phone_number, caller_number, changes)
    payload = {"phone_number": phone_number, "imported": len(checked)}
    return json_response(200, payload, ctx.request_id)


#: Registered in `_routes._ROUTES`. The import route comes first: `import` is no caller number.
ROUTES: tuple[tuple[tuple[str | None, ...], Mapping[str, Handler]], ...] = (
    (("v1", "phone-numbers", None, "callers", "import"), {"POST": _import_callers}),
    (
        ("v1", "phone-numbers", None, "callers", None),
        {"GET": _get_caller, "PUT": _put_caller, "DELETE": _delete_caller},
    ),
)
