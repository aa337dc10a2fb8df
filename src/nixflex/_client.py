"""`Client` and `AsyncClient`: configuration, the connection pool's lifecycle, and the only I/O.

Everything both clients share lives in `_BaseClient` (credentials, base URL, timeout, retries,
building a request) and in `_core` (retrying, logging, parsing). What differs is how a request is
sent and how a retry waits: `Client._request` drives the `_core.exchange` flow with
`httpx.Client.send` and `time.sleep`, `AsyncClient._request` with `httpx.AsyncClient.send` and
`anyio.sleep` (asyncio or trio); both close the flow whatever happens. Which httpx client a call
goes through (a fresh one after a fork, on another event loop, or after cancellations left
the old one leaking) is `_pool.Pool`'s decision.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import os
import sys
import time
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import httpx

from . import _checks
from ._body import BodyReader, TooLarge
from ._checks import NOT_GIVEN
from ._core import Call, Flow, Hidden, Outcome, Send, exchange
from ._exceptions import NixflexError
from ._pacing import Pause
from ._pool import DEFAULT_LIMITS, Lease, Pool, gated
from ._version import __version__

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from typing_extensions import Self

    from .resources.callers import AsyncCallers, Callers
    from .resources.numbers import AsyncNumbers, Numbers
    from .resources.phone_numbers import AsyncPhoneNumbers, PhoneNumbers
    from .resources.webhooks import AsyncWebhooks, Webhooks

T = TypeVar("T")
H = TypeVar("H", httpx.Client, httpx.AsyncClient)

DEFAULT_BASE_URL = "https://api.nixflex.com"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
"""Five seconds to connect, sixty for everything else (a Twilio lookup can be slow)."""
DEFAULT_MAX_RETRIES = 2
USER_AGENT = f"nixflex-python/{__version__}"
# Sent with every request: set once on a pool the client makes, since merging per-request
# headers into the pool's costs httpx about 10 µs a call; added to each request on a pool of yours.
_FIXED_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json"}


_Credentials = tuple[Hidden[str], "str | None", Hidden[tuple[str, ...]]]


def _resolve_key(api_key: str | None, key_id: str | None, key_secret: str | None) -> _Credentials:
    """(the Authorization header, the key id if known, the secrets to mask), from the
    arguments or the environment.

    A key read from the environment only ever travels wrapped in `Hidden`, so no frame an error
    tracker might record holds it, even when it is refused.
    """
    if api_key is not None and (key_id is not None or key_secret is not None):
        raise NixflexError("pass either api_key= or key_id= and key_secret=, not both")
    if (key_id is None) != (key_secret is None):
        missing = "key_secret" if key_secret is None else "key_id"
        raise NixflexError(f"key_id= and key_secret= go together: {missing}= is missing")
    if api_key is not None:
        return _from_api_key(_checked(Hidden(api_key), "api_key", whole_key=True))
    if key_id is not None:
        return _from_pair(
            _checked(Hidden(key_id), "key_id", allow_colon=False),
            _checked(Hidden(key_secret), "key_secret"),
        )
    if os.environ.get("NIXFLEX_API_KEY"):
        return _from_api_key(
            _checked(Hidden(os.environ["NIXFLEX_API_KEY"]), "NIXFLEX_API_KEY", whole_key=True)
        )
    if os.environ.get("NIXFLEX_KEY_ID") and os.environ.get("NIXFLEX_KEY_SECRET"):
        return _from_pair(
            _checked(Hidden(os.environ["NIXFLEX_KEY_ID"]), "NIXFLEX_KEY_ID", allow_colon=False),
            _checked(Hidden(os.environ["NIXFLEX_KEY_SECRET"]), "NIXFLEX_KEY_SECRET"),
        )
    raise NixflexError(
        "no Nixflex API key: pass api_key='KEY_ID:KEY_SECRET' or set NIXFLEX_API_KEY "
        "(or NIXFLEX_KEY_ID and NIXFLEX_KEY_SECRET)"
    )


def _checked(
    value: Hidden[Any], field: str, *, allow_colon: bool = True, whole_key: bool = False
) -> Hidden[str]:
    """`value` if it can go in a header; else an error naming the field, never the value."""
    problem = _credential_problem(value.reveal(), allow_colon=allow_colon)
    if problem is None and whole_key:
        problem = _whole_key_problem(value.reveal())
    if problem is not None:
        raise NixflexError(f"{field} {problem}")
    return value


def _whole_key_problem(value: str) -> str | None:
    key_id, colon, secret = value.partition(":")
    if colon and key_id and secret:
        return None
    # The API answers key_secret_required; both published SDKs refuse such a key up front.
    return (
        "is not a whole API key: the API needs KEY_ID:KEY_SECRET, both halves joined by ':' "
        "(pass key_id= and key_secret= separately if you hold them apart)"
    )


def _credential_problem(value: object, *, allow_colon: bool) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if not (value.isascii() and value.isprintable()) or any(ch.isspace() for ch in value):
        return (
            "holds whitespace or a non-printable character (a stray newline?); "
            "check how it was copied"
        )
    if not allow_colon and ":" in value:
        return "must not contain ':'"
    return None


def _from_api_key(api_key: Hidden[str]) -> _Credentials:
    key_id, _, secret = api_key.reveal().partition(":")
    return Hidden(f"Bearer {api_key.reveal()}"), key_id, Hidden((secret,))


def _from_pair(key_id: Hidden[str], key_secret: Hidden[str]) -> _Credentials:
    token = f"{key_id.reveal()}:{key_secret.reveal()}"
    return Hidden(f"Bearer {token}"), key_id.reveal(), Hidden((key_secret.reveal(),))


def _log_from_env() -> None:
    """`NIXFLEX_LOG=debug` (or `info`) prints nixflex's log to stderr without any set-up."""
    level = os.environ.get("NIXFLEX_LOG", "").strip().upper()
    logger = logging.getLogger("nixflex")
    if level not in ("DEBUG", "INFO") or logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


