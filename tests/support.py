"""What tests share besides fixtures: the canary credentials and the two-client helpers.

A test that takes the `client_kind` fixture (or a fixture built on it: `client`,
`loopback_client`) runs twice, once with `nixflex.Client` and once with `nixflex.AsyncClient`,
each made by `open_client`, the one factory of "a client of each kind". It is an `async def` and
goes through `run` / `collect`, which await what the async client returns and pass the sync
client's results through.
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
KINDS = ("sync", "async", "trio")


@contextlib.asynccontextmanager
async def open_client(
    kind: str, base_url: str = BASE_URL, **options: Any
) -> AsyncIterator[AnyClient]:
    """A `Client` (`kind` "sync") or an `AsyncClient` ("async", "trio") on `base_url`, closed
    after (the test runs under trio for "trio": see the `anyio_backend` fixture).

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
