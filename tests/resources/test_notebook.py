"""Notebooks: the sync client inside a running event loop, the async one with top-level `await`.

A Jupyter kernel runs every cell inside a running asyncio event loop, and runs a cell with a
top-level `await` as a coroutine on that loop. `run_cell` does the same (with the compiler flag
IPython uses), and a cell's last expression is "displayed" as Jupyter does: through its
`_repr_html_` when it has one. So each session below is a notebook, cell by cell, on both
clients, against an API scripted with respx.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
from typing import Any

import httpx
import pandas as pd
import pytest
import respx

import nixflex
from tests.support import API_KEY, BASE_URL, KEY_SECRET
from tests.unit.test_display import Table, read

pytestmark = pytest.mark.anyio

AGENT = "agent_125207e452f8714a"
CLINIC = "+447446466847"
PROFILE = "Business: Smile Dental Croydon. Open Mon-Fri 9am-5pm. Now open Saturdays too."
PHONE_NUMBERS: list[dict[str, Any]] = [
    {
        "phone_number": CLINIC,
        "agent_id": AGENT,
        "twilio_number_sid": "PN451e0ddf654327e36baab58dfbcd30d6",
        "inbound_enabled": True,
        "outbound_enabled": True,
        "custom_prompt": "Business: Smile Dental Croydon. Open Mon-Fri 9am-5pm.",
        "created_at": "2025-01-15T10:45:00Z",
    },
    {"phone_number": "+447446466848", "agent_id": AGENT, "created_at": "2025-01-14T09:30:00Z"},
]
NUMBERS = [
    {
        "id": f"num_{i}",
        "phoneNumber": f"+1555000000{i}",
        "country": "US",
        "status": "active",
        "agentId": AGENT if i % 2 else None,
        "createdAt": f"2025-01-1{i}T08:00:00Z",
    }
    for i in range(3)
]
MESSAGES = [
    {
        "id": "msg_2",
        "from": "+15559876543",
        "to": "+15550000000",
        "body": "Can I come on Saturday? <script>alert('hi')</script>",
        "receivedAt": "2025-01-15T12:01:00Z",
    },
    {
        "id": "msg_1",
        "from": "+15559876543",
        "to": "+15550000000",
        "body": "Hello",
        "receivedAt": "2025-01-15T12:00:00Z",
    },
]


# --- a notebook kernel, in miniature -------------------------------------------------------------


async def run_cell(source: str, namespace: dict[str, Any]) -> Any:
    """Run a cell as Jupyter does, in the running loop; return its last expression's value."""
    asyncio.get_running_loop()  # a kernel always has one running
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body else None
    parts: list[tuple[ast.Module | ast.Expression, str]] = [(tree, "exec")]
    if isinstance(last, ast.Expr):
        tree.body.pop()
        parts.append((ast.Expression(last.value), "eval"))
    result = None
    for node, mode in parts:
        code = compile(node, "<cell>", mode, flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, namespace)
        if code.co_flags & inspect.CO_COROUTINE:
            result = await result
    return result if isinstance(last, ast.Expr) else None


def display(value: Any) -> Table:
    """What Jupyter would show for `value`: its HTML repr, read back as a table."""
    assert hasattr(value, "_repr_html_"), f"{type(value).__name__} has no HTML repr"
    markup = value._repr_html_()
    assert KEY_SECRET not in markup
    return read(markup)