async def _close_shielded(closable: httpx.AsyncClient | httpx.Response) -> None:
    """Close a retired pool once its last call ended, or a response whose call was cancelled,
    even inside the cancelled scope."""
    import anyio

    with anyio.CancelScope(shield=True):
        await closable.aclose()


async def _async_sleep(seconds: float) -> None:
    # anyio (httpx's own async layer) waits under asyncio and trio alike; imported here, on the
    # first retry, so that `import nixflex` does not load it (nor asyncio) for sync users.
    import anyio

    await anyio.sleep(seconds)


class _BaseClient(Generic[H]):
    """What `Client` and `AsyncClient` share: the key, the settings, the pool, `with_options`,
    and the one flow every call goes through (`_core.exchange`); only sending differs."""

    _pool: Pool[H]

    def __init__(
        self,
        *,
        api_key: str | None,
        key_id: str | None,
        key_secret: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        max_response_size: int,
        http_client: H | None,
    ) -> None:
        self._authorization, self._key_id, self._secrets = _resolve_key(api_key, key_id, key_secret)
        self.base_url: str = _checks.base_url(
            base_url or os.environ.get("NIXFLEX_BASE_URL") or DEFAULT_BASE_URL
        )
        """The API's base URL, without a trailing slash."""
        self._set_timeout(timeout)
        self.max_retries: int = _checks.whole_number(max_retries, "max_retries", 0)
        """How many times a failed call is tried again."""
        self.max_response_size: int = _checks.whole_number(
            max_response_size, "max_response_size", 1
        )
        """Bytes of a decoded answer accepted at most; a larger one is refused."""
        self._pause = Pause()
        if http_client is None:
            self._pool = Pool(self._new_http(), self._new_http)
        else:
            self._pool = Pool(http_client, None)
        # Closing the client closes the pool it made; never one of yours, nor a copy's.
        self._closes_pool = http_client is None
        _log_from_env()

    _http_class: type[H]

    @classmethod
    def _new_http(
        cls, transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None
    ) -> H:
        """A connection pool with the SDK's defaults: timeouts, fixed headers, no redirects,
        every idle connection kept, and (async) calls beyond its size queued in front of it.

        Raises `NixflexError` if the environment names a SOCKS proxy (`ALL_PROXY=socks5://...`)
        and the package that speaks SOCKS is missing: httpx sets up every proxy of the
        environment when the pool is made, even one `NO_PROXY` rules out for the API.
        """
        try:
            http = cls._http_class(
                timeout=DEFAULT_TIMEOUT,
                limits=DEFAULT_LIMITS,
                follow_redirects=False,
                headers=_FIXED_HEADERS,
                transport=transport,  # type: ignore[arg-type]
            )
        except ImportError as exc:
            if "socks" not in str(exc).lower():
                raise
            raise NixflexError(
                "a SOCKS proxy is set in the environment (ALL_PROXY, HTTPS_PROXY or HTTP_PROXY) "
                "and httpx needs the socksio package to use it: pip install 'nixflex[socks]'"
            ) from None
        # Calls beyond the pool's size wait their turn in front of it (see `_pool`).
        return gated(http, DEFAULT_LIMITS.max_connections or 100)

    @classmethod
    def _on_transport(
        cls, transport: httpx.BaseTransport | httpx.AsyncBaseTransport, **options: Any
    ) -> Self:
        """A client whose own pool sends through `transport`; closing the client closes both.

        Private, for `nixflex.testing`: the emulator hands its in-memory transport here rather
        than building an httpx client itself, so the client it returns is configured exactly
        as `Client(**options)` would be. `options` are the client's keyword arguments, less
        `http_client`.
        """
        make = functools.partial(cls._new_http, transport)
        client = cls(**options, http_client=make())
        client._pool = Pool(client._pool.current, make)
        client._closes_pool = True
        return client

    def _flow(self, call: Call[T]) -> Flow[T]:
        """The life of `call` on this client, for the shell to drive (see `_core.exchange`)."""
        http = self._pool.current
        if http.is_closed:
            raise NixflexError(f"this {type(self).__name__} is closed; make a new one")
        query = {key: value for key, value in call.query.items() if value is not None}
        headers = {"Authorization": self._authorization.reveal()}
        if not self._pool.owned:
            # A pool the SDK made sends these itself (merging them costs httpx ~10 µs a call).
            headers.update(_FIXED_HEADERS)
        request = http.build_request(
            call.method,
            self.base_url + call.path,
            # `None` when empty: httpx re-parses and rebuilds the URL for any params, even `{}`.
            params=query or None,
            json=call.body,
            headers=headers,
            timeout=self.timeout if self.timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        return exchange(
            call,
            request,
            max_retries=self.max_retries,
            secrets=self._secrets,
            pause=self._pause,
            deadline=self._deadline,
        )

    def _set_timeout(self, timeout: float | httpx.Timeout | None) -> None:
        self.timeout: httpx.Timeout | None = _checks.timeout(timeout)
        """The timeout given to the client, or `None` for the pool's own (see `timeout=`)."""
        # A number bounds each attempt end to end; an httpx.Timeout keeps httpx's meaning.
        self._deadline = (
            None if isinstance(timeout, httpx.Timeout) or timeout is None else (float(timeout))
        )

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        max_retries: int = NOT_GIVEN,
        max_response_size: int = NOT_GIVEN,
    ) -> Self:
        """A client with other settings that shares this one's connection pool.

        The copy also shares the pause after a 429 (see "Retries"). Closing the copy leaves the
        pool open: the pool closes with the client it came from.

        Args:
            timeout: the copy's timeout, seconds or an `httpx.Timeout`; unchanged if not given.
            max_retries: the copy's retries; unchanged if not given.
            max_response_size: the copy's size cap, in bytes; unchanged if not given.

        Raises:
            ValueError: a timeout that is not positive, or `max_retries` below 0.
            TypeError: `max_retries` is not an `int`.

        Example:
            ```python
            patient = client.with_options(timeout=120, max_retries=5)
            ```
        """
        clone = copy.copy(self)
        # Resources are cached per client; the clone must build its own, bound to itself.
        for name in [key for key, value in vars(clone).items() if hasattr(value, "_client")]:
            del clone.__dict__[name]
        clone._closes_pool = False
        if timeout is not NOT_GIVEN:
            clone._set_timeout(timeout)
        if max_retries is not NOT_GIVEN:
            clone.max_retries = _checks.whole_number(max_retries, "max_retries", 0)
        if max_response_size is not NOT_GIVEN:
            clone.max_response_size = _checks.whole_number(
                max_response_size, "max_response_size", 1
            )
        return clone

    @property
    def is_closed(self) -> bool:
        """Whether the connection pool is closed."""
        return self._pool.current.is_closed

    def __repr__(self) -> str:
        return (
            f"<nixflex.{type(self).__name__} base_url={self.base_url!r} "
            f"key_id={self._key_id!r} max_retries={self.max_retries}>"
        )


