"""The nixflex pytest plugin: an emulator and a client of each kind, as fixtures.

Installed with nixflex and registered through the `pytest11` entry point, so a test suite gets
the fixtures without importing anything:

```python
def test_onboarding_imports_the_number(nixflex_fake, nixflex_client):
    twilio = nixflex_fake.add_twilio_account(numbers=["+447700900123"])
    agent_id = nixflex_fake.add_agent(nixflex_fake.accounts()[0])
    nixflex_client.phone_numbers.create(
        phone_number="+447700900123",
        twilio_sid=twilio.sid,
        twilio_token=twilio.token,
        agent_id=agent_id,
    )
    assert nixflex_fake.phone_numbers()[0].agent_id == agent_id
```

- `nixflex_fake`: a fresh `FakeNixflex` with one account (`nixflex_fake.accounts()[0]`),
  seeded the same on every run (`seed=0`).
- `nixflex_client`: a `nixflex.Client` on it, in memory, with that account's key.
- `nixflex_async_client`: a `nixflex.AsyncClient` on it. A plain fixture (made without an
  event loop; the client binds to the loop of its first call), so it works under pytest-asyncio,
  anyio's pytest plugin and trio alike, in whatever mode they run.

Both clients retry as they would against the API, and are closed after the test. Override
`nixflex_fake` in your `conftest.py` to seed a world of your own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import nixflex

from ._fake import FakeNixflex


@pytest.fixture
def nixflex_fake() -> FakeNixflex:
    """A fresh in-memory Nixflex API with one account, the same on every run."""
    fake = FakeNixflex(seed=0)
    fake.add_account(name="test")
    return fake


@pytest.fixture
def nixflex_client(nixflex_fake: FakeNixflex) -> Iterator[nixflex.Client]:
    """A `nixflex.Client` on `nixflex_fake` (its first account's key), closed after the test."""
    with nixflex_fake.client(nixflex_fake.accounts()[0]) as client:
        yield client


@pytest.fixture
def nixflex_async_client(nixflex_fake: FakeNixflex) -> nixflex.AsyncClient:
    """A `nixflex.AsyncClient` on `nixflex_fake`, for asyncio, trio or anyio tests.

    Its pool is in memory: nothing is left open when the test ends, so no event loop is needed
    to close it.
    """
    return nixflex_fake.async_client(nixflex_fake.accounts()[0])
