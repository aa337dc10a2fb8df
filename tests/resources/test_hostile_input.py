"""What a careless caller or a broken environment hands the SDK: refused, typed, before sending.

Every refusal is a `ValueError` (or a `NixflexError` for the environment) that names the
argument, never its value, and nothing reaches the API: an import batch with one bad item sends
none of them.
"""

from __future__ import annotations

import logging
import traceback

import pytest
import respx

import nixflex
from tests.loopback import LoopbackServer, Reply
from tests.support import (
    API_KEY,
    BASE_URL,
    KEY_SECRET,
    TWILIO_SID,
    TWILIO_TOKEN,
    AnyClient,
    open_client,
    run,
)

pytestmark = pytest.mark.anyio

SURROGATE = "Open 9-5 \ud83e"


def clinic(number: str, **overrides: str) -> dict[str, str]:
    item = {
        "phone_number": number,
        "twilio_sid": TWILIO_SID,
        "twilio_token": TWILIO_TOKEN,
        "agent_id": "agent_1",
    }
    item.update(overrides)
    return item


def assert_hides(error: BaseException, *values: str) -> None:
    text = "".join(traceback.format_exception(error))
    for value in (*values, TWILIO_TOKEN, KEY_SECRET):
        assert value not in text
        assert value not in repr(error)


# --- text that cannot be sent --------------------------------------------------------------------


async def test_a_lone_surrogate_in_a_body_is_refused_naming_the_field(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.route()
    with pytest.raises(ValueError, match=r"^custom_prompt is not valid Unicode text") as caught:
        await run(client.phone_numbers.create(**clinic("+447446466847"), custom_prompt=SURROGATE))
    assert_hides(caught.value, SURROGATE)
    with pytest.raises(ValueError, match=r"^custom_prompt is not valid Unicode text"):
        await run(client.phone_numbers.update("+447446466847", custom_prompt=SURROGATE))
    assert route.call_count == 0


async def test_one_bad_item_stops_a_batch_before_any_is_sent(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.route()
    items = [clinic(f"+44744646684{i}") for i in range(5)]
    items[3]["custom_prompt"] = SURROGATE
    with pytest.raises(ValueError, match=r"^item 3: custom_prompt is not valid") as caught:
        await run(client.phone_numbers.import_many(items))
    assert_hides(caught.value, SURROGATE)
    profiles = {"+447446466840": "fine", "+447446466841": SURROGATE}
    with pytest.raises(ValueError, match=r"^item 1: custom_prompt is not valid"):
        await run(client.phone_numbers.sync_profiles(profiles))
    assert route.call_count == 0


async def test_a_lone_surrogate_in_a_path_or_query_is_refused(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.route()
    with pytest.raises(ValueError, match=r"^phone_number is not valid Unicode"):
        await run(client.phone_numbers.delete("+44\udc00"))
    with pytest.raises(ValueError, match=r"^agent_id is not valid Unicode"):
        await run(client.phone_numbers.list(agent_id="agent_\ud800"))
    assert route.call_count == 0


async def test_a_parameter_longer_than_a_url_can_carry_is_refused(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.route()
    with pytest.raises(ValueError, match=r"^number_id is longer than a URL can carry"):
        await run(client.numbers.release("9" * 65_536))
    with pytest.raises(ValueError, match=r"^agent_id is longer than a URL can carry"):
        await run(client.phone_numbers.list(agent_id="a" * 70_000))
    with pytest.raises(ValueError, match=r"^before is longer than a URL can carry"):
        client.numbers.messages.list("num_1", before="2" * 70_000)
    assert route.call_count == 0


# --- base URLs that lie --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("https://reseller:hunter2pass@api.nixflex.com", "user or password"),
        ("https://api.nixflex.com/?region=eu", "query"),
        ("https://api.nixflex.com/#v1", "fragment"),
        ("ftp://hunter2pass.example", "http:// or https://"),
    ],
)
@pytest.mark.parametrize("cls", [nixflex.Client, nixflex.AsyncClient])
def test_a_base_url_that_would_misroute_the_key_is_refused(
    cls: type[AnyClient], base_url: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        cls(api_key=API_KEY, base_url=base_url)
    assert "hunter2pass" not in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [
        ("http://api.nixflex.example", True),
        ("http://10.0.0.7:8080", True),
        ("http://127.0.0.1:8787", False),
        ("http://localhost:8787", False),
        ("http://[::1]:8787", False),
        ("http://nixflex.test", False),
        ("https://api.nixflex.com", False),
    ],
)
def test_plain_http_beyond_this_machine_logs_one_warning(
    caplog: pytest.LogCaptureFixture, base_url: str, warned: bool
) -> None:
    with caplog.at_level(logging.WARNING, logger="nixflex"):
        nixflex.Client(api_key=API_KEY, base_url=base_url).close()
    warnings = [r for r in caplog.records if r.name == "nixflex" and r.levelno == logging.WARNING]
    assert len(warnings) == int(warned)
    if warned:
        assert "unencrypted" in warnings[0].getMessage()


# --- the environment -----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [nixflex.Client, nixflex.AsyncClient])
def test_a_socks_proxy_without_socksio_says_what_to_install(
    cls: type[AnyClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    if importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed here")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("NO_PROXY", "api.nixflex.com")
    with pytest.raises(nixflex.NixflexError, match=r"nixflex\[socks\]"):
        cls(api_key=API_KEY, base_url=BASE_URL)


# --- a connection error that quotes the request --------------------------------------------------


async def test_a_protocol_error_quoting_the_request_is_masked_with_its_cause(
    loopback: LoopbackServer, client_kind: str
) -> None:
    # A broken server echoes the request's Authorization header and body into its status line;
    # httpx quotes the line it could not parse.
    def echo(request: object) -> Reply:
        head = dict(getattr(request, "headers", ()))
        body = getattr(request, "body", b"")
        line = b"HTTP/1.1 2O0 " + head.get("Authorization", "").encode() + b" " + body
        return Reply.raw(line + b"\r\n\r\n")

    loopback.handler = echo
    async with open_client(client_kind, loopback.url, max_retries=0, timeout=2) as client:
        with pytest.raises(nixflex.APIConnectionError) as caught:
            await run(client.phone_numbers.create(**clinic("+447446466847")))
    assert "***" in str(caught.value)
    assert_hides(caught.value)
    assert caught.value.__cause__ is not None
    assert KEY_SECRET not in str(caught.value.__cause__)
    assert TWILIO_TOKEN not in str(caught.value.__cause__)
