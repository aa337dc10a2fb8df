"""Properties over a real socket, checked by hypothesis on both clients.

- Any string as a path parameter is either refused with `ValueError` before anything is sent, or
  reaches the server as exactly one percent-encoded segment that decodes back to itself (never
  `.` or `..`, never a `/`, `?` or `#` that would add a segment or a query).
- Any mix of snake_case, camelCase and unknown keys in a valid answer parses to the same model.
- Any JSON at all, and any bytes at all, as a success body end in the call's result or in
  `APIResponseValidationError`, never in another exception.

Hypothesis bodies cannot await, so each test makes its own server and a client of each kind, and
drives the async one on an event loop of its own (`Clients`).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nixflex
from tests.loopback import LoopbackServer, Recorded, Reply
from tests.reliability.calls import BODY_READERS, ENDPOINTS
from tests.support import API_KEY, AnyClient, collect, run

pytestmark = [pytest.mark.reliability, pytest.mark.anyio]

KINDS = st.sampled_from(["sync", "async"])
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class Clients:
    """A `Client` and an `AsyncClient` on one server, callable from a hypothesis body."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        options: dict[str, Any] = {"api_key": API_KEY, "base_url": url, "timeout": 5.0}
        self._sync = nixflex.Client(max_retries=0, **options)
        self._async = nixflex.AsyncClient(max_retries=0, **options)

    def run(self, kind: str, invoke: Callable[[AnyClient], Awaitable[object]]) -> object:
        """What `invoke` gives with the client of `kind` (it raises what the call raises)."""
        client = self._sync if kind == "sync" else self._async
        return self._loop.run_until_complete(invoke(client))

    def close(self) -> None:
        self._sync.close()
        self._loop.run_until_complete(self._async.aclose())
        self._loop.close()


@contextmanager
def serving(handler: Callable[[Recorded], Reply]) -> Iterator[tuple[LoopbackServer, Clients]]:
    with LoopbackServer(handler) as server:
        clients = Clients(server.url)
        try:
            yield server, clients
        finally:
            clients.close()
    if server.errors:
        raise server.errors[0]


# --- path parameters -----------------------------------------------------------------------------

# Where a path parameter goes: the call, and the raw path around its segment.
PATH_CALLS: dict[str, tuple[Callable[[AnyClient, str], Awaitable[object]], str, str]] = {
    "phone_numbers.update": (
        lambda client, value: run(client.phone_numbers.update(value, custom_prompt=None)),
        "/v1/phone-numbers/",
        "",
    ),
    "phone_numbers.delete": (
        lambda client, value: run(client.phone_numbers.delete(value)),
        "/v1/phone-numbers/",
        "",
    ),
    "numbers.release": (
        lambda client, value: run(client.numbers.release(value)),
        "/v1/numbers/",
        "",
    ),
    "numbers.messages.list": (
        lambda client, value: collect(client.numbers.messages.list(value)),
        "/v1/numbers/",
        "/messages",
    ),
}

# Any text, lone surrogates included, and the strings a path is most easily broken with.
TRICKY = [".", "..", "...", "/", "//", "?", "#", "%", "%2e", "%2E%2E", "..%2F", "a/../b", "./", " "]
PATH_VALUES = st.one_of(
    st.text(st.characters(exclude_categories=())),
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from([*TRICKY, "a", "+44", "\u3000", "\ud800", "é"]), max_size=4).map(
        "".join
    ),
)
# Unreserved characters and percent-escapes only: nothing that ends a segment or starts a query.
ONE_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*")


def answer_any_path_call(request: Recorded) -> Reply:
    if request.method == "PATCH":
        return Reply.json({"phone_number": {"phone_number": "+1", "agent_id": "agent_1"}})
    if request.method == "GET":
        return Reply.json({"data": [], "hasMore": False})
    return Reply.empty(204)


