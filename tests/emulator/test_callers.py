"""Caller context in the emulator: the four routes with the API's checks, raw and via the SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import nixflex
from nixflex import CallerContext
from nixflex.testing import FakeServer
from tests.emulator.helpers import (
    UK_NUMBER,
    UK_NUMBER_2,
    WAYS,
    World,
    build_world,
    details,
    error_code,
)
from tests.support import AnyClient, open_client, run

CALLER = "+447700900123"
CALLER_2 = "+447700900456"
ONE = f"/v1/phone-numbers/{UK_NUMBER}/callers/{CALLER}"
IMPORT = f"/v1/phone-numbers/{UK_NUMBER}/callers/import"


@pytest.fixture(params=WAYS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with build_world(request.param) as world:
        world.import_number(UK_NUMBER)
        yield world


def test_put_creates_the_context_and_get_reads_it_back(world: World) -> None:
    put = world.http.put(ONE, json={"name": "Ada", "reference_id": "crm_1042"})

    assert put.status_code == 200
    expected = {
        "phone_number": UK_NUMBER,
        "caller_number": CALLER,
        "context": {"name": "Ada", "reference_id": "crm_1042"},
    }
    assert put.json() == {"caller": expected}
    assert world.http.get(ONE).json() == {"caller": expected}


def test_put_keeps_omitted_fields_and_null_removes_one(world: World) -> None:
    world.http.put(ONE, json={"name": "Ada", "email": "ada@example.com", "location": "Croydon"})

    response = world.http.put(ONE, json={"email": None, "preference": "mornings"})

    assert response.json()["caller"]["context"] == {
        "name": "Ada",
        "location": "Croydon",
        "preference": "mornings",
    }


def test_the_engines_notes_are_shown_but_a_request_may_not_write_them(world: World) -> None:
    world.fake.set_caller(UK_NUMBER, CALLER, name="Ada", last_call={"summary": "Booked"})

    refused = world.http.put(ONE, json={"name": "Ada L.", "open_item": "Call back"})

    assert refused.status_code == 400
    assert error_code(refused) == "engine_only_field"
    assert details(refused) == {"field": "open_item"}
    context = world.http.get(ONE).json()["caller"]["context"]
    assert context == {"name": "Ada", "last_call": {"summary": "Booked"}}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "missing_field"),
        ({"name": 42}, 400, "invalid_field"),
        ({"nickname": "Ada"}, 400, "invalid_field"),
        ({"lastCall": "x"}, 400, "engine_only_field"),
    ],
)
def test_put_checks_its_body(world: World, body: dict[str, Any], status: int, code: str) -> None:
    response = world.http.put(ONE, json=body)

    assert (response.status_code, error_code(response)) == (status, code)
    assert world.fake.callers(UK_NUMBER) == []


def test_put_takes_camel_case_too(world: World) -> None:
    response = world.http.put(ONE, json={"referenceId": "crm_1"})

    assert response.json()["caller"]["context"] == {"reference_id": "crm_1"}


def test_a_caller_number_not_in_e164_form_is_refused(world: World) -> None:
    response = world.http.put(
        f"/v1/phone-numbers/{UK_NUMBER}/callers/07700900123", json={"name": "A"}
    )

    assert error_code(response) == "invalid_phone_format"


def test_another_accounts_number_is_not_found_like_a_missing_one(world: World) -> None:
    world.fake.set_caller(UK_NUMBER, CALLER, name="Ada")

    theirs = world.other_http.get(ONE)
    missing = world.http.get(f"/v1/phone-numbers/{UK_NUMBER_2}/callers/{CALLER}")

    assert (theirs.status_code, error_code(theirs)) == (404, "number_not_found")
    assert (missing.status_code, error_code(missing)) == (404, "number_not_found")
    assert error_code(world.other_http.put(ONE, json={"name": "Eve"})) == "number_not_found"
    assert world.fake.callers(UK_NUMBER)[0].context == {"name": "Ada"}


def test_get_and_delete_of_an_unknown_caller_are_caller_not_found(world: World) -> None:
    assert error_code(world.http.get(ONE)) == "caller_not_found"
    assert error_code(world.http.delete(ONE)) == "caller_not_found"


def test_delete_forgets_the_caller_and_the_engines_notes(world: World) -> None:
    world.fake.set_caller(UK_NUMBER, CALLER, name="Ada", open_item="Call back")

    response = world.http.delete(ONE)

    assert response.status_code == 204
    assert world.fake.callers(UK_NUMBER) == []
    assert error_code(world.http.delete(ONE)) == "caller_not_found"


def test_deleting_the_number_drops_its_callers(world: World) -> None:
    world.fake.set_caller(UK_NUMBER, CALLER, name="Ada")

    world.http.delete(f"/v1/phone-numbers/{UK_NUMBER}")
    world.import_number(UK_NUMBER)

    assert world.fake.callers(UK_NUMBER) == []


def test_import_writes_every_row_and_answers_the_count(world: World) -> None:
    world.fake.set_caller(UK_NUMBER, CALLER, name="Ada", email="old@example.com")
    rows = [
        {"caller_number": CALLER, "email": None, "preference": "mornings"},
        {"caller_number": CALLER_2, "name": "Grace"},
    ]

    response = world.http.post(IMPORT, json={"callers": rows})

    assert response.status_code == 200
    assert response.json() == {"phone_number": UK_NUMBER, "imported": 2}
    contexts = {record.caller_number: record.context for record in world.fake.callers(UK_NUMBER)}
    assert contexts == {
        CALLER: {"name": "Ada", "preference": "mornings"},
        CALLER_2: {"name": "Grace"},
    }


@pytest.mark.parametrize(
    ("rows", "code", "field"),
    [
        ([{"caller_number": CALLER_2}, {"name": "x"}], "missing_field", None),
        (
            [{"caller_number": CALLER_2}, {"caller_number": "0770"}],
            "invalid_phone_format",
            "callers[1].caller_number",
        ),
        (
            [{"caller_number": CALLER_2}, {"caller_number": CALLER, "last_call": "x"}],
            "engine_only_field",
            "callers[1].last_call",
        ),
        (
            [{"caller_number": CALLER_2}, {"caller_number": CALLER, "name": 1}],
            "invalid_field",
            "callers[1].name",
        ),
        ([{"caller_number": CALLER_2}, "+447700900123"], "invalid_field", "callers[1]"),
    ],
)
def test_one_bad_row_fails_the_whole_import_and_writes_nothing(
    world: World, rows: list[Any], code: str, field: str | None
) -> None:
    response = world.http.post(IMPORT, json={"callers": rows})

    assert (response.status_code, error_code(response)) == (400, code)
    if field is not None:
        assert details(response)["field"] == field
    assert world.fake.callers(UK_NUMBER) == []


def test_an_import_of_more_than_1000_rows_is_refused_whole(world: World) -> None:
    rows = [{"caller_number": f"+4477009{n:05d}"} for n in range(1001)]

    response = world.http.post(IMPORT, json={"callers": rows})

    assert error_code(response) == "invalid_field"
    assert details(response)["max_length"] == 1000
    assert world.fake.callers(UK_NUMBER) == []
    rows.pop()
    assert world.http.post(IMPORT, json={"callers": rows}).json()["imported"] == 1000


@pytest.mark.parametrize(
    ("body", "code"), [({}, "missing_field"), ({"callers": {}}, "invalid_field")]
)
def test_an_import_without_a_list_of_callers_is_refused(
    world: World, body: dict[str, Any], code: str
) -> None:
    assert error_code(world.http.post(IMPORT, json=body)) == code


def test_set_caller_refuses_what_the_api_would_not_keep(world: World) -> None:
    with pytest.raises(TypeError, match="nickname"):
        world.fake.set_caller(UK_NUMBER, CALLER, nickname="Ada")
    with pytest.raises(ValueError, match=r"E\.164"):
        world.fake.set_caller(UK_NUMBER, "07700", name="Ada")
    with pytest.raises(ValueError, match="no imported number"):
        world.fake.set_caller(UK_NUMBER_2, CALLER, name="Ada")
    with pytest.raises(TypeError, match="name must be a str or None, got int"):
        world.fake.set_caller(UK_NUMBER, CALLER, name=5)
    with pytest.raises(TypeError, match="last_call must be a JSON value"):
        world.fake.set_caller(UK_NUMBER, CALLER, last_call=object())
    assert world.fake.callers(UK_NUMBER) == []


def test_a_record_in_a_tests_hands_never_changes_what_the_api_answers(world: World) -> None:
    note = {"summary": "Booked"}
    record = world.fake.set_caller(UK_NUMBER, CALLER, last_call=note)

    note["summary"] = "changed after"
    with pytest.raises(TypeError):
        record.context["name"] = "Eve"  # type: ignore[index]

    assert world.http.get(ONE).json()["caller"]["context"] == {"last_call": {"summary": "Booked"}}


# --- through the SDK, over loopback HTTP, on every client kind -------------------------------


@pytest.fixture
def served() -> Iterator[tuple[World, FakeServer]]:
    with build_world("server") as world:
        world.import_number(UK_NUMBER)
        assert world._server is not None
        yield world, world._server


@pytest.fixture
async def sdk(
    client_kind: str, served: tuple[World, FakeServer]
) -> AsyncIterator[tuple[AnyClient, World]]:
    world, server = served
    async with open_client(client_kind, server.url, api_key=world.account.api_key) as client:
        yield client, world


@pytest.mark.anyio
async def test_a_reseller_keeps_its_crm_in_step_with_the_agents_callers(
    sdk: tuple[AnyClient, World],
) -> None:
    client, world = sdk
    crm = [
        {"caller_number": f"+4477009{n:05d}", "name": f"Patient {n}", "reference_id": f"crm_{n}"}
        for n in range(250)
    ]

    assert await run(client.callers.import_many(UK_NUMBER, crm)) == 250
    world.fake.set_caller(UK_NUMBER, "+447700900007", last_call="Booked a hygienist visit")
    updated = await run(client.callers.set(UK_NUMBER, "+447700900007", preference="mornings"))
    await run(client.callers.delete(UK_NUMBER, "+447700900008"))

    assert updated.context == CallerContext(
        name="Patient 7",
        reference_id="crm_7",
        preference="mornings",
        last_call="Booked a hygienist visit",
    )
    assert (await run(client.callers.get(UK_NUMBER, "+447700900007"))) == updated
    with pytest.raises(nixflex.CallerNotFoundError) as caught:
        await run(client.callers.get(UK_NUMBER, "+447700900008"))
    assert caught.value.request_id is not None
    with pytest.raises(nixflex.NumberNotFoundError):
        await run(client.callers.get(UK_NUMBER_2, CALLER))
    with pytest.raises(nixflex.InvalidPhoneFormatError):
        await run(client.callers.set(UK_NUMBER, "07700 900123", name="Ada"))
    assert len(world.fake.callers(UK_NUMBER)) == 249
