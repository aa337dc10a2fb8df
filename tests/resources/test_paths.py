"""Path parameters travel as exactly one percent-encoded segment, or are refused before sending."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

import nixflex
from nixflex._checks import segment
from tests.support import API_KEY, AnyClient, run

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("value", "raw"),
    [
        ("+447446466847", "%2B447446466847"),
        ("num_xyz789", "num_xyz789"),
        ("a/b", "a%2Fb"),
        ("a?b=c#d", "a%3Fb%3Dc%23d"),
        ("...", "..."),
        ("%2E%2E", "%252E%252E"),
        (" +1 ", "%20%2B1%20"),
        ("é", "%C3%A9"),
    ],
)
async def test_a_path_parameter_is_one_encoded_segment(
    client: AnyClient, api: respx.MockRouter, value: str, raw: str
) -> None:
    route = api.route(method="DELETE").respond(204)
    await run(client.phone_numbers.delete(value))
    assert route.calls.last.request.url.raw_path == f"/v1/phone-numbers/{raw}".encode()


@pytest.mark.parametrize("value", ["", " ", "\t\n", ".", ".."])
async def test_blank_and_dot_segments_are_refused_before_sending(
    client: AnyClient, api: respx.MockRouter, value: str
) -> None:
    route = api.route().respond(204)
    with pytest.raises(ValueError, match="phone_number"):
        await run(client.phone_numbers.delete(value))
    with pytest.raises(ValueError, match="number_id"):
        await run(client.numbers.release(value))
    with pytest.raises(ValueError, match="phone_number"):
        await run(client.phone_numbers.update(value, custom_prompt=None))
    with pytest.raises(ValueError, match="number_id"):
        client.numbers.messages.list(value)
    assert route.call_count == 0


def test_a_path_parameter_must_be_text() -> None:
    with pytest.raises(TypeError, match="number_id must be a str"):
        segment(12, "number_id")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_string_is_refused_or_travels_as_itself(value: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with nixflex.Client(api_key=API_KEY, http_client=http, max_retries=0) as client:
        try:
            client.numbers.release(value)
        except ValueError:
            assert not seen
            assert not value.strip() or value in (".", "..") or not _encodable(value)
            return
    http.close()
    raw_path = seen[0].url.raw_path.decode("ascii")
    prefix, _, last = raw_path.rpartition("/")
    assert prefix == "/v1/numbers"
    assert unquote(last, errors="strict") == value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