class Client(_BaseClient[httpx.Client]):
    """The Nixflex API client.

    Make one per application and share it: it holds a connection pool, is safe to use from many
    threads at once, and in a forked worker (gunicorn, Celery) opens connections of its own.

    Args:
        api_key: `"KEY_ID:KEY_SECRET"`; by default `NIXFLEX_API_KEY` (or `NIXFLEX_KEY_ID` and
            `NIXFLEX_KEY_SECRET`) from the environment.
        key_id: the key's id, with `key_secret`, instead of `api_key`.
        key_secret: the key's secret, with `key_id`.
        base_url: by default `NIXFLEX_BASE_URL`, else `https://api.nixflex.com`.
        timeout: seconds (a number), or an `httpx.Timeout`. A number bounds each attempt end
            to end, whatever the server does (a trickled answer included), and a whole call to
            `(max_retries + 1) * timeout` plus its retry waits. An `httpx.Timeout` keeps httpx's
            meaning: a bound on each socket operation. By default `httpx.Timeout(60, connect=5)`;
            a `http_client` of your own keeps its timeout unless you pass one here.
        max_retries: how many times a failed call is tried again (see "Retries" in the docs).
        max_response_size: the largest decoded answer accepted, in bytes (16 MiB by default,
            far above the largest documented answer); a larger one raises
            `APIResponseValidationError` without being read further.
        http_client: an `httpx.Client` of your own (proxies, transports, mounts). You close it.

    Raises:
        NixflexError: no key was given or found, it is not `KEY_ID:KEY_SECRET` (no `:`, or a
            half is empty), or it holds whitespace or a stray newline (the message names the
            argument or variable, never the key).
        ValueError: `base_url` is not an http(s) URL (or holds a password, a query or a
            fragment), `timeout` is not positive, `max_retries` is below 0, or
            `max_response_size` below 1.
        TypeError: `http_client` is not an `httpx.Client`, or `max_retries` not an `int`.

    Example:
        ```python
        import nixflex

        with nixflex.Client() as client:
            for number in client.phone_numbers.list():
                print(number.phone_number, number.agent_id)
        ```
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        key_id: str | None = None,
        key_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        max_response_size: int = 16_777_216,
        http_client: httpx.Client | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise TypeError("http_client must be an httpx.Client (use AsyncClient for async)")
        super().__init__(
            api_key=api_key,
            key_id=key_id,
            key_secret=key_secret,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_response_size=max_response_size,
            http_client=http_client,
        )

    _sleep = staticmethod(time.sleep)
    _http_class = httpx.Client

    @cached_property
    def phone_numbers(self) -> PhoneNumbers:
        """Your Twilio numbers attached to agents: import, list, update, delete."""
        from .resources.phone_numbers import PhoneNumbers

        return PhoneNumbers(self)

    @cached_property
    def numbers(self) -> Numbers:
        """Numbers provisioned through Nixflex, and their SMS history."""
        from .resources.numbers import Numbers

        return Numbers(self)

    @cached_property
    def webhooks(self) -> Webhooks:
        """Your numbers' webhook URLs, and checking the deliveries they receive."""
        from .resources.webhooks import Webhooks

        return Webhooks(self)

    @cached_property
    def callers(self) -> Callers:
        """What your agents know about each caller of your numbers: get, set, delete, import."""
        from .resources.callers import Callers

        return Callers(self)

    def _request(self, call: Call[T]) -> T:
        http = self._pool.for_sync()
        flow = self._flow(call)
        try:
            step = next(flow)
            while True:
                if isinstance(step, Send):
                    step = flow.send(self._send(http, step))
                else:
                    self._sleep(step.seconds)
                    step = flow.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            flow.close()

    @classmethod
    def _new_http(
        cls, transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None
    ) -> httpx.Client:
        # Its connections keep an attempt's deadline. Imported here: `_deadline` needs
        # httpcore, which httpx itself imports only when the first pool is made (~90 ms).
        from ._deadline import armed

        return armed(super()._new_http(transport))

    def _send(self, http: httpx.Client, step: Send) -> Outcome:
        token = None
        if step.deadline is not None:
            from ._deadline import DEADLINE

            token = DEADLINE.set(step.deadline)
        try:
            response = http.send(step.request, auth=None, follow_redirects=False, stream=True)
            try:
                reader = BodyReader(response, self.max_response_size, step.deadline)
                if reader.streaming:
                    for chunk in response.iter_raw():
                        reader.feed(chunk)
                        if reader.full:
                            break
                return reader.finish()
            finally:
                response.close()
        except (httpx.HTTPError, TooLarge) as exc:
            return exc
        finally:
            if token is not None:
                from ._deadline import DEADLINE

                DEADLINE.reset(token)

    def close(self) -> None:
        """Close the connection pool (unless it is your own `http_client`). Safe to repeat."""
        if self._closes_pool:
            self._pool.for_sync().close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_BaseClient[httpx.AsyncClient]):
    """The Nixflex API client for asyncio and trio: the surface of `Client`, every call awaited.

    Make one per application and share it: it holds a connection pool. It runs under asyncio and
    trio; used on another event loop than before (a second `asyncio.run()`), or in a forked
    child, it opens connections of its own there.

    Args:
        api_key: `"KEY_ID:KEY_SECRET"`; by default `NIXFLEX_API_KEY` (or `NIXFLEX_KEY_ID` and
            `NIXFLEX_KEY_SECRET`) from the environment.
        key_id: the key's id, with `key_secret`, instead of `api_key`.
        key_secret: the key's secret, with `key_id`.
        base_url: by default `NIXFLEX_BASE_URL`, else `https://api.nixflex.com`.
        timeout: seconds (each attempt end to end), or an `httpx.Timeout` (each socket
            operation); see `Client`.
        max_retries: how many times a failed call is tried again.
        max_response_size: the largest decoded answer accepted, in bytes (16 MiB by default).
        http_client: an `httpx.AsyncClient` of your own. You close it.

    Raises:
        NixflexError: no key was given or found, or it is malformed (see `Client`).
        ValueError: `base_url`, `timeout`, `max_retries` or `max_response_size` is out of
            range.
        TypeError: `http_client` is not an `httpx.AsyncClient`.

    Example:
        ```python
        import nixflex

        async with nixflex.AsyncClient() as client:
            numbers = await client.phone_numbers.list()
        ```
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        key_id: str | None = None,
        key_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        max_response_size: int = 16_777_216,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("http_client must be an httpx.AsyncClient (use Client for sync)")
        super().__init__(
            api_key=api_key,
            key_id=key_id,
            key_secret=key_secret,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_response_size=max_response_size,
            http_client=http_client,
        )

    _sleep = staticmethod(_async_sleep)
    _http_class = httpx.AsyncClient

    @cached_property
    def phone_numbers(self) -> AsyncPhoneNumbers:
        """Your Twilio numbers attached to agents: import, list, update, delete."""
        from .resources.phone_numbers import AsyncPhoneNumbers

        return AsyncPhoneNumbers(self)

    @cached_property
    def numbers(self) -> AsyncNumbers:
        """Numbers provisioned through Nixflex, and their SMS history."""
        from .resources.numbers import AsyncNumbers

        return AsyncNumbers(self)

    @cached_property
    def webhooks(self) -> AsyncWebhooks:
        """Your numbers' webhook URLs, and checking the deliveries they receive."""
        from .resources.webhooks import AsyncWebhooks

        return AsyncWebhooks(self)

    @cached_property
    def callers(self) -> AsyncCallers:
        """What your agents know about each caller of your numbers: get, set, delete, import."""
        from .resources.callers import AsyncCallers

        return AsyncCallers(self)

    async def _request(self, call: Call[T]) -> T:
        lease = self._pool.lease_async()
        flow = self._flow(call)
        try:
            step = next(flow)
            while True:
                if isinstance(step, Send):
                    step = flow.send(await self._attempt(lease, step))
                else:
                    await self._sleep(step.seconds)
                    step = flow.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        except BaseException as exc:
            if not isinstance(exc, Exception):  # cancelled (asyncio, trio), not an error
                self._pool.cancelled(lease)
            raise
        finally:
            flow.close()
            lease.in_flight -= 1
            if lease.retired and lease.in_flight == 0:
                await _close_shielded(lease.http)

    async def _attempt(self, lease: Lease[httpx.AsyncClient], step: Send) -> Outcome:
        if step.deadline is None:
            return await self._send(lease.http, step)
        import anyio

        with anyio.move_on_after(step.deadline - time.monotonic()):
            return await self._send(lease.http, step)
        # The deadline cancelled the attempt half-way: a connection may have been orphaned.
        self._pool.cancelled(lease)
        return httpx.ReadTimeout("no whole answer within the call's timeout", request=step.request)

    async def _send(self, http: httpx.AsyncClient, step: Send) -> Outcome:
        try:
            response = await http.send(step.request, auth=None, follow_redirects=False, stream=True)
        except httpx.HTTPError as exc:
            return exc
        try:
            reader = BodyReader(response, self.max_response_size, step.deadline)
            if reader.streaming:
                # Closed here, not by the garbage collector, when an error body stops at 64 KiB
                # (trio warns about an async generator left half-read).
                raw = cast("AsyncGenerator[bytes, None]", response.aiter_raw())
                async with contextlib.aclosing(raw) as chunks:
                    async for chunk in chunks:
                        reader.feed(chunk)
                        if reader.full:
                            break
            outcome: Outcome = reader.finish()
        except (httpx.HTTPError, TooLarge) as exc:
            outcome = exc
        except BaseException:
            await _close_shielded(response)  # cancelled: close it all the same
            raise
        await response.aclose()
        return outcome

    async def aclose(self) -> None:
        """Close the connection pool (unless it is your own `http_client`). Safe to repeat.

        Safe on another event loop than the calls ran on: the old loop's connections are
        dropped, not closed from a loop they do not belong to.
        """
        if self._closes_pool:
            lease = self._pool.lease_async()
            lease.in_flight -= 1
            await lease.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
