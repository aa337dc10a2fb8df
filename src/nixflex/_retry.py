"""When a failed attempt is tried again, and after how long: a pure function, no I/O.

What is retried (up to `max_retries` times, default 2):

- a connection that failed or broke, and a timeout;
- the statuses 408, 429, 500, 502, 503 and 504.

A `POST` is retried only where the API cannot have processed it: the connection was never made
(connection refused, connect timeout, no free connection in the pool) or the answer was 429. A
`POST` that may have landed is never sent twice: a second import turns into a spurious
`number_already_imported`, and a second `numbers.create` buys a second number.

The delay before retry *n* (n = 1, 2, ...) is `min(0.5 * 2 ** (n - 1), 8)` seconds, shrunk by a
random jitter of up to 25 % so that many clients do not retry in step: 0.375-0.5 s, then 0.75-1 s,
then 1.5-2 s. A `Retry-After` header (seconds, or an HTTP date; on a 429 without one, the body's
`details.retry_after`) replaces that delay; one beyond 60 s is not slept on: the error is raised
at once and its `.retry_after` says when to come back. A retried 429 pauses every call of the
client, not only the one that got it (`_pacing.Pause`).
"""

from __future__ import annotations

import email.utils
import json
import math
import random
import time
from collections.abc import Callable

import httpx

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
JITTER = 0.25

# The request never reached the server: safe to send again whatever the method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have reached the server: safe to send again only if the method is idempotent.
_MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def may_have_landed(outcome: httpx.Response | Exception) -> bool:
    """Whether the server may have carried out a request whose attempt ended in `outcome`.

    A request that never left (refused, connect timeout, pool timeout) or was turned away
    (429) did nothing; a broken connection, a read timeout or a 5xx may hide work done.
    """
    if isinstance(outcome, Exception):
        return not isinstance(outcome, _NOT_SENT)
    return outcome.status_code == 408 or outcome.status_code >= 500


def retry_after(response: httpx.Response, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the response's `Retry-After` header asks for (on a 429 without one, its body's
    `details.retry_after`), or `None` if absent or unreadable."""
    value = response.headers.get("retry-after")
    if value is None:
        return _retry_after_in_body(response) if response.status_code == 429 else None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - now()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    # `nan` and `inf` parse as floats but are no instruction anyone can follow.
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _retry_after_in_body(response: httpx.Response) -> float | None:
    """`error.details.retry_after` of a 429's JSON body, in seconds."""
    try:
        details = json.loads(response.content)["error"]["details"]
        seconds = details["retry_after"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError, UnicodeDecodeError):
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return None
    try:
        value = float(seconds)
    except OverflowError:
        return None
    return max(value, 0.0) if math.isfinite(value) else None


def backoff(retry: int, *, rand: Callable[[], float] = random.random) -> float:
    """The delay before retry number `retry` (1-based) when the server gave no `Retry-After`."""
    ceiling = min(INITIAL_DELAY * 2 ** (retry - 1), MAX_DELAY)
    return float(ceiling * (1 - JITTER * rand()))


def retry_delay(
    attempt: int,
    outcome: httpx.Response | Exception,
    method: str,
    *,
    max_retries: int,
    now: Callable[[], float] = time.time,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before trying again after `attempt` (0-based) ended in `outcome`.

    `None` means stop: the outcome is final (a success, an error that retrying cannot fix, a
    `POST` that may have been processed, retries used up, or a `Retry-After` beyond 60 s).
    """
    if attempt >= max_retries:
        return None
    idempotent = method.upper() != "POST"
    if isinstance(outcome, Exception):
        if isinstance(outcome, _NOT_SENT) or (idempotent and isinstance(outcome, _MAYBE_SENT)):
            return backoff(attempt + 1, rand=rand)
        return None
    status = outcome.status_code
    if status not in RETRY_STATUSES or not (idempotent or status == 429):
        return None
    asked = retry_after(outcome, now=now)
    if asked is None:
        return backoff(attempt + 1, rand=rand)
    return asked if asked <= MAX_RETRY_AFTER else None
