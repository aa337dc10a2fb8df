"""Fixtures shared by the tests: a respx router on the API and a client of each kind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import respx

import nixflex
from tests.support import BASE_URL, KINDS, AnyClient, open_client

# The real loopback HTTP server (tests/loopback.py) and its fixtures, for every test module.
pytest_plugins = ["tests.loopback"]


# Tests whose subject does not exist over `DefaultAioHttpClient`, with why: skipped for the
# "aiohttp" kind only (each still runs for the other three).
_NOT_FOR_AIOHTTP = {
    # The pool is the test's own (`http_client=`), which the SDK never closes.
    "test_closing_closes_the_pool_and_is_safe_twice": "the SDK does not close a pool of yours",
    "test_a_closed_client_says_so": "the SDK does not close a pool of yours",
    "test_close_is_safe_to_repeat_and_a_closed_client_says_so": (
        "the SDK does not close a pool of yours"
    ),
    # It checks that httpcore's logger spoke; aiohttp has no httpcore (the canary checks on the
    # error, the client, the wire and the nixflex and httpx loggers are the same for every kind).
    "test_no_canary_leaks_from_a_call_whatever_the_server_answers": (
        "asserts httpcore's logger spoke, and aiohttp does not use httpcore"
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        reason = _NOT_FOR_AIOHTTP.get(getattr(item, "originalname", item.name))
        if reason and callspec is not None and callspec.params.get("client_kind") == "aiohttp":
            item.add_marker(pytest.mark.skip(reason=f"over DefaultAioHttpClient: {reason}"))


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """asyncio, except for the async client's second run (`client_kind` "trio"): trio."""
    if "client_kind" in request.fixturenames and request.getfixturevalue("client_kind") == "trio":
        return "trio"
    return "asyncio"


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[respx.MockRouter]:
    """The API, mocked: routes not set up by the test answer with an error.

    Mocked in httpcore, under httpx's own pool; for the "aiohttp" client kind, whose pool is
    aiohttp's, at httpx's transport instead.
    """
    using = "httpcore"
    if "client_kind" in request.fixturenames and request.getfixturevalue("client_kind") == (
        "aiohttp"
    ):
        using = "httpx"
    with respx.mock(base_url=BASE_URL, assert_all_called=False, using=using) as router:
        yield router


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The retry delays the clients asked for; nothing really sleeps."""
    delays: list[float] = []

    async def async_sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(nixflex.Client, "_sleep", staticmethod(delays.append))
    monkeypatch.setattr(nixflex.AsyncClient, "_sleep", staticmethod(async_sleep))
    return delays


@pytest.fixture(params=KINDS)
def client_kind(request: pytest.FixtureRequest) -> str:
    """Which client `open_client` makes in this run: `"sync"` (`Client`), then `"async"`
    (`AsyncClient` under asyncio), then `"trio"` (`AsyncClient` under trio), then `"aiohttp"`
    (`AsyncClient` over `DefaultAioHttpClient`, under asyncio)."""
    return str(request.param)


@pytest.fixture
async def client(
    client_kind: str, api: respx.MockRouter, sleeps: list[float]
) -> AsyncIterator[AnyClient]:
    """A client of each kind on the mocked API, with retries that do not sleep."""
    async with open_client(client_kind) as client:
        yield client
