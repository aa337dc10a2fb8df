"""JSON to models: both casings, aliases, unknown keys, aware timestamps, frozen instances."""

from __future__ import annotations

from datetime import datetime, timezone

import attrs
import pytest

from nixflex import Caller, CallerContext, Message, Number, PhoneNumber
from nixflex._convert import structure

UTC = timezone.utc
SNAKE = {
    "phone_number": "+447446466847",
    "agent_id": "agent_125207e452f8714a",
    "twilio_number_sid": "PN451e0ddf654327e36baab58dfbcd30d6",
    "inbound_enabled": True,
    "outbound_enabled": False,
    "custom_prompt": "Business: Smile Dental Croydon.",
    "created_at": "2025-01-15T10:45:00Z",
}
CAMEL = {
    "phoneNumber": "+447446466847",
    "agentId": "agent_125207e452f8714a",
    "twilioNumberSid": "PN451e0ddf654327e36baab58dfbcd30d6",
    "inboundEnabled": True,
    "outboundEnabled": False,
    "customPrompt": "Business: Smile Dental Croydon.",
    "createdAt": "2025-01-15T10:45:00Z",
}
EXPECTED = PhoneNumber(
    phone_number="+447446466847",
    agent_id="agent_125207e452f8714a",
    twilio_number_sid="PN451e0ddf654327e36baab58dfbcd30d6",
    inbound_enabled=True,
    outbound_enabled=False,
    custom_prompt="Business: Smile Dental Croydon.",
    created_at=datetime(2025, 1, 15, 10, 45, tzinfo=UTC),
)


@pytest.mark.parametrize("data", [SNAKE, CAMEL, {**SNAKE, "extra": {"nested": [1]}, "new": 1}])
def test_both_casings_and_unknown_keys_give_the_same_model(data: dict[str, object]) -> None:
    assert structure(data, PhoneNumber) == EXPECTED


def test_only_the_first_two_phone_number_fields_are_required() -> None:
    minimal = structure({"phone_number": "+1", "agent_id": "a"}, PhoneNumber)
    assert minimal == PhoneNumber(phone_number="+1", agent_id="a")
    assert minimal.created_at is None
    with pytest.raises(KeyError, match="agent_id"):
        structure({"phone_number": "+1"}, PhoneNumber)


def test_a_number_keeps_a_status_it_does_not_know() -> None:
    number = structure(
        {"id": "num_1", "phoneNumber": "+1555", "status": "porting_out", "agentId": None}, Number
    )
    assert number.status == "porting_out"
    assert number.agent_id is None


