"""The emulator answers like the documented API, in memory and over loopback HTTP alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from nixflex.testing import NIXFLEX_VOICE_URL, TwilioWebhooks
from tests.emulator.helpers import (
    OMIT,
    OTHER_TWILIO_NUMBER,
    UK_NUMBER,
    UK_NUMBER_2,
    UNKNOWN_SID,
    US_NUMBER,
    WAYS,
    World,
    build_world,
    details,
    error,
    error_code,
)

REQUEST_ID = re.compile(r"req_[0-9a-f]+")
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
T0 = datetime(2025, 1, 15, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=WAYS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with build_world(request.param) as world:
        yield world


def parse_time(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text[:-1] + "+00:00")


# -- POST /v1/phone-numbers ------------------------------------------------------------------


def test_import_answers_201_with_the_documented_fields(world: World) -> None:
    response = world.import_number(custom_prompt="Smile Dental")

    assert REQUEST_ID.fullmatch(response.headers["x-railway-request-id"])
    number = response.json()["phone_number"]
    assert number["phone_number"] == UK_NUMBER
    assert number["agent_id"] == world.agent_id
    assert re.fullmatch(r"PN[0-9a-f]{32}", number["twilio_number_sid"])
    assert number["inbound_enabled"] is True
    assert number["outbound_enabled"] is True
    assert number["custom_prompt"] == "Smile Dental"
    assert parse_time(number["created_at"]).tzinfo is not None
    assert [n.phone_number for n in world.fake.phone_numbers(world.account)] == [UK_NUMBER]


def test_import_overwrites_the_twilio_webhooks(world: World) -> None:
    world.fake.set_twilio_webhooks(
        UK_NUMBER, voice_url="https://mine.example/voice", sms_url="https://mine.example/sms"
    )

    world.import_number()

    hooks = world.fake.twilio_webhooks(UK_NUMBER)
    assert hooks.points_at_nixflex
    assert hooks.voice_url == NIXFLEX_VOICE_URL
    assert "mine.example" not in repr(hooks)
    assert world.fake.twilio_webhooks(UK_NUMBER_2) == TwilioWebhooks()  # others untouched


def test_import_accepts_camel_case(world: World) -> None:
    body = {
        "phoneNumber": UK_NUMBER,
        "twilioSid": world.twilio.sid,
        "twilioToken": world.twilio.token,
        "agentId": world.agent_id,
        "customPrompt": "hello",
    }
    response = world.http.post("/v1/phone-numbers", json=body)
    assert response.status_code == 201
    assert response.json()["phone_number"]["custom_prompt"] == "hello"


@pytest.mark.parametrize("name", ["phone_number", "twilio_sid", "twilio_token", "agent_id"])
@pytest.mark.parametrize("value", [OMIT, "", None])
def test_import_without_a_required_field_is_missing_field(
    world: World, name: str, value: Any
) -> None:
    # The other fields are wrong too: presence is checked first.
    wrong = {"phone_number": "447", "twilio_sid": "bad", "agent_id": "agent_nope"}
    body = world.import_body(**{**wrong, name: value})
    response = world.http.post("/v1/phone-numbers", json=body)
    assert (response.status_code, error_code(response)) == (400, "missing_field")
    assert name in response.json()["error"]["message"]
    assert details(response) == {"fields": [name]}


def test_missing_field_names_every_missing_field(world: World) -> None:
    body = world.import_body(twilio_sid=OMIT, agent_id="", phone_number=None)
    response = world.http.post("/v1/phone-numbers", json=body)
    assert details(response) == {"fields": ["phone_number", "twilio_sid", "agent_id"]}


@pytest.mark.parametrize(
    "phone",
    [
        "447446466847",
        "+0447446466847",
        "+44 7446 466847",
        "+1234567890123456",
        "+4474464668a7",
        "+447446466847\n",
        "+\u0664\u0664",
    ],
)
def test_import_rejects_a_number_not_in_e164(world: World, phone: str) -> None:
    response = world.http.post("/v1/phone-numbers", json=world.import_body(phone_number=phone))
    assert (response.status_code, error_code(response)) == (400, "invalid_phone_format")


@pytest.mark.parametrize(
    "sid",
    [
        "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "AC" + "A" * 32,
        "AC" + "a" * 31,
        "AC" + "a" * 33,
        "AB" + "a" * 32,
        "ac" + "a" * 32,
    ],
)
def test_import_rejects_a_malformed_twilio_sid(world: World, sid: str) -> None:
    response = world.http.post("/v1/phone-numbers", json=world.import_body(twilio_sid=sid))
    assert (response.status_code, error_code(response)) == (400, "invalid_twilio_sid")


def test_import_with_an_unknown_twilio_sid_is_invalid_credentials(world: World) -> None:
    response = world.http.post("/v1/phone-numbers", json=world.import_body(twilio_sid=UNKNOWN_SID))
    assert (response.status_code, error_code(response)) == (401, "twilio_invalid_credentials")


def test_import_with_a_wrong_twilio_token_is_auth_failed(world: World) -> None:
    response = world.http.post("/v1/phone-numbers", json=world.import_body(twilio_token="nope"))
    assert (response.status_code, error_code(response)) == (401, "twilio_auth_failed")
    assert "nope" not in response.text


@pytest.mark.parametrize(
    "phone",
    [
        "+44744646684",  # a prefix of a number the account holds: Twilio would match it
        "+4474464668",
        "+447446466849",  # in no account
        OTHER_TWILIO_NUMBER,  # in another Twilio account
    ],
)
def test_import_of_a_number_not_in_that_twilio_account(world: World, phone: str) -> None:
    response = world.http.post("/v1/phone-numbers", json=world.import_body(phone_number=phone))
    assert (response.status_code, error_code(response)) == (404, "number_not_in_twilio")


def test_import_to_an_unknown_agent(world: World) -> None:
    response = world.http.post("/v1/phone-numbers", json=world.import_body(agent_id="agent_nope"))
    assert (response.status_code, error_code(response)) == (404, "agent_not_found")


def test_import_to_another_accounts_agent(world: World) -> None:
    body = world.import_body(agent_id=world.other_agent_id)
    response = world.http.post("/v1/phone-numbers", json=body)
    assert (response.status_code, error_code(response)) == (403, "agent_not_owned")


def test_a_number_can_be_attached_to_one_agent_only(world: World) -> None:
    world.import_number()
    second_agent = world.fake.add_agent(world.account)

    again = world.http.post("/v1/phone-numbers", json=world.import_body(agent_id=second_agent))
    assert (again.status_code, error_code(again)) == (409, "number_already_imported")
    by_other = world.other_http.post(
        "/v1/phone-numbers", json=world.import_body(agent_id=world.other_agent_id)
    )
    assert (by_other.status_code, error_code(by_other)) == (409, "number_already_imported")


def test_custom_prompt_is_limited_to_8000_characters(world: World) -> None:
    too_long = world.http.post(
        "/v1/phone-numbers", json=world.import_body(custom_prompt="é" * 8001)
    )
    assert (too_long.status_code, error_code(too_long)) == (400, "custom_prompt_too_long")
    assert world.fake.phone_numbers() == []
    assert world.fake.twilio_webhooks(UK_NUMBER).cleared  # a refused import changes nothing

    response = world.import_number(custom_prompt="é" * 8000)
    assert len(response.json()["phone_number"]["custom_prompt"]) == 8000


def test_import_checks_run_in_the_documented_order(world: World) -> None:
    world.fake.import_phone_number(phone_number=UK_NUMBER_2, agent_id=world.agent_id)
    body: dict[str, Any] = {
        "phone_number": "0044 7446",
        "twilio_sid": "ACnope",
        "twilio_token": "wrong",
        "custom_prompt": "x" * 8001,
    }
    steps = [
        ("missing_field", {"agent_id": "agent_nope"}),
        ("invalid_phone_format", {"phone_number": UK_NUMBER_2[:-1]}),  # a prefix of a held number
        ("invalid_twilio_sid", {"twilio_sid": UNKNOWN_SID}),
        ("twilio_invalid_credentials", {"twilio_sid": world.twilio.sid}),
        ("twilio_auth_failed", {"twilio_token": world.twilio.token}),
        ("number_not_in_twilio", {"phone_number": UK_NUMBER_2}),
        ("agent_not_found", {"agent_id": world.other_agent_id}),
        ("agent_not_owned", {"agent_id": world.agent_id}),
        ("number_already_imported", {"phone_number": UK_NUMBER}),
        ("custom_prompt_too_long", {"custom_prompt": "x" * 8000}),
    ]
    for expected, fix in steps:
        response = world.http.post("/v1/phone-numbers", json=body)
        assert error_code(response) == expected, (expected, response.text)
        body.update(fix)
    assert world.http.post("/v1/phone-numbers", json=body).status_code == 201
    assert len(world.fake.phone_numbers()) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone_number", 447446466847), ("agent_id", ["agent"]), ("twilio_token", True)],
)
def test_a_field_of_the_wrong_type_is_invalid_field(world: World, field: str, value: Any) -> None:
    response = world.http.post("/v1/phone-numbers", json=world.import_body(**{field: value}))
    assert (response.status_code, error_code(response)) == (400, "invalid_field")
    assert details(response) == {"field": field, "expected": "string"}


def test_invalid_field_says_which_field_and_what_json_type(world: World) -> None:
    prompt = world.http.post("/v1/phone-numbers", json=world.import_body(custom_prompt=7))
    assert details(prompt) == {"field": "custom_prompt", "expected": "string or null"}
    agent = world.http.post("/v1/numbers", json={"agentId": 7})
    assert details(agent) == {"field": "agentId", "expected": "string or null"}


def test_the_documented_codes_carry_their_context(world: World) -> None:
    def sent(**overrides: Any) -> Any:
        return details(world.http.post("/v1/phone-numbers", json=world.import_body(**overrides)))

    assert sent(phone_number="447") == {"field": "phone_number", "expected": "E.164"}
    assert sent(twilio_sid="ACnope")["field"] == "twilio_sid"
    assert sent(twilio_sid=UNKNOWN_SID) is None
    assert sent(twilio_token="nope") == {"twilio_error": 20003}
    assert sent(phone_number=OTHER_TWILIO_NUMBER) is None
    assert sent(agent_id="agent_nope") == {"field": "agent_id"}
    assert sent(agent_id=world.other_agent_id) == {"field": "agent_id"}
    assert sent(custom_prompt="x" * 8001) == {
        "field": "custom_prompt",
        "length": 8001,
        "max_length": 8000,
    }
    world.import_number()
    assert sent() is None  # number_already_imported
    country = world.http.post("/v1/numbers", json={"country": "GBR"})
    assert details(country)["field"] == "country"
    assert details(world.http.post("/v1/numbers", json={"agentId": "agent_nope"})) == {
        "field": "agentId"
    }
    assert details(world.http.post("/v1/phone-numbers", content=b"{")) is None


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_invalid_json(world: World, body: bytes) -> None:
    response = world.http.post(
        "/v1/phone-numbers", content=body, headers={"content-type": "application/json"}
    )
    assert (response.status_code, error_code(response)) == (400, "invalid_json")


def test_errors_never_repeat_the_twilio_token_or_key_secret(world: World) -> None:
    token = "tok_CANARY_1234"
    bodies = [
        world.import_body(phone_number=token, twilio_token=token),
        world.import_body(twilio_sid=token, twilio_token=token),
        world.import_body(twilio_token=token),
        world.import_body(twilio_sid=UNKNOWN_SID, twilio_token=token),
        world.import_body(agent_id=token),
    ]
    for body in bodies:
        response = world.http.post("/v1/phone-numbers", json=body)
        assert response.status_code >= 400
        assert token not in response.text
    wrong = world.as_key(f"{world.account.key_id}:sk_CANARY")
    response = wrong.get("/v1/phone-numbers")
    assert "CANARY" not in response.text
    assert world.account.key_secret not in repr(world.account)
    assert world.twilio.token not in repr(world.twilio)
    for recorded in world.fake.requests:
        assert recorded.json is None or recorded.json["twilio_token"] == "<redacted>"
        assert "sk_CANARY" not in repr(recorded)
        assert world.account.key_secret not in repr(recorded)


# -- GET /v1/phone-numbers -------------------------------------------------------------------


def test_list_is_scoped_filtered_and_newest_first(world: World) -> None:
    fake = world.fake
    second_agent = fake.add_agent(world.account)
    world.import_number(UK_NUMBER)
    world.import_number(US_NUMBER, agent_id=second_agent)
    world.import_number(UK_NUMBER_2)
    fake.add_twilio_number(world.other_twilio.sid, "+447700900998")
    fake.import_phone_number(phone_number="+447700900998", agent_id=world.other_agent_id)

    listed = world.http.get("/v1/phone-numbers").json()["phone_numbers"]
    assert [n["phone_number"] for n in listed] == [UK_NUMBER_2, US_NUMBER, UK_NUMBER]
    by_agent = world.http.get("/v1/phone-numbers", params={"agent_id": world.agent_id}).json()
    assert [n["phone_number"] for n in by_agent["phone_numbers"]] == [UK_NUMBER_2, UK_NUMBER]
    others = world.other_http.get("/v1/phone-numbers").json()["phone_numbers"]
    assert [n["phone_number"] for n in others] == ["+447700900998"]
    unknown_agent = world.http.get("/v1/phone-numbers", params={"agent_id": "agent_nope"})
    assert unknown_agent.json() == {"phone_numbers": [], "count": 0}


def test_list_orders_equal_timestamps_by_creation(world: World) -> None:
    for number in (UK_NUMBER, US_NUMBER, UK_NUMBER_2):
        world.fake.import_phone_number(phone_number=number, agent_id=world.agent_id, created_at=T0)
    listed = world.http.get("/v1/phone-numbers").json()["phone_numbers"]
    assert [n["phone_number"] for n in listed] == [UK_NUMBER_2, US_NUMBER, UK_NUMBER]
    assert {n["created_at"] for n in listed} == {"2025-01-15T12:00:00Z"}


# -- PATCH /v1/phone-numbers/{phone_number} --------------------------------------------------


@pytest.mark.parametrize("path_number", ["%2B447446466847", "+447446466847"])
def test_patch_sets_and_clears_the_custom_prompt(world: World, path_number: str) -> None:
    world.import_number()
    path = f"/v1/phone-numbers/{path_number}"

    response = world.http.patch(path, json={"custom_prompt": "Smile Dental Croydon"})
    assert response.status_code == 200
    assert response.json()["phone_number"]["custom_prompt"] == "Smile Dental Croydon"
    assert world.fake.phone_numbers()[0].custom_prompt == "Smile Dental Croydon"

    assert world.http.patch(path, json={"customPrompt": "camel"}).status_code == 200
    assert world.fake.phone_numbers()[0].custom_prompt == "camel"
    for clear in (None, ""):
        response = world.http.patch(path, json={"custom_prompt": clear})
        assert response.json()["phone_number"]["custom_prompt"] is None


@pytest.mark.parametrize("kwargs", [{"json": {}}, {"json": {"prompt": "x"}}, {"content": b""}])
def test_patch_without_any_setting_is_missing_field(world: World, kwargs: dict[str, Any]) -> None:
    world.import_number()
    response = world.http.patch("/v1/phone-numbers/%2B447446466847", **kwargs)
    assert (response.status_code, error_code(response)) == (400, "missing_field")
    fields = details(response)["fields"]
    assert fields[0] == "custom_prompt"
    assert "recording_source" in fields


def test_patch_changes_only_the_settings_sent(world: World) -> None:
    world.import_number()
    path = "/v1/phone-numbers/%2B447446466847"
    world.http.patch(path, json={"custom_prompt": "Profile", "voiceId": "voice_1"})

    answer = world.http.patch(path, json={"speaking_rate": 1.5, "record_call": False}).json()

    number = answer["phone_number"]
    assert number["custom_prompt"] == "Profile"
    assert number["voice_id"] == "voice_1"
    assert (number["speaking_rate"], number["record_call"]) == (1.5, False)
    assert number["provider"] == "twilio"
    assert number["telnyx_number_id"] is None
    answer = world.http.patch(path, json={"voice_id": None, "recording_source": "nixflex"}).json()
    assert answer["phone_number"]["voice_id"] is None
    assert answer["phone_number"]["recording_source"] == "nixflex"
    stored = world.fake.phone_numbers()[0]
    assert (stored.voice_id, stored.speaking_rate, stored.custom_prompt) == (None, 1.5, "Profile")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"sms_reply_enabled": "yes"}, "invalid_field"),
        ({"sms_reply_enabled": None}, "invalid_field"),
        ({"speaking_rate": True}, "invalid_field"),
        ({"recording_source": "twilio"}, "invalid_field"),
        ({"sms_prompt": "x" * 20_001}, "invalid_field"),
        ({"voicemail_message": "x" * 2_001}, "invalid_field"),
        ({"custom_prompt": "x" * 8_001}, "custom_prompt_too_long"),
        ({"voicemail_leave_enabled": True}, "voicemail_message_required"),
    ],
)
def test_patch_checks_each_setting(world: World, body: dict[str, Any], code: str) -> None:
    world.import_number()
    response = world.http.patch("/v1/phone-numbers/%2B447446466847", json=body)
    assert (response.status_code, error_code(response)) == (400, code)
    assert world.fake.phone_numbers()[0].voicemail_leave_enabled is False


def test_voicemail_turns_on_with_a_message_sent_with_it_or_saved_before(world: World) -> None:
    world.import_number()
    path = "/v1/phone-numbers/%2B447446466847"
    both = {"voicemail_leave_enabled": True, "voicemail_message": "Call you back soon."}
    assert world.http.patch(path, json=both).status_code == 200
    assert world.http.patch(path, json={"voicemail_leave_enabled": False}).status_code == 200
    assert world.http.patch(path, json={"voicemail_leave_enabled": True}).status_code == 200
    # Clearing the message while voicemail is on would leave it with nothing to say.
    response = world.http.patch(path, json={"voicemail_message": None})
    assert error_code(response) == "voicemail_message_required"


def test_patch_limits_the_custom_prompt(world: World) -> None:
    world.import_number()
    response = world.http.patch(
        "/v1/phone-numbers/%2B447446466847", json={"custom_prompt": "x" * 8001}
    )
    assert (response.status_code, error_code(response)) == (400, "custom_prompt_too_long")


def test_patch_of_an_unknown_or_foreign_number_is_number_not_found(world: World) -> None:
    world.import_number()
    for client, number in [(world.http, "%2B447446466849"), (world.other_http, "%2B447446466847")]:
        response = client.patch(f"/v1/phone-numbers/{number}", json={"custom_prompt": "x"})
        assert (response.status_code, error_code(response)) == (404, "number_not_found")
    assert world.fake.phone_numbers()[0].custom_prompt is None


# -- DELETE /v1/phone-numbers/{phone_number} -------------------------------------------------


def test_delete_clears_webhooks_and_keeps_the_number_in_twilio(world: World) -> None:
    world.import_number()

    response = world.http.delete("/v1/phone-numbers/%2B447446466847")

    assert response.status_code == 204
    assert REQUEST_ID.fullmatch(response.headers["x-railway-request-id"])
    assert world.fake.twilio_webhooks(UK_NUMBER).cleared
    assert UK_NUMBER in world.fake.twilio_account(world.twilio.sid).numbers
    assert world.http.get("/v1/phone-numbers").json() == {"phone_numbers": [], "count": 0}
    again = world.http.delete("/v1/phone-numbers/%2B447446466847")
    assert (again.status_code, error_code(again)) == (404, "number_not_found")
    # Moving a number to another agent: delete, then import again.
    world.import_number(agent_id=world.fake.add_agent(world.account))


def test_delete_of_another_accounts_number_is_number_not_found(world: World) -> None:
    world.import_number()
    response = world.other_http.delete("/v1/phone-numbers/%2B447446466847")
    assert (response.status_code, error_code(response)) == (404, "number_not_found")
    assert world.fake.twilio_webhooks(UK_NUMBER).points_at_nixflex
    assert len(world.fake.phone_numbers()) == 1


# -- POST /v1/numbers ------------------------------------------------------------------------


def test_create_number_defaults_to_us(world: World) -> None:
    response = world.http.post("/v1/numbers", json={})
    assert response.status_code == 201
    number = response.json()
    assert set(number) == {"id", "phoneNumber", "country", "status", "agentId", "createdAt"}
    assert re.fullmatch(r"num_[0-9a-f]+", number["id"])
    assert number["phoneNumber"].startswith("+1")
    assert E164.fullmatch(number["phoneNumber"])
    assert (number["country"], number["status"], number["agentId"]) == ("US", "active", None)
    parse_time(number["createdAt"])


@pytest.mark.parametrize(
    ("country", "prefix"),
    [("GB", "+44"), ("gb", "+44"), ("CA", "+1"), ("FR", "+33"), ("DE", "+49"), ("ZZ", "+999")],
)
def test_create_number_per_country(world: World, country: str, prefix: str) -> None:
    body = {"country": country, "agentId": world.agent_id}
    number = world.http.post("/v1/numbers", json=body).json()
    assert number["phoneNumber"].startswith(prefix)
    assert E164.fullmatch(number["phoneNumber"])
    assert (number["country"], number["agentId"]) == (country.upper(), world.agent_id)


@pytest.mark.parametrize("country", ["USA", "U", "1A", "", 44])
def test_create_number_needs_a_two_letter_country(world: World, country: Any) -> None:
    response = world.http.post("/v1/numbers", json={"country": country})
    assert (response.status_code, error_code(response)) == (400, "invalid_country")


def test_create_number_checks_the_agent(world: World) -> None:
    missing = world.http.post("/v1/numbers", json={"agentId": "agent_nope"})
    assert (missing.status_code, error_code(missing)) == (404, "agent_not_found")
    foreign = world.http.post("/v1/numbers", json={"agentId": world.other_agent_id})
    assert (foreign.status_code, error_code(foreign)) == (403, "agent_not_owned")
    assert world.fake.numbers() == []


def test_created_numbers_are_distinct(world: World) -> None:
    numbers = {
        world.http.post("/v1/numbers", json={"country": "GB"}).json()["phoneNumber"]
        for _ in range(30)
    }
    assert len(numbers) == 30


@pytest.mark.parametrize(
    ("body", "prefix"),
    [
        ({"areaCode": "415"}, "+1415"),
        ({"country": "US", "areaCode": "212", "agentId": None}, "+1212"),
        ({"country": "ca", "areaCode": "604"}, "+1604"),
        ({"area_code": "907"}, "+1907"),  # not one the emulator picks by itself
        ({"areaCode": None}, "+1"),
    ],
)
def test_create_number_in_an_area_code(world: World, body: dict[str, Any], prefix: str) -> None:
    response = world.http.post("/v1/numbers", json=body)
    assert response.status_code == 201, response.text
    number = response.json()
    assert set(number) == {"id", "phoneNumber", "country", "status", "agentId", "createdAt"}
    assert number["phoneNumber"].startswith(prefix)
    assert re.fullmatch(r"\+1[2-9][0-9]{2}[2-9][0-9]{6}", number["phoneNumber"])
    assert world.fake.numbers()[0].phone_number == number["phoneNumber"]


def test_numbers_in_one_area_code_stay_distinct_past_its_fictional_range(world: World) -> None:
    # 555-01xx holds 100 numbers an area code; the 101st and later are still in it, and new.
    phones = [
        world.fake.provision_number(world.account, area_code="415").phone_number for _ in range(130)
    ]
    phones.append(world.http.post("/v1/numbers", json={"areaCode": "415"}).json()["phoneNumber"])
    assert len(set(phones)) == 131
    assert all(re.fullmatch(r"\+1415[2-9][0-9]{6}", phone) for phone in phones)


@pytest.mark.parametrize(
    "body",
    [
        {"areaCode": "41"},
        {"areaCode": "4155"},
        {"areaCode": "015"},
        {"areaCode": "115"},
        {"areaCode": "41a"},
        {"areaCode": " 415"},
        {"areaCode": "\uff14\uff11\uff15"},  # full-width digits are not ASCII digits
        {"areaCode": ""},
        {"country": "GB", "areaCode": "207"},  # only US and CA numbers have area codes
    ],
)
def test_create_number_refuses_a_malformed_area_code(world: World, body: dict[str, Any]) -> None:
    response = world.http.post("/v1/numbers", json={**body, "agentId": "agent_nope"})
    # Checked before the agent is looked up, as every field's form is.
    assert (response.status_code, error_code(response)) == (400, "invalid_area_code")
    assert details(response) == {
        "field": "areaCode",
        "expected": "three digits, for a US or CA number",
    }
    assert world.fake.numbers() == []


@pytest.mark.parametrize("value", [415, ["415"], True])
def test_create_number_refuses_an_area_code_that_is_not_a_string(
    world: World, value: object
) -> None:
    response = world.http.post("/v1/numbers", json={"areaCode": value})
    assert (response.status_code, error_code(response)) == (400, "invalid_field")
    assert details(response) == {"field": "areaCode", "expected": "string or null"}
    assert world.fake.numbers() == []


def test_provision_number_checks_the_area_code_as_the_api_does(world: World) -> None:
    with pytest.raises(ValueError, match="invalid_area_code"):
        world.fake.provision_number(world.account, area_code="41")
    with pytest.raises(ValueError, match="invalid_area_code"):
        world.fake.provision_number(world.account, country="GB", area_code="207")
    assert world.fake.numbers() == []


# -- GET /v1/numbers -------------------------------------------------------------------------


def test_list_numbers_pages_by_offset(world: World) -> None:
    created = [world.fake.provision_number(world.account).id for _ in range(25)]
    world.fake.provision_number(world.other)

    first = world.http.get("/v1/numbers").json()
    assert len(first["data"]) == 20
    assert first["hasMore"] is True
    seen: list[str] = []
    totals: set[int] = set()
    offset = 0
    while True:
        page = world.http.get("/v1/numbers", params={"limit": 7, "offset": offset}).json()
        seen += [n["id"] for n in page["data"]]
        totals.add(page["total"])
        offset += len(page["data"])
        if not page["hasMore"]:
            break
    assert seen == created
    assert totals == {25}  # every page counts the account's whole list, not the other's
    past_the_end = world.http.get("/v1/numbers", params={"offset": 100}).json()
    assert past_the_end == {"data": [], "hasMore": False, "total": 25}
    assert len(world.http.get("/v1/numbers", params={"limit": 100}).json()["data"]) == 25


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"limit": "ten"},
        {"limit": ""},
        {"offset": -1},
        {"offset": "1.5"},
    ],
)
def test_list_numbers_rejects_out_of_range_parameters(world: World, params: dict[str, Any]) -> None:
    response = world.http.get("/v1/numbers", params=params)
    assert (response.status_code, error_code(response)) == (400, "invalid_parameter")
    (name,) = params
    bounds = {"minimum": 1, "maximum": 100} if name == "limit" else {"minimum": 0}
    assert details(response) == {"parameter": name, "expected": "integer", **bounds}


# -- DELETE /v1/numbers/{number_id} ----------------------------------------------------------


def test_release_marks_the_number_released_and_keeps_messages(world: World) -> None:
    number = world.fake.provision_number(world.account)
    world.fake.deliver_sms(number.id, from_="+15559876543", body="hi")

    response = world.http.delete(f"/v1/numbers/{number.id}")

    assert response.status_code == 204
    assert world.fake.numbers()[0].released
    listed = world.http.get("/v1/numbers").json()["data"]
    assert [(n["id"], n["status"]) for n in listed] == [(number.id, "released")]
    messages = world.http.get(f"/v1/numbers/{number.id}/messages").json()["data"]
    assert [m["body"] for m in messages] == ["hi"]
    assert world.http.delete(f"/v1/numbers/{number.id}").status_code == 204  # idempotent


def test_release_of_an_unknown_or_foreign_number_is_number_not_found(world: World) -> None:
    foreign = world.fake.provision_number(world.other)
    for path in ["/v1/numbers/num_nope", f"/v1/numbers/{foreign.id}", "/v1/numbers/..%2Fx"]:
        response = world.http.delete(path)
        assert (response.status_code, error_code(response)) == (404, "number_not_found")
    assert not world.fake.numbers(world.other)[0].released


# -- GET /v1/numbers/{number_id}/messages ----------------------------------------------------


@pytest.fixture
def inbox(world: World) -> str:
    """A number with five messages, one a minute from T0 (bodies m0..m4)."""
    number = world.fake.provision_number(world.account, country="US")
    for i in range(5):
        world.fake.deliver_sms(
            number.id, from_="+15559876543", body=f"m{i}", received_at=T0 + timedelta(minutes=i)
        )
    return number.id


def bodies(world: World, number_id: str, **params: Any) -> tuple[list[str], bool]:
    response = world.http.get(f"/v1/numbers/{number_id}/messages", params=params)
    assert response.status_code == 200, response.text
    payload = response.json()
    return [m["body"] for m in payload["data"]], payload["hasMore"]


def test_messages_have_the_documented_shape(world: World, inbox: str) -> None:
    answer = world.http.get(f"/v1/numbers/{inbox}/messages").json()
    assert set(answer) == {"data", "hasMore"}  # no total: the docs give the messages none
    message = answer["data"][0]
    keys = {"id", "from_", "to", "body", "receivedAt", "direction", "channel"}
    assert set(message) == keys
    assert message["from_"] == "+15559876543"
    assert message["to"] == world.fake.numbers()[0].phone_number
    assert message["receivedAt"] == "2025-01-15T12:04:00Z"
    assert (message["direction"], message["channel"]) == ("inbound", "sms")


def test_a_message_delivered_as_mms_is_listed_with_its_channel(world: World, inbox: str) -> None:
    world.fake.deliver_sms(inbox, from_="+15559876543", body="photo", channel="mms")
    newest = world.http.get(f"/v1/numbers/{inbox}/messages").json()["data"][0]
    assert (newest["body"], newest["direction"], newest["channel"]) == ("photo", "inbound", "mms")
    assert world.fake.messages(inbox)[0].channel == "mms"
    with pytest.raises(ValueError, match="channel"):
        world.fake.deliver_sms(inbox, from_="+15559876543", body="x", channel="fax")


def test_messages_are_newest_first_with_limit_and_has_more(world: World, inbox: str) -> None:
    assert bodies(world, inbox) == (["m4", "m3", "m2", "m1", "m0"], False)
    assert bodies(world, inbox, limit=2) == (["m4", "m3"], True)
    assert bodies(world, inbox, limit=5) == (["m4", "m3", "m2", "m1", "m0"], False)


def test_messages_before_and_after_are_exclusive(world: World, inbox: str) -> None:
    def at(minutes: int) -> str:
        return (T0 + timedelta(minutes=minutes)).isoformat()

    assert bodies(world, inbox, before=at(3)) == (["m2", "m1", "m0"], False)
    assert bodies(world, inbox, after=at(1)) == (["m4", "m3", "m2"], False)
    assert bodies(world, inbox, after=at(0), before=at(4)) == (["m3", "m2", "m1"], False)
    assert bodies(world, inbox, before=at(3), limit=2) == (["m2", "m1"], True)
    assert bodies(world, inbox, before="2025-01-15T12:03:00Z") == (["m2", "m1", "m0"], False)
    assert bodies(world, inbox, before="2025-01-15T13:03:00+01:00") == (["m2", "m1", "m0"], False)
    assert bodies(world, inbox, before="2025-01-15T12:02:30.5") == (["m2", "m1", "m0"], False)


def test_paging_messages_by_cursor_sees_each_once(world: World, inbox: str) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = world.http.get(f"/v1/numbers/{inbox}/messages", params=params).json()
        seen += [m["body"] for m in page["data"]]
        if not page["hasMore"]:
            break
        params["before"] = page["data"][-1]["receivedAt"]
    assert seen == ["m4", "m3", "m2", "m1", "m0"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"before": "yesterday"},
        {"after": "2025-13-01T00:00:00Z"},
        {"before": "2025-01-15T12:00:00+25:00"},
    ],
)
def test_messages_reject_bad_parameters(world: World, inbox: str, params: dict[str, Any]) -> None:
    response = world.http.get(f"/v1/numbers/{inbox}/messages", params=params)
    assert (response.status_code, error_code(response)) == (400, "invalid_parameter")
    (name,) = params
    assert details(response)["parameter"] == name


def test_messages_allow_up_to_200(world: World, inbox: str) -> None:
    assert bodies(world, inbox, limit=200)[1] is False


def test_messages_of_a_foreign_number_are_number_not_found(world: World, inbox: str) -> None:
    response = world.other_http.get(f"/v1/numbers/{inbox}/messages")
    assert (response.status_code, error_code(response)) == (404, "number_not_found")


# -- authentication, routing, headers --------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "invalid_api_key"),
        ("", "invalid_api_key"),
        ("Bearer", "invalid_api_key"),
        ("Basic a2V5OnNlY3JldA==", "invalid_api_key"),
        ("Bearer key_nope:sk_nope", "invalid_api_key"),
        ("Bearer :sk_nope", "invalid_api_key"),
        ("Token key_nope:sk_nope", "invalid_api_key"),
        ("Bearer key_nope", "key_secret_required"),
        ("Bearer key_nope:", "key_secret_required"),
        ("bearer  key_nope:", "key_secret_required"),
    ],
)
def test_unauthenticated_requests_get_401(
    world: World, authorization: str | None, code: str
) -> None:
    client = world.connect(None if authorization is None else {"Authorization": authorization})
    for method, path in [
        ("GET", "/v1/phone-numbers"),
        ("POST", "/v1/numbers"),
        ("GET", "/v1/nowhere"),
    ]:
        response = client.request(method, path)
        assert (response.status_code, error_code(response)) == (401, code)
        assert error(response)["type"] == "authentication_error"
        assert details(response) is None
        assert REQUEST_ID.fullmatch(response.headers["x-railway-request-id"])
        assert not any(name.startswith("x-ratelimit") for name in response.headers)
    assert world.fake.numbers() == []


def test_a_known_key_id_without_its_secret_is_key_secret_required(world: World) -> None:
    for authorization in (f"Bearer {world.account.key_id}", f"Bearer {world.account.key_id}:"):
        response = world.connect({"Authorization": authorization}).get("/v1/numbers")
        assert (response.status_code, error_code(response)) == (401, "key_secret_required")
    without_colon, empty_secret = world.fake.requests
    assert (without_colon.error_code, without_colon.key_id) == ("key_secret_required", None)
    assert empty_secret.key_id == world.account.key_id


def test_a_key_needs_its_own_secret_and_can_be_revoked(world: World) -> None:
    mixed = f"{world.account.key_id}:{world.other.key_secret}"
    response = world.as_key(mixed).get("/v1/numbers")
    assert (response.status_code, error_code(response)) == (401, "invalid_api_key")
    extra = world.fake.add_api_key(world.account)
    client = world.as_key(extra)
    assert client.get("/v1/numbers").status_code == 200
    world.fake.revoke_api_key(extra)
    revoked = client.get("/v1/numbers")
    assert (revoked.status_code, error_code(revoked)) == (401, "invalid_api_key")
    assert world.http.get("/v1/numbers").status_code == 200


def test_keys_of_one_account_share_its_numbers(world: World) -> None:
    world.import_number()
    extra = world.as_key(world.fake.add_api_key(world.account))
    assert len(extra.get("/v1/phone-numbers").json()["phone_numbers"]) == 1


@pytest.mark.parametrize(
    "path", ["/v1/nowhere", "/v1/numbers/", "/v1/numbers/num_x/calls", "/", "/v2/numbers"]
)
def test_unknown_routes_are_not_found(world: World, path: str) -> None:
    response = world.http.get(path)
    assert (response.status_code, error_code(response)) == (404, "not_found")


def test_wrong_methods_are_not_allowed(world: World) -> None:
    response = world.http.put("/v1/phone-numbers", json={})
    assert (response.status_code, error_code(response)) == (405, "method_not_allowed")
    assert error(response)["type"] == "invalid_request"
    assert response.headers["allow"] == "GET, POST"
    assert details(response) == {"allowed": ["GET", "POST"]}
    response = world.http.get("/v1/phone-numbers/%2B447446466847")
    assert response.headers["allow"] == "PATCH, DELETE"
    assert details(response) == {"allowed": ["PATCH", "DELETE"]}


def test_every_response_carries_a_fresh_request_id(world: World) -> None:
    responses = [
        world.http.get("/v1/numbers"),
        world.http.post("/v1/numbers", json={"country": "USA"}),
        world.http.get("/v1/nowhere"),
        world.import_number(),
        world.http.delete("/v1/phone-numbers/%2B447446466847"),
    ]
    ids = [r.headers["x-railway-request-id"] for r in responses]
    assert all(REQUEST_ID.fullmatch(i) for i in ids)
    assert not any("x-request-id" in r.headers for r in responses)
    assert len(set(ids)) == len(ids)
    assert ids == [r.request_id for r in world.fake.requests]


def test_requests_are_recorded_with_secrets_redacted(world: World) -> None:
    world.import_number(custom_prompt="p")
    world.http.patch("/v1/phone-numbers/%2B447446466847", json={"custom_prompt": None})
    world.connect().get("/v1/numbers", params={"limit": "5"})

    first, patch, anonymous = world.fake.requests
    assert (first.method, first.path, first.status, first.processed) == (
        "POST",
        "/v1/phone-numbers",
        201,
        True,
    )
    assert first.json == world.import_body(custom_prompt="p", twilio_token="<redacted>")
    assert first.headers["authorization"] == f"Bearer {world.account.key_id}:<redacted>"
    assert first.key_id == world.account.key_id
    assert world.twilio.token not in repr(first)
    assert (patch.path, patch.raw_path) == (
        "/v1/phone-numbers/+447446466847",
        "/v1/phone-numbers/%2B447446466847",
    )
    assert patch.json == {"custom_prompt": None}
    assert (anonymous.status, anonymous.error_code, anonymous.key_id) == (
        401,
        "invalid_api_key",
        None,
    )
    assert anonymous.query == {"limit": "5"}

    world.fake.reset_requests()
    assert world.fake.requests == []


# -- GET /v1/phone-numbers paging ------------------------------------------------------------


def test_the_phone_number_list_is_paged_with_its_total_in_count(world: World) -> None:
    for index in range(30):
        number = f"+4420111{index:05d}"
        world.fake.add_twilio_number(world.twilio.sid, number)
        world.fake.import_phone_number(phone_number=number, agent_id=world.agent_id)

    first = world.http.get("/v1/phone-numbers").json()
    rest = world.http.get("/v1/phone-numbers", params={"offset": 25, "limit": 100}).json()

    assert (len(first["phone_numbers"]), first["count"]) == (25, 30)
    assert (len(rest["phone_numbers"]), rest["count"]) == (5, 30)
    listed = [n["phone_number"] for n in first["phone_numbers"] + rest["phone_numbers"]]
    assert listed == [n.phone_number for n in world.fake.phone_numbers(world.account)]
    for params in ({"limit": 101}, {"limit": 0}, {"offset": -1}):
        response = world.http.get("/v1/phone-numbers", params=params)
        assert (response.status_code, error_code(response)) == (400, "invalid_parameter")


# -- /v1/integrations/{monitor,web-calls}/number/{n} -----------------------------------------


@pytest.mark.parametrize(
    ("switch", "key"), [("monitor", "monitor_enabled"), ("web-calls", "web_calls_enabled")]
)
def test_a_per_number_switch_is_off_by_default_and_kept(
    world: World, switch: str, key: str
) -> None:
    world.import_number()
    path = f"/v1/integrations/{switch}/number/%2B447446466847"
    assert world.http.get(path).json() == {"phone_number": UK_NUMBER, key: False}
    assert world.http.put(path, json={"enabled": True}).json() == {
        "phone_number": UK_NUMBER,
        key: True,
    }
    assert world.http.get(path).json()[key] is True
    assert getattr(world.fake.phone_numbers()[0], key) is True
    assert error_code(world.http.put(path, json={})) == "missing_field"
    assert error_code(world.http.put(path, json={"enabled": "on"})) == "invalid_field"
    foreign = world.other_http.get(path)
    assert (foreign.status_code, error_code(foreign)) == (404, "number_not_found")
