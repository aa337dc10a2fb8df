"""The pytest plugin nixflex registers (`pytest11`): its fixtures in a user's own test suite."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import pytest

import nixflex


def test_sync(nixflex_fake, nixflex_client):
    assert isinstance(nixflex_client, nixflex.Client)
    twilio = nixflex_fake.add_twilio_account(numbers=["+447700900123"])
    agent_id = nixflex_fake.add_agent(nixflex_fake.accounts()[0])
    nixflex_client.phone_numbers.create(
        phone_number="+447700900123",
        twilio_sid=twilio.sid,
        twilio_token=twilio.token,
        agent_id=agent_id,
    )
    assert [n.phone_number for n in nixflex_fake.phone_numbers()] == ["+447700900123"]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_async(nixflex_fake, nixflex_async_client, anyio_backend):
    assert await nixflex_async_client.phone_numbers.list() == []
    assert nixflex_fake.requests[-1].status == 200
"""


def test_the_fixtures_work_in_a_users_suite_sync_and_async(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "anyio", "-q")
    result.assert_outcomes(passed=3)


def test_the_fixtures_work_under_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_asyncio")
    pytester.makepyfile(
        test_user="""
import pytest

@pytest.mark.asyncio
async def test_async(nixflex_async_client):
    assert await nixflex_async_client.phone_numbers.list() == []
"""
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)
