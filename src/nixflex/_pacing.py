"""Staying under the API's rate limits: the client-wide pause, and the key's remaining budget.

The API allows each key 600 GET and 120 POST/PUT/PATCH/DELETE a minute, and says where a key
stands on every answer: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (Unix
seconds). `Pause`, shared by a client, its `with_options` copies and its bulk runners, uses both
signals the API gives:

- **a retried 429** pauses every call until its `Retry-After` has passed, not only the call that
  got it, so forty workers of a bulk import wait out one limit together instead of each spending
  a retry on it;
- **a budget running out**: an answer saying few calls are left makes the pause count them. It
  subtracts the calls already on their way (the server has not counted them yet) and each call
  it lets go; at zero, calls wait for the reset instead of running into a 429. A reset more than
  60 s away is not waited for (the call goes, and a 429 says when to come back).

While plenty of calls are left, an answer costs one header lookup and a comparison.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timezone

import attrs
import httpx

# A wait longer than this is not slept on (the same cap as a Retry-After: see `_retry`).
MAX_WAIT = 60.0
# Budgets are followed once the calls left are this close to the calls in flight.
_MARGIN = 8
_AFTER_RESET = 0.05


@attrs.frozen
class RateLimit:
    """Where the API key stands against its rate limit, as one answer reported it.

    The API counts GET calls (600 a minute) and writes (120 a minute) apart; an answer reports
    the bucket of its own call.

    Attributes:
        limit: calls the key may make in the window (`X-RateLimit-Limit`).
        remaining: calls left in the window after this one (`X-RateLimit-Remaining`).
        reset_at: when the window starts again, an aware `datetime` in UTC
            (`X-RateLimit-Reset`, Unix seconds).
    """

    limit: int
    remaining: int
    reset_at: datetime

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """The rate limit an answer's `X-RateLimit-*` headers report; `None` if any is missing
        or unreadable."""
        try:
            limit = int(headers["x-ratelimit-limit"])
            remaining = int(headers["x-ratelimit-remaining"])
            reset = float(headers["x-ratelimit-reset"])
            reset_at = datetime.fromtimestamp(reset, timezone.utc)
        except (KeyError, ValueError, OverflowError, OSError):
            return None
        return cls(limit, remaining, reset_at)


def _bucket(method: str) -> str:
    return "read" if method in ("GET", "HEAD") else "write"


class _Budget:
    """One bucket's calls left in the window (`None`: plenty, not followed) and calls sent."""

    __slots__ = ("in_flight", "left", "reset")

    def __init__(self) -> None:
        self.left: int | None = None
        self.reset = 0.0  # time.monotonic() at which the window starts again
        self.in_flight = 0


class Pause:
    """Until when the calls of one client wait, shared by all of them (see the module)."""

    def __init__(self) -> None:
        self._until = 0.0
        self._budgets = {"read": _Budget(), "write": _Budget()}
        self._lock = threading.Lock()
        self.cause: httpx.Response | None = None
        """The answer that made the client wait: the last retried 429."""

    def remaining(self, method: str = "GET") -> float:
        """Seconds a call of `method` should wait before it is sent; 0 when it may go."""
        with self._lock:
            return self._wait(method, time.monotonic())

    def reserve(self, method: str, *, not_before: float = 0.0) -> float:
        """Seconds to wait before a call of `method` may go; 0 means it goes now and is counted
        as sent. One step under a lock: threads of a bulk import never all take the last call
        left in the budget.

        `not_before` is the `time.monotonic()` a call that has just waited waited until: the
        check is made as of then at the earliest (a driver may wake a little early).
        """
        with self._lock:
            wait = self._wait(method, max(time.monotonic(), not_before))
            if wait <= 0:
                budget = self._budgets[_bucket(method)]
                budget.in_flight += 1
                if budget.left is not None:
                    budget.left -= 1
            return wait

    def _wait(self, method: str, now: float) -> float:
        wait = self._until - now
        budget = self._budgets[_bucket(method)]
        if budget.left is not None and budget.left <= 0:
            if budget.reset <= now:
                budget.left = None  # a new window: the next answer tells
            elif budget.reset - now <= MAX_WAIT:
                wait = max(wait, budget.reset - now)
        return max(wait, 0.0)

    def extend(self, seconds: float, cause: httpx.Response | None = None) -> None:
        """Make every call wait at least `seconds` from now (after `cause`, a retried 429)."""
        self._until = max(self._until, time.monotonic() + seconds)
        if cause is not None:
            self.cause = cause

    def answered(self, method: str, headers: Mapping[str, str] | None) -> None:
        """A call of `method` ended, with an answer's `headers` or with none (a broken
        connection, a cancelled call)."""
        with self._lock:
            self._answered(self._budgets[_bucket(method)], headers)

    @staticmethod
    def _answered(budget: _Budget, headers: Mapping[str, str] | None) -> None:
        budget.in_flight -= 1
        if headers is None:
            return
        reported = headers.get("x-ratelimit-remaining")
        if reported is None:
            return
        try:
            remaining = int(reported)
        except ValueError:
            return
        resets = _reset(headers)
        # The calls still on their way may not be counted yet.
        left = remaining - budget.in_flight
        if budget.left is not None and (resets is None or resets < budget.reset + 0.5):
            # Answers arrive out of order: one from earlier in this window (more left), or from
            # the window before, must never give back calls a newer answer took away; within
            # a window the count only goes down.
            if resets is None or resets > budget.reset - 0.5:
                budget.left = min(budget.left, left)
            return
        if remaining > budget.in_flight + _MARGIN:
            budget.left = None
            return
        if resets is None:
            return
        budget.left = left
        budget.reset = resets


def _reset(headers: Mapping[str, str]) -> float | None:
    """An answer's `X-RateLimit-Reset` as a `time.monotonic()` time, or `None`."""
    try:
        reset = float(headers["x-ratelimit-reset"])
    except (KeyError, ValueError):
        return None
    if not math.isfinite(reset):
        return None
    # A little after the reset: a call sent the instant before the API's window turns would
    # still count against the old one. The wall clock is read first: a thread held up between
    # the two readings then puts the reset later, never earlier.
    wall = time.time()
    return time.monotonic() + (reset - wall) + _AFTER_RESET
