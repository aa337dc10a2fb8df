"""The public surface: exported names, docstrings, sync/async parity, and a light import."""

from __future__ import annotations

import inspect
from functools import cached_property

import pytest

import nixflex

PAIRS = [
    (nixflex.Client, nixflex.AsyncClient),
    (nixflex.PhoneNumbers, nixflex.AsyncPhoneNumbers),
    (nixflex.Numbers, nixflex.AsyncNumbers),
    (nixflex.Messages, nixflex.AsyncMessages),
    (nixflex.Webhooks, nixflex.AsyncWebhooks),
    (nixflex.Paginator, nixflex.AsyncPaginator),
    (nixflex.Page, nixflex.AsyncPage),
]
CLOSE_NAMES = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}
# What only one side has: `for` on the sync side; `async for` and `await` on the async side.
ONLY_SYNC = {"__iter__"}
ONLY_ASYNC = {"__aiter__", "__await__"}


def test_all_is_sorted_and_complete() -> None:
    assert nixflex.__all__ == sorted(nixflex.__all__)
    for name in nixflex.__all__:
        assert hasattr(nixflex, name), name
    # "@py_builtins": pytest rewrites the asserts of a plugin's whole distribution, nixflex's too.
    public = {name for name in vars(nixflex) if not name.startswith(("_", "@"))}
    # Modules: reached through the names they export, or (testing) imported on purpose.
    public -= {"cli", "models", "resources", "testing", "webhooks"}
    assert public <= set(nixflex.__all__)


@pytest.mark.parametrize("name", [n for n in nixflex.__all__ if n != "__version__"])
def test_every_public_name_and_method_has_a_docstring(name: str) -> None:
    obj = getattr(nixflex, name)
    assert inspect.getdoc(obj), name
    if inspect.isclass(obj) and not issubclass(obj, BaseException):
        for attr, member in vars(obj).items():
            documented = inspect.isfunction(member) or isinstance(
                member, (property, cached_property)
            )
            if attr.startswith("_") or not documented:
                continue
            assert inspect.getdoc(getattr(obj, attr)), f"{name}.{attr}"


def _public_members(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_")
        or name in {*CLOSE_NAMES, *CLOSE_NAMES.values(), *ONLY_SYNC, *ONLY_ASYNC}
    }


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_sync_and_async_have_the_same_surface(sync: type, async_: type) -> None:
    sync_members = _public_members(sync)
    async_members = _public_members(async_)
    renamed = {CLOSE_NAMES.get(name, name) for name in sync_members} - ONLY_SYNC
    assert renamed == set(async_members) - ONLY_ASYNC
    for name, member in sync_members.items():
        if name in ONLY_SYNC or name in CLOSE_NAMES or not inspect.isfunction(member):
            continue
        twin = async_members[name]
        sync_params = list(inspect.signature(member).parameters.values())
        async_params = list(inspect.signature(twin).parameters.values())  # type: ignore[arg-type]
        assert [(p.name, p.kind, p.default) for p in sync_params] == [
            (p.name, p.kind, p.default) for p in async_params
        ], f"{sync.__name__}.{name}"


def test_the_version_is_in_the_user_agent() -> None:
    from nixflex._client import USER_AGENT

    assert f"nixflex-python/{nixflex.__version__}" == USER_AGENT


def test_the_reference_shows_defaults_as_values_that_are_the_sdks_own() -> None:
    # Written as values in the signatures (the API reference shows `2`, not a constant's name);
    # these keep them the constants the SDK uses.
    import httpx

    from nixflex._body import DEFAULT_MAX_RESPONSE_SIZE
    from nixflex._client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
    from nixflex._pool import DEFAULT_LIMITS

    for cls in (nixflex.Client, nixflex.AsyncClient):
        parameters = inspect.signature(cls).parameters
        assert parameters["max_retries"].default == DEFAULT_MAX_RETRIES
        assert parameters["max_response_size"].default == DEFAULT_MAX_RESPONSE_SIZE
    aiohttp = inspect.signature(nixflex.DefaultAioHttpClient).parameters
    assert aiohttp["timeout"].default == DEFAULT_TIMEOUT
    limits: httpx.Limits = aiohttp["limits"].default
    assert (limits.max_connections, limits.max_keepalive_connections) == (
        DEFAULT_LIMITS.max_connections,
        DEFAULT_LIMITS.max_keepalive_connections,
    )
    assert limits.keepalive_expiry == DEFAULT_LIMITS.keepalive_expiry
