"""Fixtures shared by the tests: a respx router on the API and a client of each kind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import respx

import nixflex
from tests.support import API_KEY, BASE_URL, AnyClient

# The real loopback HTTP server (tests/loopback.py) and its fixtures, for every test module.
pytest_plugins = ["tests.loopback"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """The API, mocked: routes not set up by the test answer with an error."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
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


@pytest.fixture(params=["sync", "async"])
async def client(
    request: pytest.FixtureRequest, api: respx.MockRouter, sleeps: list[float]
) -> AsyncIterator[AnyClient]:
    """A client of each kind on the mocked API, with retries that do not sleep."""
    if request.param == "sync":
        with nixflex.Client(api_key=API_KEY, base_url=BASE_URL) as sync_client:
            yield sync_client
    else:
        async with nixflex.AsyncClient(api_key=API_KEY, base_url=BASE_URL) as async_client:
            yield async_client