def must_be_refused(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True  # a lone surrogate: not text a URL can carry
    return not value.strip() or value in (".", "..")


def test_any_string_as_a_path_parameter_is_refused_or_travels_as_one_segment() -> None:
    with serving(answer_any_path_call) as (server, clients):

        @PROPERTY
        @given(value=PATH_VALUES, call=st.sampled_from(sorted(PATH_CALLS)), kind=KINDS)
        def check(value: str, call: str, kind: str) -> None:
            invoke, prefix, suffix = PATH_CALLS[call]
            before = len(server.requests)
            try:
                clients.run(kind, lambda client: invoke(client, value))
            except ValueError:
                assert must_be_refused(value), f"{value!r} was refused"
                assert len(server.requests) == before, "refused, yet something was sent"
                return
            assert not must_be_refused(value), f"{value!r} was sent"
            [request] = server.requests[before:]
            assert request.path.startswith(prefix)
            assert request.path.endswith(suffix)
            raw = request.path[len(prefix) : len(request.path) - len(suffix)]
            assert ONE_SEGMENT.fullmatch(raw), f"{value!r} went out as {raw!r}"
            assert raw not in (".", "..")
            assert unquote(raw, errors="strict") == value
            if call == "numbers.messages.list":
                assert request.query == "limit=50"
            else:
                assert request.query == ""

        check()
        assert len(server.requests) >= 30, "most examples must reach the socket"


# --- casing and unknown keys ---------------------------------------------------------------------

UTC = timezone.utc
MODELS: dict[str, type[Any]] = {
    "PhoneNumber": nixflex.PhoneNumber,
    "Number": nixflex.Number,
    "Message": nixflex.Message,
}
# Where each model comes back: the call, and how its answer wraps one or more objects.
ENVELOPES: dict[str, list[tuple[str, Callable[[list[dict[str, Any]]], Any], bool]]] = {
    "PhoneNumber": [
        ("phone_numbers.create", lambda items: {"phone_number": items[0]}, False),
        ("phone_numbers.create", lambda items: {"phoneNumber": items[0]}, False),
        ("phone_numbers.update", lambda items: {"data": items[0]}, False),
        ("phone_numbers.update", lambda items: items[0], False),
        ("phone_numbers.list", lambda items: {"phone_numbers": items}, True),
        ("phone_numbers.list", lambda items: {"data": items, "total": len(items)}, True),
        ("phone_numbers.list", lambda items: items, True),
    ],
    "Number": [
        ("numbers.create", lambda items: items[0], False),
        ("numbers.create", lambda items: {"number": items[0]}, False),
        ("numbers.list", lambda items: {"data": items, "hasMore": False}, True),
        ("numbers.list", lambda items: {"data": items, "has_more": False, "next": None}, True),
    ],
    "Message": [
        ("numbers.messages.list", lambda items: {"data": items, "hasMore": False}, True),
    ],
}
# Keys an unknown key must not be: a field's own names, and the envelopes' (see
# test_an_unknown_key_named_like_an_envelope_does_not_hide_a_bare_object for why).
ENVELOPE_KEYS = {"data", "number", "phone_number", "phoneNumber", "phone_numbers", "phoneNumbers"}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)


def spellings(field: attrs.Attribute[Any]) -> tuple[str, ...]:
    """The keys the API may send a field under, written out here rather than asked of the SDK
    (a test that used the converter's own list would agree with any converter): snake_case,
    camelCase, and for a message's sender `from` as well as `from_`."""
    head, *rest = field.name.rstrip("_").split("_")
    camel = head + "".join(part.title() for part in rest)
    extra = ("from",) if field.name == "from_" else ()
    return tuple(dict.fromkeys((field.name, camel, *extra)))


def _timestamp_texts(value: datetime) -> st.SearchStrategy[str]:
    """The ways the API may write one instant: `Z`, `+00:00`, another offset, with fractions."""
    shifted = [value.astimezone(timezone(timedelta(hours=h))) for h in (-5, 0, 1, 14)]
    texts = [v.isoformat() for v in shifted] + [value.isoformat().replace("+00:00", "Z")]
    return st.sampled_from(texts)


@st.composite
def field_values(draw: st.DrawFn, field: attrs.Attribute[Any]) -> tuple[object, object]:
    """A valid value for `field`: (as the model holds it, as the JSON carries it)."""
    optional = field.default is None
    if optional and draw(st.booleans()):
        return None, None
    if "datetime" in str(field.type):
        when = draw(
            st.datetimes(
                min_value=datetime(1971, 1, 1),
                max_value=datetime(2100, 1, 1),
                timezones=st.just(UTC),
            )
        )
        return when, draw(_timestamp_texts(when))
    if "bool" in str(field.type):
        flag = draw(st.booleans())
        return flag, flag
    if "float" in str(field.type):
        number = draw(st.floats(allow_nan=False, allow_infinity=False))
        return number, number
    text = draw(st.text(max_size=20))
    return text, text


@st.composite
def model_objects(draw: st.DrawFn, name: str) -> tuple[Any, dict[str, Any]]:
    """A model and one JSON object for it, each field under a spelling of its own (or all of
    them), optional fields sometimes left out, and unknown keys around them."""
    cls = MODELS[name]
    fields = attrs.fields(cls)
    reserved = {wire for field in fields for wire in spellings(field)} | ENVELOPE_KEYS
    values: dict[str, object] = {}
    data: dict[str, Any] = {}
    for field in fields:
        value, wire_value = draw(field_values(field))
        values[field.name] = value
        if value is None and draw(st.booleans()):
            continue  # an optional field left out reads as None too
        names = spellings(field)
        chosen = draw(st.sampled_from([*([name] for name in names), list(names)]))
        for spelling in chosen:
            data[spelling] = wire_value
    extra = draw(
        st.dictionaries(
            st.text(max_size=12).filter(lambda k: k not in reserved), JSON_VALUES, max_size=4
        )
    )
    merged = list({**extra, **data}.items())
    order = draw(st.permutations(range(len(merged))))
    return cls(**values), {merged[i][0]: merged[i][1] for i in order}


