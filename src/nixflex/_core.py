"""Everything about a request that does no I/O, shared by `Client` and `AsyncClient`.

- `Call` describes one API call: method, path (segments already encoded), query, JSON body,
  the values to mask in errors, and how to parse a success. Each endpoint is a small function
  in `resources/` that returns one.
- `exchange` is the life of a call, written once as a generator of steps: it yields `Send`
  (a request) or `Sleep` (seconds), receives what the step gave (for `Send`, the
  `httpx.Response` or the httpx exception; for `Sleep`, `None`), decides with
  `_retry.retry_delay` whether to try again, logs each attempt, and returns the parsed result or
  raises the right `NixflexError`. The two clients only drive it (`drive` below): `Client` with
  `httpx.Client.send` and `time.sleep`, `AsyncClient` with their async twins.
- `parse_*` turn a success response into models; `status_error` turns an error response into
  its exception class (see `_exceptions`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any, Generic, TypeAlias, TypeVar

import attrs
import httpx

from . import _checks
from ._body import TooLarge
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    RateLimitError,
    error_class,
    request_id_of,
)
from ._pacing import Pause, RateLimit
from ._retry import may_have_landed, retry_after, retry_delay
from .models import ModelList

T = TypeVar("T")
M = TypeVar("M")
V = TypeVar("V")

logger = logging.getLogger("nixflex")

Query = Mapping[str, "str | int | None"]

MASK = "***"
# A value this short would mask ordinary words in messages; a real key or token is far longer.
_MIN_SECRET_LENGTH = 4


class Hidden(Generic[V]):
    """A value (a key, a token) that never shows itself: not in a repr, a debugger, `vars()`,
    or the local variables an error tracker records with a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: V) -> None:
        self._value = value

    def reveal(self) -> V:
        """The value itself, for the one place that must send or mask it."""
        return self._value

    def __repr__(self) -> str:
        return "<hidden>"


@attrs.frozen
class Call(Generic[T]):
    """One API call, described as data.

    Attributes:
        method: the HTTP method.
        path: the path under the base URL, its parameters already encoded
            (`_checks.segment`).
        parse: turns a 2xx response into the call's result.
        query: query parameters; `None` values are left out.
        body: the JSON body, or `None` for no body.
        secrets: values sent in this call that must never appear in an error (a Twilio token).
        gone: for a delete: the error codes (lower case) of a 404 that says the thing is gone.
            After an attempt that may have landed, such a 404 means that attempt did the work
            and only its answer was lost, so the call succeeded; any other 404 (another code,
            none) is an error.
    """

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    query: Query = attrs.field(factory=dict)
    body: Mapping[str, object] | None = attrs.field(default=None, repr=False)
    secrets: tuple[str, ...] = attrs.field(default=(), repr=False)
    gone: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        # Here, when the call is described, so a bulk call refuses a bad item before it sends
        # any (httpx would raise a raw UnicodeEncodeError whose repr shows the whole body).
        if self.body:
            _checks.sendable(self.body, "")
        if self.query:
            _checks.query(self.query)


def mask(value: T, secrets: Iterable[str]) -> T:
    """`value` with every secret replaced by `***`, inside strings, lists and dicts."""
    secrets = [secret for secret in secrets if len(secret) >= _MIN_SECRET_LENGTH]
    if not secrets:
        return value
    return _mask(value, secrets)  # type: ignore[no-any-return]


def _mask(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, Mapping):
        return {_mask(key, secrets): _mask(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item, secrets) for item in value]
    return value


# --- success responses ---------------------------------------------------------------------------


# What json.loads raises for a body that is not JSON we can use: not JSON, not UTF-8, or nested
# deeper than the interpreter's recursion limit.
_UNDECODABLE = (ValueError, UnicodeDecodeError, RecursionError)


def decode_json(response: httpx.Response) -> Any:
    """The response's JSON body; `APIResponseValidationError` if it is not JSON."""
    try:
        return json.loads(response.content)
    except _UNDECODABLE:
        kind = "an empty body" if not response.content else "a body that is not JSON"
        raise APIResponseValidationError(
            f"the API answered {response.status_code} with {kind}", response=response
        ) from None


