"""Fixtures shared by the tests: a respx router on the API and a client of each kind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import respx

import nixflex
from tests.support import BASE_URL, KINDS, AnyClient, open_client

# The real loopback HTTP server (tests/loopback.py) and its fixtures, for every test module.
pytest_plugins = ["tests.loopback"]


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """asyncio, except for the async client's second run (`client_kind` "trio"): trio."""
    if "client_kind" in request.fixturenames and request.getfixturevalue("client_kind") == "trio":
        return "trio"
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


@pytest.fixture(params=KINDS)
def client_kind(request: pytest.FixtureRequest) -> str:
    """Which client `open_client` makes in this run: `"sync"` (`Client`), then `"async"`
    (`AsyncClient` under asyncio), then `"trio"` (`AsyncClient` under trio)."""
    return str(request.param)


@pytest.fixture
async def client(
    client_kind: str, api: respx.MockRouter, sleeps: list[float]
) -> AsyncIterator[AnyClient]:
    """A client of each kind on the mocked API, with retries that do not sleep."""
    async with open_client(client_kind) as client:
        yield client
