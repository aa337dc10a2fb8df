"""What tests share besides fixtures: the canary credentials and the two-client helpers.

A test that takes the `client` fixture runs twice, once with `nixflex.Client` and once with
`nixflex.AsyncClient`; it is an `async def` and goes through `run` / `collect`, which await
what the async client returns and pass the sync client's results through.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable
from typing import Any, TypeVar

import httpx
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