def unwrap(data: Any, keys: tuple[str, ...]) -> Any:
    """The object or array under the first of `keys` in a JSON object, else `data` itself.

    Only an object or array counts: a bare phone number object has a `phone_number` key too.
    """
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), (dict, list)):
                return data[key]
    return data


def structure(data: Any, cls: type[M]) -> M:
    """`data` as a `cls` through the SDK's one converter (imported on first use)."""
    from ._convert import structure as convert

    return convert(data, cls)


def structure_list(data: Any, cls: type[M]) -> list[M]:
    """`data`, a JSON array, as a list of `cls` (one that shows as a table in a notebook)."""
    if not isinstance(data, list):
        raise TypeError(f"expected a JSON array, got {type(data).__name__}")
    return ModelList(structure(data, list[cls]), cls)  # type: ignore[valid-type]


def parse_model(cls: type[M], *envelopes: str) -> Callable[[httpx.Response], M]:
    """A parser for one object, found under the first envelope key present or at the top.

    A bare object may carry an unknown key that happens to be named like an envelope
    (`"data": {...}`); when what is under it is not the model, the top level is tried too.
    """

    def parse(response: httpx.Response) -> M:
        data = decode_json(response)
        inner = unwrap(data, envelopes)
        try:
            return structure(inner, cls)
        except (KeyError, TypeError, ValueError):
            if inner is data:
                raise
            return structure(data, cls)

    return parse


def parse_list(cls: type[M], *envelopes: str) -> Callable[[httpx.Response], list[M]]:
    """A parser for a list: under the first envelope key present, or a bare JSON array."""
    return lambda response: structure_list(unwrap(decode_json(response), envelopes), cls)


def parse_nothing(response: httpx.Response) -> None:
    """A parser that ignores the body (`DELETE` answers 200 or 204)."""


# --- error responses -----------------------------------------------------------------------------


def status_error(response: httpx.Response, secrets: Iterable[str] = ()) -> APIStatusError:
    """The exception for an error response, its message, details and body masked.

    Reads the error shapes the API uses, `{"error": {"type", "code", "message", "doc_url",
    "details"}}` (any of them may be missing), `{"error": code, "message"}` and
    `{"code", "message"}`, and bodies that are not JSON at all (a proxy's HTML page), which keep
    the status's class and a message naming the status.
    """
    code: str | None = None
    message: str | None = None
    envelope: Mapping[str, Any] = {}
    body = _body_or_text(response)
    if isinstance(body, dict):
        error = body.get("error")
        envelope = error if isinstance(error, dict) else body
        raw_code = error if isinstance(error, str) else envelope.get("code")
        raw_message = envelope.get("message") or body.get("message") or body.get("detail")
        code = raw_code if isinstance(raw_code, str) else None
        message = raw_message if isinstance(raw_message, str) else None
    if message is None:
        reason = response.reason_phrase or "error"
        message = f"the API answered {response.status_code} {reason}"
        if 300 <= response.status_code < 400:
            # Never followed: the key must not travel to another origin.
            message += " (a redirect, not followed)"
        elif not isinstance(body, (dict, list)):
            message += " with a body that is not JSON"
    cls = error_class(response.status_code, code)
    error = cls(
        mask(message, secrets),
        response=response,
        body=mask(body, secrets),
        code=code,
        retry_after=retry_after(response),
        type=_text(envelope.get("type")),
        doc_url=_text(envelope.get("doc_url")),
        details=mask(envelope.get("details"), secrets),
        rate_limit=RateLimit.from_headers(response.headers),
    )
    error.request_id = mask(error.request_id, secrets)
    return error


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def connection_error(
    exc: Exception, request: httpx.Request, secrets: Iterable[str] = ()
) -> APIConnectionError:
    """The exception for an httpx error raised while sending, its message masked.

    httpx quotes what it could not parse (a status line, a header), and a server that echoes
    the request puts the key and the token there: `exc` itself, kept as the `__cause__`, is
    masked in place too.
    """
    _mask_chain(exc, list(secrets))
    text = str(exc)
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return APITimeoutError(f"could not connect to the API in time ({detail})", request=request)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"the API did not answer in time ({detail})", request=request)
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(f"could not connect to the API ({detail})", request=request)
    if isinstance(exc, httpx.DecodingError):
        return APIConnectionError(
            f"the API's answer could not be decoded ({detail})", request=request
        )
    message = f"the connection to the API broke before its answer arrived ({detail})"
    if request.method == "POST":
        message += "; the API may have carried it out, so it was not sent again"
    return APIConnectionError(message, request=request)


