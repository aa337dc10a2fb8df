"""Client configuration and lifecycle: credentials, base URL, timeouts, pools, options, repr."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

import nixflex
from nixflex._client import DEFAULT_TIMEOUT
from tests.support import API_KEY, BASE_URL, KEY_ID, KEY_SECRET, AnyClient, run

pytestmark = pytest.mark.anyio

ENV_VARS = (
    "NIXFLEX_API_KEY",
    "NIXFLEX_KEY_ID",
    "NIXFLEX_KEY_SECRET",
    "NIXFLEX_BASE_URL",
    "NIXFLEX_LOG",
)
CLIENTS = [nixflex.Client, nixflex.AsyncClient]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def phone_numbers_route(api: respx.MockRouter) -> respx.Route:
    return api.get("/v1/phone-numbers").respond(200, json={"phone_numbers": []})


async def close(client: AnyClient) -> None:
    if isinstance(client, nixflex.Client):
        client.close()
    else:
        await client.aclose()


def sent_authorization(route: respx.Route) -> str:
    return route.calls.last.request.headers["authorization"]


# --- credentials ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "env", "expected"),
    [
        ({"api_key": API_KEY}, {}, API_KEY),
        ({"key_id": KEY_ID, "key_secret": KEY_SECRET}, {}, API_KEY),
        ({}, {"NIXFLEX_API_KEY": API_KEY}, API_KEY),
        ({}, {"NIXFLEX_KEY_ID": KEY_ID, "NIXFLEX_KEY_SECRET": KEY_SECRET}, API_KEY),
        # An explicit key wins over the environment.
        ({"api_key": "other:secret_x"}, {"NIXFLEX_API_KEY": API_KEY}, "other:secret_x"),
        # NIXFLEX_API_KEY wins over the pair.
        (
            {},
            {"NIXFLEX_API_KEY": API_KEY, "NIXFLEX_KEY_ID": "a", "NIXFLEX_KEY_SECRET": "b"},
            API_KEY,
        ),
    ],
)
async def test_the_key_comes_from_arguments_then_environment(
    kwargs: dict[str, str],
    env: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    phone_numbers_route: respx.Route,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for cls in CLIENTS:
        client = cls(base_url=BASE_URL, **kwargs)
        await run(client.phone_numbers.list())
        assert sent_authorization(phone_numbers_route) == f"Bearer {expected}"
        await close(client)


@pytest.mark.parametrize("cls", CLIENTS)
def test_no_key_anywhere_names_the_environment_variable(cls: type[AnyClient]) -> None:
    with pytest.raises(nixflex.NixflexError, match="NIXFLEX_API_KEY"):
        cls()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": API_KEY, "key_id": KEY_ID, "key_secret": KEY_SECRET}, "not both"),
        ({"key_id": KEY_ID}, "key_secret= is missing"),
        ({"key_secret": KEY_SECRET}, "key_id= is missing"),
        ({"api_key": ""}, "api_key must be a non-empty string"),
        ({"key_id": "a:b", "key_secret": KEY_SECRET}, "key_id must not contain ':'"),
    ],
)
def test_inconsistent_credentials_are_refused(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(nixflex.NixflexError, match=message):
        nixflex.Client(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"api_key": API_KEY + "\n"}, "api_key"),
        ({"api_key": "key_test: " + KEY_SECRET}, "api_key"),
        ({"key_id": KEY_ID, "key_secret": KEY_SECRET + "\r\n"}, "key_secret"),
        ({"key_id": KEY_ID + "\t", "key_secret": KEY_SECRET}, "key_id"),
        ({"key_id": KEY_ID, "key_secret": KEY_SECRET + "é"}, "key_secret"),
    ],
)
def test_a_malformed_key_names_the_field_never_the_value(
    kwargs: dict[str, str], field: str
) -> None:
    with pytest.raises(nixflex.NixflexError) as caught:
        nixflex.Client(**kwargs)  # type: ignore[arg-type]
    assert field in str(caught.value)
    assert KEY_SECRET not in str(caught.value)
    assert KEY_SECRET not in repr(caught.value)


@pytest.mark.parametrize("key", ["nxfs_secretonly_7f3a9c", "key_test:", ":" + KEY_SECRET])
@pytest.mark.parametrize("source", ["api_key", "NIXFLEX_API_KEY"])
@pytest.mark.parametrize("cls", CLIENTS)
def test_a_key_that_is_not_both_halves_is_refused_before_anything_is_sent(
    cls: type[AnyClient], source: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The API would answer key_secret_required; the SDK says so when the client is built.
    if source != "api_key":
        monkeypatch.setenv(source, key)
    with pytest.raises(nixflex.NixflexError) as caught:
        cls(base_url=BASE_URL, api_key=key if source == "api_key" else None)
    message = str(caught.value)
    assert message.startswith(f"{source} ")
    assert "KEY_ID:KEY_SECRET" in message
    assert key.strip(":") not in message


def test_a_stray_newline_in_the_environment_key_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NIXFLEX_API_KEY", API_KEY + "\n")
    with pytest.raises(nixflex.NixflexError, match="NIXFLEX_API_KEY") as caught:
        nixflex.Client()
    assert KEY_SECRET not in str(caught.value)


@pytest.mark.parametrize("cls", CLIENTS)
def test_repr_and_vars_hide_the_secret(cls: type[AnyClient]) -> None:
    client = cls(api_key=API_KEY)
    assert repr(client) == (
        f"<nixflex.{cls.__name__} base_url='https://api.nixflex.com' "
        f"key_id='{KEY_ID}' max_retries=2>"
    )
    assert KEY_SECRET not in repr(vars(client))
    assert KEY_SECRET not in repr(client.with_options(max_retries=0))


# --- base URL, headers, timeouts -----------------------------------------------------------------


async def test_base_url_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NIXFLEX_BASE_URL", "http://127.0.0.1:8787/")
    with respx.mock(base_url="http://127.0.0.1:8787") as router:
        route = router.get("/v1/phone-numbers").respond(200, json=[])
        with nixflex.Client(api_key=API_KEY) as client:
            assert client.phone_numbers.list() == []
        assert route.call_count == 1


@pytest.mark.parametrize("base_url", ["api.nixflex.com", "ftp://api.nixflex.com", "http://"])
def test_a_base_url_that_is_not_http_is_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        nixflex.Client(api_key=API_KEY, base_url=base_url)


async def test_every_request_carries_auth_user_agent_and_json(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.patch("/v1/phone-numbers/%2B15550001111").respond(
        200, json={"phone_number": {"phone_number": "+15550001111", "agent_id": "agt_1"}}
    )
    await run(client.phone_numbers.update("+15550001111", custom_prompt="Open 9-5"))
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["user-agent"] == f"nixflex-python/{nixflex.__version__}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    assert request.content == b'{"custom_prompt":"Open 9-5"}'


async def test_default_timeout_is_short_to_connect_and_longer_to_read(
    client: AnyClient, phone_numbers_route: respx.Route
) -> None:
    await run(client.phone_numbers.list())
    timeout = phone_numbers_route.calls.last.request.extensions["timeout"]
    assert timeout == DEFAULT_TIMEOUT.as_dict()
    assert timeout["connect"] == 5.0
    assert timeout["read"] == 60.0


@pytest.mark.parametrize(
    ("given", "expected"),
    [(12.5, httpx.Timeout(12.5)), (httpx.Timeout(3, read=30), httpx.Timeout(3, read=30))],
)
def test_an_explicit_timeout_wins(
    given: float | httpx.Timeout, expected: httpx.Timeout, phone_numbers_route: respx.Route
) -> None:
    own = httpx.Client(timeout=99)
    with nixflex.Client(api_key=API_KEY, timeout=given, http_client=own) as client:
        client.phone_numbers.list()
    own.close()
    assert phone_numbers_route.calls.last.request.extensions["timeout"] == expected.as_dict()


async def test_your_own_http_client_keeps_its_timeout(phone_numbers_route: respx.Route) -> None:
    async with (
        httpx.AsyncClient(timeout=42) as own,
        nixflex.AsyncClient(api_key=API_KEY, http_client=own) as client,
    ):
        await client.phone_numbers.list()
    assert phone_numbers_route.calls.last.request.extensions["timeout"] == (
        httpx.Timeout(42).as_dict()
    )


@pytest.mark.parametrize("bad", [0, -1, "5", True])
def test_a_nonsense_timeout_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="timeout"):
        nixflex.Client(api_key=API_KEY, timeout=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "error"), [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)]
)
def test_a_nonsense_max_retries_is_refused(bad: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_retries"):
        nixflex.Client(api_key=API_KEY, max_retries=bad)  # type: ignore[arg-type]


async def test_the_wrong_kind_of_http_client_is_refused() -> None:
    async with httpx.AsyncClient() as async_http:
        with pytest.raises(TypeError, match=r"httpx\.Client"):
            nixflex.Client(api_key=API_KEY, http_client=async_http)  # type: ignore[arg-type]
    with httpx.Client() as sync_http, pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        nixflex.AsyncClient(api_key=API_KEY, http_client=sync_http)  # type: ignore[arg-type]


# --- the pool and its lifecycle ------------------------------------------------------------------


async def test_closing_closes_the_pool_and_is_safe_twice(client: AnyClient) -> None:
    assert not client.is_closed
    await close(client)
    await close(client)
    assert client.is_closed


async def test_a_closed_client_says_so(client: AnyClient, phone_numbers_route: respx.Route) -> None:
    await close(client)
    with pytest.raises(nixflex.NixflexError, match="closed"):
        await run(client.phone_numbers.list())
    assert phone_numbers_route.call_count == 0


def test_the_context_manager_closes_the_pool() -> None:
    with nixflex.Client(api_key=API_KEY) as client:
        assert not client.is_closed
    assert client.is_closed


async def test_the_async_context_manager_closes_the_pool() -> None:
    async with nixflex.AsyncClient(api_key=API_KEY) as client:
        assert not client.is_closed
    assert client.is_closed


def test_your_own_http_client_is_used_and_left_open() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"phone_numbers": []})

    own = httpx.Client(transport=httpx.MockTransport(handler), headers={"X-Proxy-Tag": "t1"})
    with nixflex.Client(api_key=API_KEY, http_client=own) as client:
        assert client.phone_numbers.list() == []
    assert not own.is_closed  # it is yours to close
    own.close()
    assert seen[0].headers["x-proxy-tag"] == "t1"
    assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"


async def test_with_options_shares_the_pool_and_changes_only_what_it_names(
    client: AnyClient, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get("/v1/phone-numbers").respond(503)
    patient = client.with_options(max_retries=4, timeout=7)
    assert patient._pool is client._pool
    assert (patient.max_retries, client.max_retries) == (4, 2)
    assert patient.timeout == httpx.Timeout(7)
    assert client.timeout is None
    with pytest.raises(nixflex.InternalServerError):
        await run(patient.phone_numbers.list())
    assert route.call_count == 5
    assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(7).as_dict()
    # Its resources are bound to it, not to the client it came from.
    assert patient.phone_numbers._client is patient
    assert client.phone_numbers._client is client
    await close(patient)
    assert not client.is_closed


# --- redirects and logging ---------------------------------------------------------------------


async def test_a_redirect_is_not_followed(client: AnyClient, api: respx.MockRouter) -> None:
    elsewhere = respx.get("https://evil.example/steal").respond(200, json=[])
    api.get("/v1/phone-numbers").respond(302, headers={"Location": "https://evil.example/steal"})
    with pytest.raises(nixflex.APIStatusError) as caught:
        await run(client.phone_numbers.list())
    assert caught.value.status_code == 302
    assert "redirect" in caught.value.message
    assert elsewhere.call_count == 0


async def test_each_attempt_is_logged_at_debug_with_metadata_only(
    client: AnyClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    api.get("/v1/phone-numbers").mock(
        side_effect=[
            httpx.Response(503, headers={"x-request-id": "req_a"}),
            httpx.Response(200, json=[], headers={"x-request-id": "req_b"}),
        ]
    )
    with caplog.at_level(logging.DEBUG, logger="nixflex"):
        await run(client.phone_numbers.list())
    lines = [record.getMessage() for record in caplog.records if record.name == "nixflex"]
    assert len(lines) == 3
    assert lines[0].startswith("GET /v1/phone-numbers -> 503 in ")
    assert "attempt 1 of 3, request_id=req_a" in lines[0]
    assert lines[1].startswith("GET /v1/phone-numbers: retrying in ")
    assert "-> 200" in lines[2]
    assert "attempt 2 of 3, request_id=req_b" in lines[2]
    assert all(KEY_SECRET not in line for line in lines)


def test_nixflex_log_debug_prints_the_log_without_set_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logger = logging.getLogger("nixflex")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    monkeypatch.setenv("NIXFLEX_LOG", "debug")
    nixflex.Client(api_key=API_KEY)
    nixflex.Client(api_key=API_KEY)
    assert len(logger.handlers) == 1
    assert logger.level == logging.DEBUG


def test_auth_set_on_your_own_http_client_does_not_replace_the_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    own = httpx.Client(transport=httpx.MockTransport(handler), auth=("proxy-user", "proxy-pass"))
    with nixflex.Client(api_key=API_KEY, http_client=own) as client:
        client.phone_numbers.list()
    own.close()
    assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"
