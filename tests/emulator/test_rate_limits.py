"""Rate limits per API key, as the API counts them: two buckets, windows on the Unix clock."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

import nixflex
from nixflex.testing import FakeNixflex, RateLimits
from tests.emulator.helpers import (
    PLAIN_HTTP,
    UK_NUMBER,
    WAYS,
    World,
    bearer,
    build_world,
    details,
    error,
    error_code,
)

# The start of a minute (and so of a second) on the Unix clock.
MINUTE = 1_700_000_040
SMALL = RateLimits(reads=3, writes=2, window=60)


class UnixClock:
    """Stands in for `time.time()` in the emulator's rate limiter."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> UnixClock:
    clock = UnixClock(MINUTE + 0.25)
    monkeypatch.setattr("nixflex.testing._limits._clock", clock)
    return clock


@pytest.fixture(params=WAYS)
def world(request: pytest.FixtureRequest, clock: UnixClock) -> Iterator[World]:
    with build_world(request.param, FakeNixflex(seed=7, rate_limits=SMALL)) as world:
        yield world


def quota(response: httpx.Response) -> tuple[int, int, int]:
    """(limit, remaining, reset) as the answer's `X-RateLimit-*` headers say."""
    headers = response.headers
    return (
        int(headers["x-ratelimit-limit"]),
        int(headers["x-ratelimit-remaining"]),
        int(headers["x-ratelimit-reset"]),
    )


def has_quota(response: httpx.Response) -> bool:
    return any(name.lower().startswith("x-ratelimit-") for name in response.headers)


def test_every_authenticated_answer_carries_its_buckets_quota(world: World) -> None:
    reset = MINUTE + 60
    answers = [
        world.http.get("/v1/numbers"),  # 200
        world.http.get("/v1/nowhere"),  # 404: the route is looked up after the count
        world.http.get("/v1/numbers", params={"limit": 0}),  # 400
    ]
    assert [r.status_code for r in answers] == [200, 404, 400]
    assert [quota(r) for r in answers] == [(3, 2, reset), (3, 1, reset), (3, 0, reset)]

    created = world.http.post("/v1/numbers", json={})  # writes count apart from reads
    refused = world.http.post("/v1/numbers", json={"country": "USA"})
    assert [r.status_code for r in (created, refused)] == [201, 400]
    assert [quota(r) for r in (created, refused)] == [(2, 1, reset), (2, 0, reset)]
    assert world.http.get("/v1/numbers").status_code == 429
    assert world.http.delete(f"/v1/numbers/{world.fake.numbers()[0].id}").status_code == 429


def test_a_request_past_the_limit_is_refused_uncounted_and_changes_nothing(world: World) -> None:
    for _ in range(2):
        assert world.http.post("/v1/numbers", json={}).status_code == 201

    response = world.http.post("/v1/phone-numbers", json=world.import_body())

    assert (response.status_code, error_code(response)) == (429, "rate_limit_exceeded")
    assert error(response)["type"] == "rate_limit_error"
    assert response.headers["retry-after"] == "60"  # 59.75 s to the reset, rounded up
    assert details(response) == {"retry_after": 60}
    assert quota(response) == (2, 0, MINUTE + 60)
    assert world.fake.phone_numbers() == []
    assert not world.fake.twilio_webhooks(UK_NUMBER).points_at_nixflex
    recorded = world.fake.requests[-1]
    assert (recorded.status, recorded.error_code, recorded.processed) == (
        429,
        "rate_limit_exceeded",
        True,
    )


def test_the_bucket_refills_when_the_window_turns(world: World, clock: UnixClock) -> None:
    for _ in range(3):
        world.http.get("/v1/numbers")
    clock.now = MINUTE + 59.999
    late = world.http.get("/v1/numbers")
    assert late.status_code == 429
    assert late.headers["retry-after"] == "1"  # never 0, even a millisecond before the reset
    assert details(late) == {"retry_after": 1}
    for _ in range(5):  # refused requests do not count
        assert world.http.get("/v1/numbers").status_code == 429

    clock.now = MINUTE + 60
    fresh = world.http.get("/v1/numbers")
    assert fresh.status_code == 200
    assert quota(fresh) == (3, 2, MINUTE + 120)


def test_each_key_has_its_own_buckets(world: World) -> None:
    for _ in range(3):
        world.http.get("/v1/numbers")
    assert world.http.get("/v1/numbers").status_code == 429

    assert quota(world.other_http.get("/v1/numbers"))[1] == 2  # another account
    second_key = world.as_key(world.fake.add_api_key(world.account))
    assert quota(second_key.get("/v1/numbers"))[1] == 2  # another key of the same account


@pytest.mark.parametrize(
    "authorization", [None, "Bearer key_nope:sk_nope", "Bearer key_nope", "Basic eDp5"]
)
def test_a_refused_key_is_not_counted_and_gets_no_quota(
    world: World, authorization: str | None
) -> None:
    client = world.connect(None if authorization is None else {"Authorization": authorization})
    for _ in range(5):
        response = client.get("/v1/numbers")
        assert response.status_code == 401
        assert not has_quota(response)
    assert quota(world.http.get("/v1/numbers"))[1] == 2


