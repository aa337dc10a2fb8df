"""The retry policy as a pure function: what is retried, after how long, and what never is.

How the clients apply it over real sockets is in `tests/reliability/test_faults.py`; the two
rules only a client can show without a server that misbehaves for real (a 429 pausing the copies,
a lost delete answer) are in `tests/resources/test_retries.py`.
"""

from __future__ import annotations

import email.utils

import httpx
import pytest

from nixflex._retry import MAX_RETRY_AFTER, backoff, retry_after, retry_delay

NOW = 1_800_000_000.0


def delay(
    outcome: httpx.Response | Exception, method: str = "GET", attempt: int = 0, retries: int = 2
) -> float | None:
    return retry_delay(
        attempt, outcome, method, max_retries=retries, now=lambda: NOW, rand=lambda: 0.0
    )


# --- the pure policy -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_idempotent_methods_retry_the_transient_statuses(status: int, method: str) -> None:
    assert delay(httpx.Response(status), method) == 0.5


@pytest.mark.parametrize("status", [200, 201, 204, 400, 401, 403, 404, 409, 422, 501, 302])
def test_other_statuses_are_final(status: int) -> None:
    assert delay(httpx.Response(status)) is None


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_a_post_that_may_have_been_processed_is_never_retried(status: int) -> None:
    assert delay(httpx.Response(status), "POST") is None


def test_a_post_is_retried_on_429() -> None:
    assert delay(httpx.Response(429), "POST") == 0.5


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow to connect"),
        httpx.PoolTimeout("no free connection"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_request_that_never_left_is_retried_whatever_the_method(
    exc: Exception, method: str
) -> None:
    assert delay(exc, method) == 0.5


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("slow to answer"),
        httpx.WriteTimeout("slow to take the body"),
        httpx.ReadError("reset"),
        httpx.WriteError("broken pipe"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
def test_a_request_that_may_have_landed_is_retried_only_if_idempotent(exc: Exception) -> None:
    assert delay(exc, "GET") == 0.5
    assert delay(exc, "POST") is None


@pytest.mark.parametrize(
    "exc", [httpx.LocalProtocolError("bad header"), httpx.UnsupportedProtocol("ftp"), ValueError()]
)
def test_errors_retrying_cannot_fix_are_final(exc: Exception) -> None:
    assert delay(exc) is None


def test_retries_stop_at_max_retries() -> None:
    assert delay(httpx.Response(503), attempt=1, retries=2) is not None
    assert delay(httpx.Response(503), attempt=2, retries=2) is None
    assert delay(httpx.Response(503), attempt=0, retries=0) is None


def test_backoff_doubles_from_half_a_second_to_eight_with_a_quarter_jitter() -> None:
    ceilings = [backoff(n, rand=lambda: 0.0) for n in range(1, 8)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    floors = [backoff(n, rand=lambda: 0.999999) for n in range(1, 8)]
    for floor, ceiling in zip(floors, ceilings, strict=True):
        assert 0.75 * ceiling <= floor < ceiling


def test_backoff_stays_in_its_bounds_with_real_randomness() -> None:
    for retry in range(1, 6):
        ceiling = min(0.5 * 2 ** (retry - 1), 8.0)
        for _ in range(200):
            assert 0.75 * ceiling <= backoff(retry) <= ceiling


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        (email.utils.formatdate(NOW + 20, usegmt=True), 20.0),
        (email.utils.formatdate(NOW - 20, usegmt=True), 0.0),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str, expected: float | None) -> None:
    response = httpx.Response(429, headers={"Retry-After": header})
    assert retry_after(response, now=lambda: NOW) == expected


def test_retry_after_replaces_the_backoff_up_to_the_cap() -> None:
    assert delay(httpx.Response(429, headers={"Retry-After": "7"}), "POST") == 7.0
    assert delay(httpx.Response(503, headers={"Retry-After": "60"})) == MAX_RETRY_AFTER
    assert delay(httpx.Response(503, headers={"Retry-After": "61"})) is None
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert delay(httpx.Response(503, headers={"Retry-After": date})) == 30.0