@pytest.mark.parametrize("model", MODELS)
def test_any_mix_of_casings_and_unknown_keys_parses_to_the_same_model(model: str) -> None:
    answers: list[Reply] = []
    with serving(lambda request: answers.pop()) as (_, clients):

        @PROPERTY
        @given(
            # Ids apart: a page that repeats a message's id yields it once, by design.
            objects=st.lists(
                model_objects(model),
                min_size=1,
                max_size=3,
                unique_by=lambda pair: str(getattr(pair[0], "id", id(pair))),
            ),
            envelope=st.sampled_from(ENVELOPES[model]),
            kind=KINDS,
        )
        def check(
            objects: list[tuple[Any, dict[str, Any]]],
            envelope: tuple[str, Callable[[list[dict[str, Any]]], Any], bool],
            kind: str,
        ) -> None:
            endpoint, wrap, many = envelope
            expected = [obj for obj, _ in objects] if many else objects[0][0]
            answers.append(Reply.json(wrap([data for _, data in objects])))
            assert clients.run(kind, ENDPOINTS[endpoint].invoke) == expected

        check()


@pytest.mark.parametrize(
    ("endpoint", "answer"),
    [
        ("numbers.create", {**json.loads(ENDPOINTS["numbers.create"].success.body), "number": {}}),
        ("numbers.create", {**json.loads(ENDPOINTS["numbers.create"].success.body), "data": []}),
        (
            "phone_numbers.update",
            {"phone_number": "+447446466847", "agent_id": "agent_1", "data": {"v": 2}},
        ),
    ],
    ids=["number-key", "data-key", "update-data-key"],
)
def test_an_unknown_key_named_like_an_envelope_does_not_hide_a_bare_object(
    endpoint: str, answer: dict[str, Any]
) -> None:
    with serving(lambda request: Reply.json(answer)) as (_, clients):
        result = clients.run("sync", ENDPOINTS[endpoint].invoke)
    assert isinstance(result, (nixflex.Number, nixflex.PhoneNumber))


# --- any body at all -----------------------------------------------------------------------------


@st.composite
def near_miss_bodies(draw: st.DrawFn) -> object:
    """JSON shaped almost like an answer: the right keys and envelopes, any values."""
    keys = sorted(
        {
            wire
            for cls in MODELS.values()
            for field in attrs.fields(cls)
            for wire in spellings(field)
        }
    )
    item = draw(st.dictionaries(st.sampled_from(keys), JSON_VALUES, max_size=8))
    items = draw(st.lists(st.just(item) | JSON_VALUES, max_size=3))
    envelope = draw(st.sampled_from([*sorted(ENVELOPE_KEYS), "phone_numbers", None]))
    body: object = items if draw(st.booleans()) else item
    if envelope is not None:
        body = {envelope: body, "hasMore": draw(JSON_VALUES)}
    return body


def test_any_success_body_ends_in_a_result_or_a_validation_error() -> None:
    answers: list[Reply] = []

    def answer(request: Recorded) -> Reply:
        # Any page after the first (a body that says there is more) is an empty last page.
        return answers.pop() if answers else Reply.json({"data": [], "hasMore": False})

    with serving(answer) as (_, clients):

        @PROPERTY
        @given(
            body=st.one_of(
                JSON_VALUES.map(lambda value: json.dumps(value).encode()),
                near_miss_bodies().map(lambda value: json.dumps(value).encode()),
                st.binary(max_size=64),
            ),
            endpoint=st.sampled_from(BODY_READERS),
            kind=KINDS,
        )
        def check(body: bytes, endpoint: str, kind: str) -> None:
            answers.append(Reply(200, body, {"Content-Type": "application/json"}))
            failure: nixflex.NixflexError | None = None
            try:
                clients.run(kind, ENDPOINTS[endpoint].invoke)
            except nixflex.NixflexError as error:
                failure = error
            if isinstance(failure, nixflex.APIResponseValidationError):
                assert failure.status_code == 200
            elif failure is not None:
                # Paging that stops moving is its own NixflexError, by design.
                assert "stopped moving" in str(failure)

        check()


def test_the_property_harness_reaches_the_socket() -> None:
    # The hypothesis bodies above would pass vacuously if nothing were ever sent: by hand, one
    # call on each client reaches the server and brings its model back.
    create = ENDPOINTS["numbers.create"]
    with serving(lambda request: create.success) as (server, clients):
        assert clients.run("sync", create.invoke) == create.result
        assert clients.run("async", create.invoke) == create.result
    assert [r.method for r in server.requests] == ["POST", "POST"]
