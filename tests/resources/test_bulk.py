"""Bulk imports and profile syncs: input order, every failure kept, checks before sending."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import httpx
import pytest
import respx

import nixflex
from nixflex import BulkItem, ImportRequest
from tests.support import TWILIO_SID, TWILIO_TOKEN, AnyClient, run

pytestmark = pytest.mark.anyio

NUMBERS = [f"+4420111100{i:02d}" for i in range(12)]


def clinic(number: str, **extra: Any) -> dict[str, Any]:
    return {
        "phone_number": number,
        "twilio_sid": TWILIO_SID,
        "twilio_token": TWILIO_TOKEN,
        "agent_id": "agent_template",
        **extra,
    }


def answer_imports(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    number = body["phone_number"]
    if number == NUMBERS[3]:
        return httpx.Response(
            404, json={"error": {"code": "number_not_in_twilio", "message": "not there"}}
        )
    if number == NUMBERS[7]:
        return httpx.Response(
            409,
            json={"error": {"code": "number_already_imported", "message": f"{TWILIO_TOKEN}"}},
        )
    return httpx.Response(
        201, json={"phone_number": {"phone_number": number, "agent_id": body["agent_id"]}}
    )


async def test_import_many_keeps_input_order_and_every_failure(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post("/v1/phone-numbers").mock(side_effect=answer_imports)
    items = [clinic(n, custom_prompt=f"Clinic {i}") for i, n in enumerate(NUMBERS)]
    result = await run(client.phone_numbers.import_many(items, concurrency=4))
    assert route.call_count == len(NUMBERS)
    assert [item.index for item in result.items] == list(range(len(NUMBERS)))
    assert [item.input.phone_number for item in result] == NUMBERS
    assert [n.phone_number for n in result.succeeded] == [
        n for n in NUMBERS if n not in (NUMBERS[3], NUMBERS[7])
    ]
    assert [(item.index, type(item.error)) for item in result.failed] == [
        (3, nixflex.NumberNotInTwilioError),
        (7, nixflex.NumberAlreadyImportedError),
    ]
    assert result.items[3].result is None
    assert not result.items[3].ok
    assert result.items[0].ok
    assert repr(result) == "<BulkResult 10 succeeded, 2 failed>"
    shown = repr(result.items) + repr(result.failed) + str([i.error for i in result.failed])
    assert TWILIO_TOKEN not in shown
    sent = [json.loads(call.request.content) for call in route.calls]
    assert sorted(body["custom_prompt"] for body in sent) == sorted(
        f"Clinic {i}" for i in range(len(NUMBERS))
    )


async def test_raise_for_failures_is_an_exception_group_of_the_failures(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post("/v1/phone-numbers").mock(side_effect=answer_imports)
    result = await run(client.phone_numbers.import_many([clinic(n) for n in NUMBERS[:8]]))
    with pytest.raises(nixflex.BulkError) as caught:
        result.raise_for_failures()
    group = caught.value
    assert isinstance(group, nixflex.NixflexError)
    assert str(group) == "2 of 8 items failed (2 sub-exceptions)"
    matched, rest = group.split(nixflex.NumberNotInTwilioError)
    assert matched is not None
    assert [type(e) for e in matched.exceptions] == [nixflex.NumberNotInTwilioError]
    assert rest is not None
    assert [type(e) for e in rest.exceptions] == [nixflex.NumberAlreadyImportedError]


async def test_no_failures_raise_nothing(client: AnyClient, api: respx.MockRouter) -> None:
    api.post("/v1/phone-numbers").mock(side_effect=answer_imports)
    result = await run(client.phone_numbers.import_many([ImportRequest(**clinic(NUMBERS[0]))]))
    result.raise_for_failures()
    assert len(result) == 1


async def test_an_empty_batch_sends_nothing(client: AnyClient, api: respx.MockRouter) -> None:
    route = api.post("/v1/phone-numbers").mock(side_effect=answer_imports)
    result = await run(client.phone_numbers.import_many([]))
    assert (len(result), route.call_count) == (0, 0)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"phone_number": "+1"}, r"missing keys \['agent_id'\]"),
        ({**clinic("+1"), "twilioToken": "x"}, r"unknown keys \['twilioToken'\]"),
        (clinic("+1", twilio_token=12345), "twilio_token must be a str"),
        ("+15550001111", "expected an ImportRequest or a dict, got str"),
    ],
)
async def test_a_bad_item_is_refused_before_anything_is_sent(
    client: AnyClient, api: respx.MockRouter, item: Any, message: str
) -> None:
    route = api.post("/v1/phone-numbers").mock(side_effect=answer_imports)
    with pytest.raises(TypeError, match=message) as caught:
        await run(client.phone_numbers.import_many([clinic(NUMBERS[0]), item]))
    assert str(caught.value).startswith("item 1: ")
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("concurrency", "error"),
    [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)],
)
async def test_concurrency_must_be_a_whole_number(
    client: AnyClient, concurrency: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="concurrency"):
        await run(client.phone_numbers.import_many([], concurrency=concurrency))


def test_an_import_request_hides_its_token() -> None:
    request = ImportRequest(**clinic(NUMBERS[0]))
    assert TWILIO_TOKEN not in repr(request)
    assert request.twilio_token == TWILIO_TOKEN


async def test_sync_profiles_patches_each_number_and_clears_with_none(
    client: AnyClient, api: respx.MockRouter
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        number = request.url.path.rsplit("/", 1)[1]
        if number == NUMBERS[1]:
            return httpx.Response(404, json={"error": {"code": "number_not_found"}})
        prompt = json.loads(request.content)["custom_prompt"]
        return httpx.Response(
            200,
            json={
                "phone_number": {"phone_number": number, "agent_id": "a", "custom_prompt": prompt}
            },
        )

    route = api.patch(url__regex=r"/v1/phone-numbers/.*").mock(side_effect=answer)
    profiles = {NUMBERS[0]: "Smile Dental", NUMBERS[1]: "Gone", NUMBERS[2]: None}
    result = await run(client.phone_numbers.sync_profiles(profiles))
    assert [item.input for item in result] == list(profiles)
    assert [n.custom_prompt for n in result.succeeded] == ["Smile Dental", None]
    assert [type(item.error) for item in result.failed] == [nixflex.NumberNotFoundError]
    bodies = {
        call.request.url.raw_path.decode(): json.loads(call.request.content) for call in route.calls
    }
    assert bodies[f"/v1/phone-numbers/%2B{NUMBERS[2][1:]}"] == {"custom_prompt": None}


async def test_sync_profiles_checks_every_number_first(
    client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.patch(url__regex=r".*").respond(200)
    with pytest.raises(ValueError, match="phone_number"):
        await run(client.phone_numbers.sync_profiles({NUMBERS[0]: "x", " ": "y"}))
    assert route.call_count == 0


async def test_a_progress_callback_hears_of_every_item_in_the_callers_thread(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post("/v1/phone-numbers").mock(side_effect=answer_imports)
    heard: list[tuple[int, int, bool]] = []
    threads: set[int] = set()

    def progress(done: int, total: int, item: BulkItem[Any, Any]) -> None:
        heard.append((done, total, item.ok))
        threads.add(threading.get_ident())

    await run(
        client.phone_numbers.import_many(
            [clinic(n) for n in NUMBERS[:5]], concurrency=3, progress=progress
        )
    )
    assert [done for done, _, _ in heard] == [1, 2, 3, 4, 5]
    assert {total for _, total, _ in heard} == {5}
    assert sorted(ok for _, _, ok in heard) == [False, True, True, True, True]
    assert threads == {threading.get_ident()}


async def test_progress_true_draws_a_tqdm_bar(
    client: AnyClient, api: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    api.post("/v1/phone-numbers").mock(side_effect=answer_imports)
    await run(client.phone_numbers.import_many([clinic(n) for n in NUMBERS[:4]], progress=True))
    drawn = capsys.readouterr().err
    assert "import_many" in drawn
    assert "4/4" in drawn
    assert "failed=1" in drawn


async def test_progress_true_without_tqdm_says_what_to_install(
    client: AnyClient, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = api.post("/v1/phone-numbers").mock(side_effect=answer_imports)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r"nixflex\[progress\]"):
        await run(client.phone_numbers.import_many([clinic(NUMBERS[0])], progress=True))
    assert route.call_count == 0
