"""What tests share besides fixtures: the canary credentials and the two-client helpers.

A test that takes the `client_kind` fixture (or a fixture built on it: `client`,
`loopback_client`) runs once per kind: `nixflex.Client`, `nixflex.AsyncClient` under asyncio and
under trio, and `nixflex.AsyncClient` over `nixflex.DefaultAioHttpClient` (aiohttp, asyncio
only), each made by `open_client`, the one factory of "a client of each kind". It is an
`async def` and goes through `run` / `collect`, which await what the async client returns and
pass the sync client's results through.

On the respx-mocked API (the `api` fixture) the "aiohttp" kind is mocked above the transport
(respx's `using="httpx"`), so there it checks the SDK over a pool of the user's own; the tests
on a real socket (`loopback`, the reliability suite) send through aiohttp itself.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
import respx

import nixflex

T = TypeVar("T")

BASE_URL = "https://api.nixflex.com"
KEY_ID = "key_test"
KEY_SECRET = "sk_canary_KEYSECRET_7f3a9c"
API_KEY = f"{KEY_ID}:{KEY_SECRET}"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "canary_TWILIO_TOKEN_5e6f7a8b"

AnyClient = nixflex.Client | nixflex.AsyncClient

# httpx, when a body is not read to its end (it cannot be decoded; the SDK stops reading an
# error at 64 KiB, an answer at its size cap or deadline), leaves its own stream generators to
# the garbage collector, which trio reports as a ResourceWarning; the connection itself is
# closed, nothing of the SDK's is left open. For the tests of such answers.
HTTPX_GENERATORS_LEFT_TO_GC = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <async_generator object:pytest.PytestUnraisableExceptionWarning"
)
KINDS = ("sync", "async", "trio", "aiohttp")


@contextlib.asynccontextmanager
async def open_client(
    kind: str, base_url: str = BASE_URL, **options: Any
) -> AsyncIterator[AnyClient]:
    """A `Client` (`kind` "sync") or an `AsyncClient` ("async", "trio"; "aiohttp": over a
    `DefaultAioHttpClient`) on `base_url`, closed after (the test runs under trio for "trio":
    see the `anyio_backend` fixture).

    `options` are the clients' keyword arguments (`timeout=`, `max_retries=`, `http_client=`);
    the key is the canary `API_KEY` unless one of them says otherwise.
    """
    if not {"api_key", "key_id", "key_secret"} & options.keys():
        options["api_key"] = API_KEY
    if kind == "sync":
        with _one_ssl_context():
            client = nixflex.Client(base_url=base_url, **options)
        with client:
            yield client
    elif kind in ("async", "trio"):
        with _one_ssl_context():
            async_client = nixflex.AsyncClient(base_url=base_url, **options)
        async with async_client:
            yield async_client
    elif kind == "aiohttp":
        if "http_client" in options:  # the test's own pool
            async with nixflex.AsyncClient(base_url=base_url, **options) as async_client:
                yield async_client
            return
        with _one_ssl_context():
            http = nixflex.DefaultAioHttpClient()
        # The pool is the test's own, as any `http_client=`: closed after the client.
        async with http, nixflex.AsyncClient(base_url=base_url, http_client=http, **options) as c:
            yield c
    else:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


_ssl_contexts: dict[bool, ssl.SSLContext] = {}


@contextlib.contextmanager
def _one_ssl_context() -> Iterator[None]:
    """Inside, every new httpx client shares one default TLS context instead of making its own.

    Making one loads a CA bundle (20-40 ms): over the hundreds of clients a fault matrix makes,
    most of its run time, for TLS that a loopback server over plain http never uses. This
    patches a private name of httpx (`_transports.default.create_ssl_context`, httpx is pinned
    below 1.0); should it move, clients are made as they are, only slower.
    """
    from httpx._transports import default

    create = getattr(default, "create_ssl_context", None)
    if create is None:
        yield
        return

    def once(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if verify is not True or cert is not None:
            return create(verify=verify, cert=cert, trust_env=trust_env)  # type: ignore[no-any-return]
        if trust_env not in _ssl_contexts:
            _ssl_contexts[trust_env] = create(trust_env=trust_env)
        return _ssl_contexts[trust_env]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(default, "create_ssl_context", once)
        yield


async def run(value: Awaitable[T] | T) -> T:
    """The result of a call on either client."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(paginator: nixflex.Paginator[T] | nixflex.AsyncPaginator[T]) -> list[T]:
    """Every item of a paginator of either client."""
    if isinstance(paginator, nixflex.AsyncPaginator):
        return await paginator.to_list()
    return paginator.to_list()


def sent_json(request: httpx.Request) -> Any:
    """The JSON body the SDK sent."""
    return json.loads(request.content)


def assert_sdk_headers(request: httpx.Request, *, with_body: bool) -> None:
    """The key and User-Agent on every request; a JSON content type exactly when there is a body."""
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["user-agent"] == f"nixflex-python/{nixflex.__version__}"
    if with_body:
        assert request.headers["content-type"] == "application/json"
    else:
        assert "content-type" not in request.headers
        assert request.content == b""


def only_request(api: respx.MockRouter) -> httpx.Request:
    """The one request the mocked API received."""
    assert api.calls.call_count == 1, [call.request.url for call in api.calls]
    return api.calls.last.request