@pytest.mark.parametrize("sender_key", ["from_", "from"])
def test_a_message_sender_arrives_as_from_or_from_underscore(sender_key: str) -> None:
    message = structure(
        {
            "id": "msg_001",
            sender_key: "+15559876543",
            "to": "+15551234567",
            "body": "Hi, I need help with my order",
            "receivedAt": "2025-01-15T12:00:00Z",
        },
        Message,
    )
    assert message.from_ == "+15559876543"
    assert message.received_at == datetime(2025, 1, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"id": "m", "receivedAt": 1736942400}, TypeError),
        ({"id": "m", "receivedAt": "not a time"}, ValueError),
        ({"id": ["m"], "receivedAt": "2025-01-15T12:00:00Z"}, TypeError),
        ({"id": "m", "receivedAt": "2025-01-15T12:00:00Z", "body": 5}, TypeError),
        ("msg_001", TypeError),
        ({"id": "m"}, KeyError),
    ],
)
def test_the_wrong_shape_raises(data: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        structure(data, Message)


def test_models_are_frozen_and_hashable() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        EXPECTED.custom_prompt = "changed"  # type: ignore[misc]
    assert hash(EXPECTED) == hash(structure(CAMEL, PhoneNumber))
    assert attrs.evolve(EXPECTED, custom_prompt=None).custom_prompt is None


def test_a_bool_field_refuses_a_string() -> None:
    with pytest.raises(TypeError, match="inbound_enabled"):
        structure({**SNAKE, "inbound_enabled": "yes"}, PhoneNumber)


@attrs.frozen(kw_only=True)
class _Reading:
    """Every kind of field the converter knows, for the rules a model of the SDK does not use."""

    sensor_id: str
    count: int
    ratio: float
    ok: bool | None = None
    note: str = "none"
    tags: list[str] = attrs.field(factory=list)
    taken_at: datetime | None = None


def test_primitives_are_checked_by_their_json_type() -> None:
    reading = structure({"sensorId": "s", "count": 3, "ratio": 2}, _Reading)
    assert (reading.count, reading.ratio, reading.ok, reading.note, reading.tags) == (
        3,
        2,
        None,
        "none",
        [],
    )
    with pytest.raises(TypeError, match="count: expected int, got bool"):
        structure({"sensor_id": "s", "count": True, "ratio": 1.5}, _Reading)
    with pytest.raises(TypeError, match="ratio: expected float, got str"):
        structure({"sensor_id": "s", "count": 1, "ratio": "1.5"}, _Reading)
    with pytest.raises(TypeError, match="sensor_id: expected str, got int"):
        structure({"sensorId": 7, "count": 1, "ratio": 1.5}, _Reading)
    with pytest.raises(TypeError, match="ok: expected bool"):
        structure({"sensor_id": "s", "count": 1, "ratio": 1.5, "ok": 0}, _Reading)


def test_a_missing_required_key_is_named_as_the_attribute_in_either_casing() -> None:
    with pytest.raises(KeyError, match="sensor_id"):
        structure({"count": 1, "ratio": 1.5}, _Reading)
    with pytest.raises(KeyError, match="agent_id"):
        structure({"phoneNumber": "+1"}, PhoneNumber)


def test_a_null_is_none_for_an_optional_field_only() -> None:
    reading = structure(
        {"sensor_id": "s", "count": 1, "ratio": 1.5, "ok": None, "taken_at": None}, _Reading
    )
    assert reading.ok is None
    assert reading.taken_at is None
    with pytest.raises(TypeError, match="note: expected str, got NoneType"):
        structure({"sensor_id": "s", "count": 1, "ratio": 1.5, "note": None}, _Reading)


def test_nested_values_go_through_the_converter() -> None:
    reading = structure(
        {
            "sensor_id": "s",
            "count": 1,
            "ratio": 1.5,
            "tags": ["a"],
            "takenAt": "2025-01-15T12:00:00",
        },
        _Reading,
    )
    assert reading.tags == ["a"]
    assert reading.taken_at == datetime(2025, 1, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize("first", [SNAKE, CAMEL])
def test_a_list_of_models_takes_either_casing_item_by_item(first: dict[str, object]) -> None:
    assert structure([first, SNAKE, CAMEL], list[PhoneNumber]) == [EXPECTED] * 3
    assert structure([], list[PhoneNumber]) == []
    with pytest.raises(TypeError, match="expected a JSON object"):
        structure([first, "+1"], list[PhoneNumber])


def test_a_traceback_through_a_generated_decoder_shows_the_generated_line() -> None:
    import inspect
    import traceback

    from nixflex._convert import converter

    for data, cls, line in [
        (
            {"id": "m", "receivedAt": "2025-01-15T12:00:00Z", "body": 5},
            Message,
            "_wrong_type('body'",
        ),
        ({"id": "m"}, Message, "raise KeyError('received_at')"),
        ([{"id": "m"}], list[Message], "raise KeyError('received_at')"),
    ]:
        with pytest.raises((TypeError, KeyError)) as caught:
            structure(data, cls)
        frames = traceback.extract_tb(caught.value.__traceback__)
        generated = [frame for frame in frames if frame.filename.startswith("<nixflex generated")]
        assert generated, [frame.filename for frame in frames]
        assert line in (generated[-1].line or "")
        assert "Message" in generated[-1].filename
    hook = converter().get_structure_hook(Message)
    assert inspect.getsource(hook).startswith("def structure(o, _):")


def test_a_caller_is_hashable_whatever_the_engine_wrote() -> None:
    note = {"summary": "Booked", "at": "2026-11-28T10:00:00Z"}
    first = Caller(
        phone_number="+447446466847",
        caller_number="+447700900123",
        context=CallerContext(name="Ada", last_call=note, open_item=["call back"]),
    )
    same = attrs.evolve(first, context=attrs.evolve(first.context, last_call=dict(note)))

    assert {first, same} == {first}
    assert first != attrs.evolve(first, context=CallerContext(name="Ada"))
