"""Every call of the API as the reliability tests drive it, with the answer that makes it succeed.

The `tests/reliability/test_*` modules run the same faults and malformed answers against each of
these calls, on both clients, over the loopback server (`tests/loopback.py`). Each `Endpoint`
knows its method, the raw path the server sees, a documented success answer and what the call
then returns, so a test can say "this call, answered so, ends so" without a table of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

import nixflex
from tests.loopback import Reply
from tests.support import TWILIO_SID, TWILIO_TOKEN, AnyClient, collect, run

__all__ = [
    "BODY_READERS",
    "ENDPOINTS",
    "IDEMPOTENT",
    "MESSAGE",
    "NUMBER",
    "PHONE",
    "POSTS",
    "Endpoint",
    "captured_records",
    "patch_sleeps",
]

PHONE_E164 = "+447446466847"
NUMBER_ID = "num_1"

PHONE_JSON = {
    "phone_number": PHONE_E164,
    "agent_id": "agent_1",
    "twilio_number_sid": "PN" + "0" * 32,
    "inbound_enabled": True,
    "outbound_enabled": False,
    "custom_prompt": "Open 9-5",
    "created_at": "2025-01-02T03:04:05Z",
}
PHONE = nixflex.PhoneNumber(
    phone_number=PHONE_E164,
    agent_id="agent_1",
    twilio_number_sid="PN" + "0" * 32,
    inbound_enabled=True,
    outbound_enabled=False,
    custom_prompt="Open 9-5",
    created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
)
NUMBER_JSON = {
    "id": NUMBER_ID,
    "phoneNumber": "+15550001111",
    "country": "US",
    "status": "active",
    "agentId": "agent_1",
    "createdAt": "2025-01-02T03:04:05+00:00",
}
NUMBER = nixflex.Number(
    id=NUMBER_ID,
    phone_number="+15550001111",
    country="US",
    status="active",
    agent_id="agent_1",
    created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
)
MESSAGE_JSON = {
    "id": "msg_1",
    "from": "+15551234567",
    "to": "+15550001111",
    "body": "hello",
    "receivedAt": "2025-01-02T03:04:05Z",
}
MESSAGE = nixflex.Message(
    id="msg_1",
    from_="+15551234567",
    to="+15550001111",
    body="hello",
    received_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
)


@dataclass(frozen=True)
class Endpoint:
    """One API call: how to make it, where it goes, and a success answer and its result.

    Attributes:
        method: the HTTP method.
        path: the raw path the server receives (percent-encoding intact, no query).
        invoke: makes the call on either client; awaited, it gives the call's result (a
            paginator's every item).
        success: a documented answer that makes the call succeed.
        result: what the call returns given `success`.
        reads_body: whether the call reads the answer's body (`delete`/`release` ignore it).
    """

    method: str
    path: str
    invoke: Callable[[AnyClient], Awaitable[object]]
    success: Reply
    result: object
    reads_body: bool = True


async def _create_number(client: AnyClient) -> object:
    return await run(client.numbers.create(country="GB", agent_id="agent_1"))


async def _import_number(client: AnyClient) -> object:
    return await run(
        client.phone_numbers.create(
            phone_number=PHONE_E164,
            twilio_sid=TWILIO_SID,
            twilio_token=TWILIO_TOKEN,
            agent_id="agent_1",
        )
    )


async def _list_phone_numbers(client: AnyClient) -> object:
    return await run(client.phone_numbers.list())


async def _update_profile(client: AnyClient) -> object:
    return await run(client.phone_numbers.update(PHONE_E164, custom_prompt="Open 9-5"))


async def _delete_phone_number(client: AnyClient) -> object:
    return await run(client.phone_numbers.delete(PHONE_E164))


async def _list_numbers(client: AnyClient) -> object:
    return await collect(client.numbers.list(limit=20))


async def _release_number(client: AnyClient) -> object:
    return await run(client.numbers.release(NUMBER_ID))


async def _list_messages(client: AnyClient) -> object:
    return await collect(client.numbers.messages.list(NUMBER_ID, limit=50))


ENDPOINTS: dict[str, Endpoint] = {
    "numbers.create": Endpoint(
        "POST", "/v1/numbers", _create_number, Reply.json(NUMBER_JSON, 201), NUMBER
    ),
    "phone_numbers.create": Endpoint(
        "POST",
        "/v1/phone-numbers",
        _import_number,
        Reply.json({"phone_number": PHONE_JSON}, 201),
        PHONE,
    ),
    "phone_numbers.list": Endpoint(
        "GET",
        "/v1/phone-numbers",
        _list_phone_numbers,
        Reply.json({"phone_numbers": [PHONE_JSON]}),
        [PHONE],
    ),
    "phone_numbers.update": Endpoint(
        "PATCH",
        "/v1/phone-numbers/%2B447446466847",
        _update_profile,
        Reply.json({"phone_number": PHONE_JSON}),
        PHONE,
    ),
    "phone_numbers.delete": Endpoint(
        "DELETE",
        "/v1/phone-numbers/%2B447446466847",
        _delete_phone_number,
        Reply.empty(204),
        None,
        reads_body=False,
    ),
    "numbers.list": Endpoint(
        "GET",
        "/v1/numbers",
        _list_numbers,
        Reply.json({"data": [NUMBER_JSON], "hasMore": False}),
        [NUMBER],
    ),
    "numbers.release": Endpoint(
        "DELETE", f"/v1/numbers/{NUMBER_ID}", _release_number, Reply.empty(204), None, False
    ),
    "numbers.messages.list": Endpoint(
        "GET",
        f"/v1/numbers/{NUMBER_ID}/messages",
        _list_messages,
        Reply.json({"data": [MESSAGE_JSON], "hasMore": False}),
        [MESSAGE],
    ),
}

POSTS = [name for name, endpoint in ENDPOINTS.items() if endpoint.method == "POST"]
IDEMPOTENT = [name for name, endpoint in ENDPOINTS.items() if endpoint.method != "POST"]
BODY_READERS = [name for name, endpoint in ENDPOINTS.items() if endpoint.reads_body]


def patch_sleeps(
    monkeypatch: pytest.MonkeyPatch, hook: Callable[[int], None] | None = None
) -> list[float]:
    """Record the clients' retry delays instead of sleeping; `hook(n)` runs at the n-th one.

    Like the `sleeps` fixture, with a hook: a test can change the world between two attempts
    (start listening on a port that refused the first).
    """
    delays: list[float] = []

    def sleep(seconds: float) -> None:
        delays.append(seconds)
        if hook is not None:
            hook(len(delays))

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    monkeypatch.setattr(nixflex.Client, "_sleep", staticmethod(sleep))
    monkeypatch.setattr(nixflex.AsyncClient, "_sleep", staticmethod(async_sleep))
    return delays


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def captured_records(*names: str) -> Iterator[list[logging.LogRecord]]:
    """Every record of the loggers `names` at DEBUG and above while inside, whatever the
    configuration (their levels are restored after)."""
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
