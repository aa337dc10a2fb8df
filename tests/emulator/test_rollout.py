"""A 200-clinic rollout over real HTTP against the emulator, as a reseller runs it.

The emulator serves the API on a loopback port; both clients import the clinics with bounded
concurrency while the emulator refuses one number, finds another already attached, and answers
a burst of 429s. Exactly those two failures come back, by class; everything else is imported,
and no import is sent twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

import nixflex
from nixflex.testing import Account, FakeNixflex, FakeServer, RateLimits, TwilioAccount
from tests.support import AnyClient, run

pytestmark = pytest.mark.anyio

CLINICS = [f"+4420{i:08d}" for i in range(1, 201)]
NOT_IN_TWILIO = "+447700900555"  # in no Twilio account
ALREADY_ATTACHED = CLINICS[42]
RATE_LIMITED = 6
# The API's limits (600 reads, 120 writes per key) in windows of 2 s instead of a minute: the SDK
# paces 200 imports as it would against the API, in seconds. One test below keeps the minute.
FAST_WINDOWS = RateLimits(reads=600, writes=120, window=2)


class Seeded:
    def __init__(self, rate_limits: RateLimits | None = FAST_WINDOWS) -> None:
        self.fake = FakeNixflex(rate_limits=rate_limits)
        self.account: Account = self.fake.add_account()
        self.agent_id = self.fake.add_agent(self.account, agent_id="agent_ringback_dental")
        # Half the clinics sit in one Twilio account, half in another.
        self.uk: TwilioAccount = self.fake.add_twilio_account(numbers=CLINICS[:100])
        self.eu: TwilioAccount = self.fake.add_twilio_account(numbers=CLINICS[100:])
        self.fake.import_phone_number(phone_number=ALREADY_ATTACHED, agent_id=self.agent_id)

    def twilio_for(self, number: str) -> TwilioAccount:
        return self.uk if number in CLINICS[:100] else self.eu

    def rollout(self) -> list[dict[str, Any]]:
        numbers = [*CLINICS[:10], NOT_IN_TWILIO, *CLINICS[10:]]
        return [
            {
                "phone_number": number,
                "twilio_sid": self.twilio_for(number).sid,
                "twilio_token": self.twilio_for(number).token,
                "agent_id": self.agent_id,
                "custom_prompt": f"Business: Clinic {number[-3:]}. Open Mon-Fri 9am-5pm.",
            }
            for number in numbers
        ]


class CountingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Counts the requests in flight at once, on the client's side of the wire."""

    def __init__(self) -> None:
        self._sync = httpx.HTTPTransport()
        self._async = httpx.AsyncHTTPTransport()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.starts: list[float] = []
        self.rate_limited_at: list[float] = []

    def _enter(self) -> None:
        with self._lock:
            self.starts.append(time.monotonic())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def _leave(self, response: httpx.Response | None) -> None:
        with self._lock:
            self.in_flight -= 1
            if response is not None and response.status_code == 429:
                self.rate_limited_at.append(time.monotonic())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._enter()
        response = None
        try:
            response = self._sync.handle_request(request)
            response.read()
            return response
        finally:
            self._leave(response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._enter()
        response = None
        try:
            response = await self._async.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self._leave(response)

    def close(self) -> None:
        self._sync.close()

    async def aclose(self) -> None:
        await self._async.aclose()


@pytest.fixture
def seeded() -> Seeded:
    return Seeded()


@pytest.fixture
def server(seeded: Seeded) -> Iterator[FakeServer]:
    with seeded.fake.serve() as served:
        yield served


@pytest.fixture(params=["sync", "async"])
async def counted(
    request: pytest.FixtureRequest, seeded: Seeded, server: FakeServer
) -> AsyncIterator[tuple[AnyClient, CountingTransport]]:
    transport = CountingTransport()
    key = seeded.account.api_key
    if request.param == "sync":
        with (
            httpx.Client(transport=transport) as http,
            nixflex.Client(api_key=key, base_url=server.url, http_client=http) as client,
        ):
            yield client, transport
    else:
        async with (
            httpx.AsyncClient(transport=transport) as ahttp,
            nixflex.AsyncClient(api_key=key, base_url=server.url, http_client=ahttp) as aclient,
        ):
            yield aclient, transport


async def test_a_200_clinic_rollout_reports_exactly_its_failures(
    seeded: Seeded, counted: tuple[AnyClient, CountingTransport]
) -> None:
    client, transport = counted
    seeded.fake.fail_next(RATE_LIMITED, 429, retry_after=0.3, route="POST /v1/phone-numbers")
    result = await run(client.phone_numbers.import_many(seeded.rollout(), concurrency=16))

    assert len(result) == 201
    assert [(item.input.phone_number, type(item.error)) for item in result.failed] == [
        (NOT_IN_TWILIO, nixflex.NumberNotInTwilioError),
        (ALREADY_ATTACHED, nixflex.NumberAlreadyImportedError),
    ]
    imported = {number.phone_number for number in seeded.fake.phone_numbers(seeded.account)}
    assert imported == set(CLINICS)
    assert len(result.succeeded) == 199
    assert all(n.custom_prompt and n.agent_id == seeded.agent_id for n in result.succeeded)

    posts = [r for r in seeded.fake.requests if r.method == "POST"]
    rate_limited = [r for r in posts if r.status == 429]
    assert len(rate_limited) == RATE_LIMITED
    # Each item reached the server once, plus one retry for each 429: no import sent twice.
    assert len(posts) == 201 + RATE_LIMITED
    assert transport.most_in_flight <= 16
    # The first 429 paused the whole batch: once the SDK saw it (a few ms after the bytes
    # arrived), no worker sent anything for the rest of its Retry-After.
    first_429 = min(transport.rate_limited_at)
    sent_in_pause = [
        t - first_429 for t in transport.starts if first_429 + 0.05 < t < first_429 + 0.25
    ]
    assert not sent_in_pause
    assert max(transport.starts) > first_429 + 0.25


async def test_the_failures_can_be_run_again_alone(
    seeded: Seeded, counted: tuple[AnyClient, CountingTransport]
) -> None:
    client, _ = counted
    first = await run(client.phone_numbers.import_many(seeded.rollout(), concurrency=8))
    # The reseller fixes its data: the stray number is bought into the Twilio account it named.
    seeded.fake.add_twilio_number(seeded.eu.sid, NOT_IN_TWILIO)
    retry = [item.input for item in first.failed if item.input.phone_number == NOT_IN_TWILIO]
    second = await run(client.phone_numbers.import_many(retry))
    assert [n.phone_number for n in second.succeeded] == [NOT_IN_TWILIO]


async def test_concurrency_bounds_the_requests_in_flight(
    seeded: Seeded, counted: tuple[AnyClient, CountingTransport]
) -> None:
    client, transport = counted
    seeded.fake.latency = 0.02
    profiles = {number: f"Clinic {number[-3:]}" for number in CLINICS[:10]}
    for number in CLINICS[:10]:
        seeded.fake.import_phone_number(phone_number=number, agent_id=seeded.agent_id)
    result = await run(client.phone_numbers.sync_profiles(profiles, concurrency=3))
    assert not result.failed
    assert transport.most_in_flight == 3
    assert [n.custom_prompt for n in result.succeeded] == list(profiles.values())


def test_a_200_clinic_rollout_at_the_apis_own_limits_meets_no_429() -> None:
    # 120 writes a minute: the SDK reads X-RateLimit-Remaining, counts its calls in flight, and
    # waits for the minute to turn instead of running into the limit. Up to 60 s of waiting, so
    # once, on the sync client; the pacing is the core's, shared by every client, and the
    # rollouts above run it on each with 2 s windows.
    seeded = Seeded(rate_limits=RateLimits())
    with (
        seeded.fake.serve() as server,
        nixflex.Client(api_key=seeded.account.api_key, base_url=server.url) as client,
    ):
        result = client.phone_numbers.import_many(seeded.rollout(), concurrency=16)
    assert len(result.succeeded) == 199
    posts = [r for r in seeded.fake.requests if r.method == "POST"]
    assert [r for r in posts if r.status == 429] == []
    assert len(posts) == 201
