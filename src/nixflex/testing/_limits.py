"""Rate limits: each API key's read and write buckets, counted in windows of the Unix clock.

A window of `w` seconds starts at every multiple of `w` on `time.time()` (not on the emulator's
`clock=`, which may stand still: a bucket must refill, and `X-RateLimit-Reset` is what an SDK's
pacing sleeps until). The caller holds the emulator's lock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ._records import RateLimits

#: Read requests; every other method writes.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Looked up at each call, so that a test can stand the clock still at a chosen instant.
_clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class Quota:
    """One request's place in its bucket.

    Attributes:
        allowed: False when the bucket was already empty (the request is refused with 429 and
            not counted).
        limit: The bucket's size (`X-RateLimit-Limit`).
        remaining: What is left after this request (`X-RateLimit-Remaining`).
        reset: When the bucket refills, in whole Unix seconds (`X-RateLimit-Reset`).
        retry_after: Whole seconds until `reset`, rounded up, at least 1 (`Retry-After`).
    """

    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int

    def headers(self) -> tuple[tuple[str, str], ...]:
        return (
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(self.reset)),
        )


class RateLimiter:
    """Counts requests per (API key, reads or writes) in the current window."""

    def __init__(self, limits: RateLimits | None) -> None:
        self._limits = limits
        # (api key, "reads" or "writes") -> (start of the window counted, requests counted)
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}

    @property
    def limits(self) -> RateLimits | None:
        return self._limits

    @limits.setter
    def limits(self, limits: RateLimits | None) -> None:
        self._limits = limits
        self._counts.clear()

    def take(self, api_key: str, method: str) -> Quota | None:
        """Count one request of `api_key` if its bucket has room; None when limits are off."""
        limits = self._limits
        if limits is None:
            return None
        bucket = "reads" if method in READ_METHODS else "writes"
        limit = limits.reads if bucket == "reads" else limits.writes
        now = _clock()
        start = int(now // limits.window) * limits.window
        reset = start + limits.window
        counted_start, used = self._counts.get((api_key, bucket), (start, 0))
        if counted_start != start:
            used = 0
        retry_after = max(1, math.ceil(reset - now))
        if used >= limit:
            return Quota(False, limit, 0, reset, retry_after)
        self._counts[api_key, bucket] = (start, used + 1)
        return Quota(True, limit, limit - used - 1, reset, retry_after)