def _mask_chain(exc: BaseException | None, secrets: list[str]) -> None:
    """Mask the message of `exc` and of every exception it was raised from (httpcore's, h11's),
    in place: a traceback prints them all."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        text = str(exc)
        clean = mask(text, secrets)
        if clean != text:
            exc.args = (clean,)
        exc = exc.__cause__ or exc.__context__


# --- the life of a call --------------------------------------------------------------------------


@attrs.frozen
class Send:
    """A step of `exchange`: send `request` and read its answer whole; the driver sends back the
    `httpx.Response` (its body read, see `_body`), or the `httpx.HTTPError` (or `_body.TooLarge`)
    that ended the attempt. With a `deadline` (`time.monotonic()`), the attempt ends by then,
    whatever the server does, in an `httpx.TimeoutException`."""

    request: httpx.Request
    deadline: float | None = None


@attrs.frozen
class Sleep:
    """A step of `exchange`: wait `seconds`; the driver sends back `None`."""

    seconds: float


Step: TypeAlias = Send | Sleep
Outcome: TypeAlias = httpx.Response | Exception
# What `exchange` is: the driver sends back an `Outcome` for `Send`, `None` for `Sleep`.
Flow: TypeAlias = Generator[Step, Outcome | None, T]


def exchange(
    call: Call[T],
    request: httpx.Request,
    *,
    max_retries: int,
    secrets: Hidden[tuple[str, ...]],
    pause: Pause,
    deadline: float | None = None,
) -> Flow[T]:
    """Send `request` until it succeeds, fails for good, or runs out of retries.

    `deadline` is the client's `timeout=` when it was given as a number: each attempt then ends
    within it, end to end, and all attempts together within `(max_retries + 1) * deadline` (the
    time left shrinks the last attempts' budget), retry waits aside. A pause longer than that
    (another call's 429) is not sat out: the call raises `RateLimitError` at once.

    Yields `Send(request)`, answered with the `httpx.Response` or the httpx exception, and
    `Sleep(seconds)`, answered with `None`. Returns the parsed result, or raises the call's
    `NixflexError`. `pause` (the client's, see `_pacing`) holds each attempt back while the
    client is paused after a 429 or its rate-limit budget is spent, and learns from each answer.
    The driver closes the flow when done: one interrupted between steps (a cancelled task)
    leaves nothing half-done.
    """
    secrets = Hidden(secrets.reveal() + call.secrets)
    landed_before = False
    budget = None if deadline is None else (max_retries + 1) * deadline
    for attempt in range(max_retries + 1):
        wait = pause.reserve(call.method)
        while wait > 0:
            if deadline is not None and wait > deadline:
                raise paused_error(pause, wait, deadline, secrets.reveal())
            woke = time.monotonic() + wait
            yield Sleep(wait)
            # Checked again, as of the end of the wait: a herd of calls woken together by one
            # pause must not spend more than the budget has left.
            wait = pause.reserve(call.method, not_before=woke)
        started = time.monotonic()
        ends = None
        if budget is not None and deadline is not None:
            ends = started + min(deadline, budget)
            _limit_timeouts(request, min(deadline, budget))
        outcome = None
        try:
            outcome = yield Send(request, ends)
        finally:
            pause.answered(
                call.method, outcome.headers if isinstance(outcome, httpx.Response) else None
            )
        if outcome is None:
            raise TypeError("the driver must send back what Send gave: a response or an error")
        elapsed = time.monotonic() - started
        if budget is not None:
            budget = max(budget - elapsed, 0.001)
        _log_attempt(
            call, outcome, attempt=attempt, of=max_retries + 1, elapsed=elapsed, secrets=secrets
        )
        delay = retry_delay(attempt, outcome, call.method, max_retries=max_retries)
        if delay is None:
            return finish(call, request, outcome, secrets, landed_before=landed_before)
        landed_before = landed_before or may_have_landed(outcome)
        logger.debug("%s %s: retrying in %.2f s", call.method, call.path, delay)
        if isinstance(outcome, httpx.Response) and outcome.status_code == 429:
            pause.extend(delay, outcome)  # waited out at the top of the loop, by every call
        else:
            yield Sleep(delay)
    raise AssertionError("unreachable: the last attempt's retry delay is None")


def finish(
    call: Call[T],
    request: httpx.Request,
    outcome: httpx.Response | Exception,
    secrets: Hidden[tuple[str, ...]],
    *,
    landed_before: bool = False,
) -> T:
    """The result of a call whose last attempt ended in `outcome`, or its exception."""
    if isinstance(outcome, TooLarge):
        raise too_large_error(outcome, secrets.reveal()) from None
    if isinstance(outcome, Exception):
        raise connection_error(outcome, request, secrets.reveal()) from outcome
    if not outcome.is_success:
        error = status_error(outcome, secrets.reveal())
        if not (landed_before and error.status_code == 404 and _gone(call, error)):
            raise error
        logger.debug(
            "%s %s: 404 %s on a retry; an earlier attempt did it",
            call.method,
            call.path,
            error.code,
        )
    try:
        return call.parse(outcome)
    except APIResponseValidationError as error:
        error.request_id = mask(error.request_id, secrets.reveal())
        raise
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        # Built in a helper: this frame, which error trackers record, keeps no unmasked text.
        raise shape_error(outcome, exc, secrets.reveal()) from None


def _gone(call: Call[Any], error: APIStatusError) -> bool:
    return error.code is not None and error.code.lower() in call.gone


def too_large_error(too_large: TooLarge, secrets: Iterable[str]) -> APIResponseValidationError:
    """The exception for a success past the client's `max_response_size`."""
    error = APIResponseValidationError(
        f"{too_large} (max_response_size): it was not read further",
        response=too_large.response,
    )
    error.request_id = mask(error.request_id, secrets)
    return error


def paused_error(
    pause: Pause, wait: float, timeout: float, secrets: Iterable[str]
) -> RateLimitError:
    """The exception for a call that would wait out a pause longer than its own timeout."""
    cause = pause.cause
    error = RateLimitError(
        f"the client is paused for {wait:.1f} s more by the API's rate limit, longer than "
        f"this call's timeout of {timeout:g} s",
        response=cause if cause is not None else httpx.Response(429),
        retry_after=wait,
        rate_limit=None if cause is None else RateLimit.from_headers(cause.headers),
    )
    error.request_id = mask(error.request_id, secrets)
    return error


def _limit_timeouts(request: httpx.Request, seconds: float) -> None:
    """Make no single operation of the attempt wait longer than the attempt may take."""
    timeouts = request.extensions.get("timeout")
    if isinstance(timeouts, dict):
        request.extensions["timeout"] = {
            name: seconds if value is None else min(value, seconds)
            for name, value in timeouts.items()
        }


def shape_error(
    response: httpx.Response, exc: Exception, secrets: Iterable[str]
) -> APIResponseValidationError:
    """The exception for a success whose body is not of the documented shape."""
    what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
    error = APIResponseValidationError(
        mask(f"the API's answer does not have the documented shape: {what}", secrets),
        response=response,
        body=mask(_body_or_text(response), secrets),
    )
    error.request_id = mask(error.request_id, secrets)
    return error


def _body_or_text(response: httpx.Response) -> object:
    try:
        return json.loads(response.content)
    except _UNDECODABLE:
        return response.text


def _log_attempt(
    call: Call[Any],
    outcome: httpx.Response | Exception,
    *,
    attempt: int,
    of: int,
    elapsed: float,
    secrets: Hidden[tuple[str, ...]],
) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    if isinstance(outcome, Exception):
        result, request_id = type(outcome).__name__, None
    else:
        result = str(outcome.status_code)
        request_id = mask(request_id_of(outcome.headers), secrets.reveal())
    logger.debug(
        "%s %s -> %s in %.1f ms (attempt %d of %d, request_id=%s)",
        call.method,
        call.path,
        result,
        elapsed * 1000,
        attempt + 1,
        of,
        request_id,
    )