def script_the_api(api: respx.MockRouter) -> dict[str, Any]:
    """The API a session talks to; returns what the PATCH received."""
    received: dict[str, Any] = {}

    def numbers(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        page = NUMBERS[offset : offset + limit]
        return httpx.Response(200, json={"data": page, "hasMore": offset + limit < len(NUMBERS)})

    def update(request: httpx.Request) -> httpx.Response:
        received.update(json.loads(request.content))
        return httpx.Response(
            200, json={"phone_number": {**PHONE_NUMBERS[0], "custom_prompt": PROFILE}}
        )

    api.get("/v1/phone-numbers").respond(200, json={"phone_numbers": PHONE_NUMBERS})
    api.get("/v1/numbers").mock(side_effect=numbers)
    api.get("/v1/numbers/num_1/messages").respond(200, json={"data": MESSAGES, "hasMore": False})
    api.patch("/v1/phone-numbers/%2B447446466847").mock(side_effect=update)
    return received


# --- the sessions --------------------------------------------------------------------------------

SYNC_SESSION = [
    f"import nixflex\nclient = nixflex.Client(api_key={API_KEY!r}, base_url={BASE_URL!r})",
    f"numbers = client.phone_numbers.list(agent_id={AGENT!r})\nnumbers",
    "page = client.numbers.list(limit=2).first_page()\npage",
    "page.next_page()",
    "df = client.numbers.list(limit=2).to_pandas()\ndf",
    "client.numbers.messages.list('num_1').first_page()",
    f"client.phone_numbers.update({CLINIC!r}, custom_prompt={PROFILE!r})",
    "client.close()",
]
ASYNC_SESSION = [
    f"import nixflex\nclient = nixflex.AsyncClient(api_key={API_KEY!r}, base_url={BASE_URL!r})",
    f"numbers = await client.phone_numbers.list(agent_id={AGENT!r})\nnumbers",
    "page = await client.numbers.list(limit=2)\npage",
    "await page.next_page()",
    "df = await client.numbers.list(limit=2).to_pandas()\ndf",
    "await client.numbers.messages.list('num_1')",
    f"await client.phone_numbers.update({CLINIC!r}, custom_prompt={PROFILE!r})",
    "await client.aclose()",
]


@pytest.mark.parametrize("cells", [SYNC_SESSION, ASYNC_SESSION], ids=["sync", "async"])
async def test_a_notebook_session_top_to_bottom(cells: list[str], api: respx.MockRouter) -> None:
    received = script_the_api(api)
    namespace: dict[str, Any] = {}
    outputs = [await run_cell(cell, namespace) for cell in cells]
    start, numbers, first, second, frame, messages, updated, closed = outputs

    assert start is None
    assert closed is None
    assert namespace["client"].is_closed

    table = display(numbers)
    # The fields past those that fit a notebook's width are named after the count.
    assert table.caption.startswith("2 PhoneNumbers; ")
    assert [row[0] for row in table.texts()[1:]] == [CLINIC, "+447446466848"]
    assert api.calls[0].request.url.params["agent_id"] == AGENT

    table = display(first)
    assert table.caption == "a page of 2 Numbers; more pages follow: next_page()"
    assert [row[0] for row in table.texts()[1:]] == ["num_0", "num_1"]
    assert display(second).caption == "a page of 1 Number; the last page"

    assert isinstance(frame, pd.DataFrame)
    assert frame["id"].tolist() == ["num_0", "num_1", "num_2"]
    assert str(frame["created_at"].dtype) == "datetime64[ns, UTC]"
    assert frame["agent_id"].isna().tolist() == [True, False, True]
    assert frame["created_at"].max() == pd.Timestamp("2025-01-12T08:00:00Z")

    table = display(messages)
    assert table.caption == "a page of 2 Messages; the last page"
    assert "<script" not in messages._repr_html_()
    body = table.rows[1][3]  # shortened in a list, whole in its tooltip
    assert body.title == "Can I come on Saturday? <script>alert('hi')</script>"

    assert isinstance(updated, nixflex.PhoneNumber)
    assert received == {"custom_prompt": PROFILE}
    rows = {row[0].text: row[1].text for row in display(updated).rows}
    assert rows["custom_prompt"] == PROFILE
    assert rows["created_at"] == "2025-01-15T10:45:00+00:00"


async def test_the_sync_client_works_inside_a_running_event_loop(api: respx.MockRouter) -> None:
    script_the_api(api)
    asyncio.get_running_loop()  # what breaks `asyncio.run()` in a notebook is here
    with nixflex.Client(api_key=API_KEY, base_url=BASE_URL) as client:
        assert len(client.phone_numbers.list()) == 2
        assert [n.id for n in client.numbers.list(limit=2)] == ["num_0", "num_1", "num_2"]
        updated = client.phone_numbers.update(CLINIC, custom_prompt=PROFILE)
    assert updated.custom_prompt == PROFILE


def test_the_sync_client_works_inside_asyncio_run(api: respx.MockRouter) -> None:
    script_the_api(api)

    async def main() -> list[str]:
        with nixflex.Client(api_key=API_KEY, base_url=BASE_URL) as client:
            return [n.phone_number for n in client.phone_numbers.list()]

    assert asyncio.run(main()) == [CLINIC, "+447446466848"]


async def test_the_async_client_works_with_top_level_await(api: respx.MockRouter) -> None:
    script_the_api(api)
    namespace: dict[str, Any] = {}
    cell = (
        "import nixflex\n"
        f"async with nixflex.AsyncClient(api_key={API_KEY!r}, base_url={BASE_URL!r}) as client:\n"
        "    ids = [n.id async for n in client.numbers.list(limit=2)]\n"
        "ids"
    )
    assert await run_cell(cell, namespace) == ["num_0", "num_1", "num_2"]


async def test_a_cell_without_await_runs_as_plain_code() -> None:
    namespace: dict[str, Any] = {}
    assert await run_cell("x = 1\nx + 1", namespace) == 2
    assert await run_cell("y = x * 10", namespace) is None
    assert namespace["y"] == 10