def test_injected_faults_are_not_counted_unless_processed(world: World) -> None:
    world.fake.fail_next(3, 503, route="GET /v1/numbers")
    world.fake.drop_next(route="GET /v1/numbers")
    for _ in range(3):
        failed = world.http.get("/v1/numbers")
        assert failed.status_code == 503
        assert not has_quota(failed)
    with pytest.raises(httpx.RemoteProtocolError):
        world.http.get("/v1/numbers")
    assert quota(world.http.get("/v1/numbers"))[1] == 2

    world.fake.fail_next(status=500, after_processing=True)  # the API did the work: it counts
    world.fake.delay_next(seconds=0.01)
    assert world.http.get("/v1/numbers").status_code == 500
    assert quota(world.http.get("/v1/numbers"))[1] == 0


def test_a_rate_limited_request_drawing_a_fault_after_processing(world: World) -> None:
    for _ in range(2):
        world.http.post("/v1/numbers", json={})
    world.fake.drop_next(after_processing=True)
    with pytest.raises(httpx.RemoteProtocolError):
        world.http.post("/v1/numbers", json={})
    assert len(world.fake.numbers()) == 2  # the API refused it: the fault only lost the 429
    assert world.fake.requests[-1].processed
    assert quota(world.http.post("/v1/numbers", json={}))[1] == 0


def test_limits_can_be_changed_or_turned_off(world: World) -> None:
    for _ in range(3):
        world.http.get("/v1/numbers")
    assert world.fake.rate_limits == SMALL

    world.fake.rate_limits = None
    for _ in range(10):
        response = world.http.get("/v1/numbers")
        assert response.status_code == 200
        assert not has_quota(response)

    world.fake.rate_limits = RateLimits(reads=1, writes=1, window=10)  # counts start afresh
    assert quota(world.http.get("/v1/numbers")) == (1, 0, MINUTE + 10)
    assert world.http.get("/v1/numbers").status_code == 429


def test_the_default_limits_are_the_apis() -> None:
    assert RateLimits() == RateLimits(reads=600, writes=120, window=60)
    assert FakeNixflex().rate_limits == RateLimits()
    assert FakeNixflex(rate_limits=None).rate_limits is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reads": 0},
        {"writes": -1},
        {"window": 0},
        {"window": 1.5},
        {"reads": True},
        {"writes": "5"},
    ],
)
def test_rate_limits_are_whole_numbers_of_at_least_one(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="RateLimits"):
        RateLimits(**kwargs)


def test_rate_limits_must_be_a_rate_limits_record() -> None:
    with pytest.raises(TypeError, match="RateLimits"):
        FakeNixflex(rate_limits=(600, 120, 60))  # type: ignore[arg-type]
    fake = FakeNixflex()
    with pytest.raises(TypeError, match="RateLimits"):
        fake.rate_limits = 60  # type: ignore[assignment]
    assert fake.rate_limits == RateLimits()


def test_windows_are_aligned_on_the_unix_clock() -> None:
    fake = FakeNixflex(rate_limits=RateLimits(reads=3, writes=2, window=1))
    account = fake.add_account()
    with (
        fake.serve() as server,
        httpx.Client(
            base_url=server.url, headers=bearer(account.api_key), verify=PLAIN_HTTP
        ) as http,
    ):
        before = time.time()
        response = http.post("/v1/numbers", json={})
        after = time.time()
    limit, remaining, reset = quota(response)
    assert (limit, remaining) == (2, 1)
    assert math.floor(before) + 1 <= reset <= math.floor(after) + 1
    minute = FakeNixflex()
    key = minute.add_account().api_key
    with httpx.Client(
        transport=minute.transport(),
        base_url=minute.base_url,
        headers=bearer(key),
    ) as http:
        before = time.time()
        reset = quota(http.get("/v1/numbers"))[2]
        after = time.time()
    assert reset % 60 == 0
    assert math.floor(before / 60) * 60 + 60 <= reset <= math.floor(after / 60) * 60 + 60


def test_concurrent_requests_never_pass_the_limit(clock: UnixClock) -> None:
    limits = RateLimits(reads=20, writes=5, window=60)
    with (
        build_world("server", FakeNixflex(rate_limits=limits)) as world,
        ThreadPoolExecutor(8) as pool,
    ):
        posts = list(
            pool.map(lambda _: world.http.post("/v1/numbers", json={}).status_code, range(30))
        )
        gets = list(pool.map(lambda _: quota(world.http.get("/v1/numbers"))[1], range(20)))
    assert sorted(posts) == [201] * 5 + [429] * 25
    assert len(world.fake.numbers()) == 5
    assert sorted(gets) == list(range(20))


def test_the_sdk_sees_the_429_and_its_quota(clock: UnixClock) -> None:
    fake = FakeNixflex(rate_limits=RateLimits(reads=5, writes=1, window=60))
    fake.add_account()
    with fake.client(max_retries=0) as client:
        client.numbers.create()
        with pytest.raises(nixflex.RateLimitError) as caught:
            client.numbers.create()
    exc = caught.value
    assert (exc.status_code, exc.code, exc.type) == (429, "rate_limit_exceeded", "rate_limit_error")
    assert exc.details == {"retry_after": 60}
    assert exc.doc_url == "https://docs.nixflex.com/api-reference/errors#rate_limit_exceeded"
    assert exc.request_id is not None
    assert exc.request_id.startswith("req_")
    assert len(fake.numbers()) == 1
