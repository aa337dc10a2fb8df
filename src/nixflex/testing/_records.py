"""The emulator's records, handed to users for seeding and assertions.

Every record is frozen: a change replaces it in the state (`dataclasses.replace`), so later
requests never change one you hold. Secrets (key secrets, Twilio tokens) are kept out of every
`repr()`.

`ImportedNumber`, `ProvisionedNumber` and `SmsMessage` are also the one declaration of their
entity: the state keeps them as they are, and the API's JSON answer is their fields in order
(`wire_items`), less those marked `NOT_ON_WIRE`, in the casing of their resource.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

#: Where an imported number's Twilio webhooks point once Nixflex has configured them.
NIXFLEX_VOICE_URL = "https://api.nixflex.com/twilio/voice"
NIXFLEX_SMS_URL = "https://api.nixflex.com/twilio/sms"
NIXFLEX_STATUS_CALLBACK_URL = "https://api.nixflex.com/twilio/status"

#: Field metadata for what the emulator knows of an entity but the API does not answer with.
NOT_ON_WIRE: Mapping[str, bool] = MappingProxyType({"on_wire": False})


def wire_items(record: DataclassInstance) -> Iterator[tuple[str, Any]]:
    """(field name, value) of each field the API answers with, in declaration order."""
    for item in fields(record):
        if item.metadata.get("on_wire", True):
            yield item.name, getattr(record, item.name)


@dataclass(frozen=True)
class Account:
    """A Nixflex account with its first API key; `api_key` is what a client sends.

    Attributes:
        id: The account id (`acct_…`).
        name: A label for your own test output.
        key_id: The public half of the API key (`key_…`).
        key_secret: The secret half (`sk_…`); left out of `repr()`.
    """

    id: str
    name: str
    key_id: str
    key_secret: str = field(repr=False)

    @property
    def api_key(self) -> str:
        """The key as clients send it: `KEY_ID:KEY_SECRET`."""
        return f"{self.key_id}:{self.key_secret}"


@dataclass(frozen=True)
class TwilioWebhooks:
    """The webhook URLs configured on one Twilio number (None: not set)."""

    voice_url: str | None = None
    sms_url: str | None = None
    status_callback: str | None = None

    @property
    def points_at_nixflex(self) -> bool:
        """True when voice, SMS and status callbacks all go to Nixflex (the number is imported)."""
        return (self.voice_url, self.sms_url, self.status_callback) == (
            NIXFLEX_VOICE_URL,
            NIXFLEX_SMS_URL,
            NIXFLEX_STATUS_CALLBACK_URL,
        )

    @property
    def cleared(self) -> bool:
        """True when no webhook is set at all (what deleting an imported number leaves)."""
        return self.voice_url is None and self.sms_url is None and self.status_callback is None


@dataclass(frozen=True)
class TwilioAccount:
    """A fake Twilio account: its SID, auth token and the numbers it holds.

    Attributes:
        sid: The Account SID (`AC` + 32 lowercase hex digits).
        token: The auth token; left out of `repr()`.
        numbers: The E.164 numbers the account holds, in the order they were added.
    """

    sid: str
    token: str = field(repr=False)
    numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class TelnyxAccount:
    """A fake Telnyx account: its API key, its connection and the numbers it holds.

    Attributes:
        api_key: The Telnyx API key (`KEY…`); left out of `repr()`.
        connection_id: The id of its one connection (SIP or call control).
        numbers: The E.164 numbers the account holds, in the order they were added.
    """

    api_key: str = field(repr=False)
    connection_id: str
    numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportedNumber:
    """A Twilio or Telnyx number imported into Nixflex (a row of `/v1/phone-numbers`).

    Besides what the API answers with, it keeps (off the wire) the number's account, the Twilio
    account or Telnyx connection it came from, and its monitoring and browser-call switches.
    """

    phone_number: str
    agent_id: str
    account_id: str = field(metadata=NOT_ON_WIRE)
    twilio_sid: str | None = field(metadata=NOT_ON_WIRE)
    # Keyword-only, so that they can stand where the API sends them while keeping their default.
    provider: str = field(default="twilio", kw_only=True)
    twilio_number_sid: str | None
    telnyx_number_id: str | None = field(default=None, kw_only=True)
    inbound_enabled: bool = field(default=True, kw_only=True)
    outbound_enabled: bool = field(default=True, kw_only=True)
    custom_prompt: str | None
    voice_id: str | None = field(default=None, kw_only=True)
    sms_prompt: str | None = field(default=None, kw_only=True)
    web_prompt: str | None = field(default=None, kw_only=True)
    sms_reply_enabled: bool = field(default=True, kw_only=True)
    voicemail_leave_enabled: bool = field(default=False, kw_only=True)
    voicemail_message: str | None = field(default=None, kw_only=True)
    speaking_rate: float | None = field(default=None, kw_only=True)
    dtmf_enabled: bool = field(default=False, kw_only=True)
    record_call: bool | None = field(default=None, kw_only=True)
    recording_source: str | None = field(default=None, kw_only=True)
    created_at: datetime
    telnyx_connection_id: str | None = field(default=None, kw_only=True, metadata=NOT_ON_WIRE)
    monitor_enabled: bool = field(default=False, kw_only=True, metadata=NOT_ON_WIRE)
    web_calls_enabled: bool = field(default=False, kw_only=True, metadata=NOT_ON_WIRE)


@dataclass(frozen=True)
class ProvisionedNumber:
    """A number bought through the platform (a row of `/v1/numbers`)."""

    id: str
    phone_number: str
    country: str
    status: str
    agent_id: str | None
    account_id: str = field(metadata=NOT_ON_WIRE)
    created_at: datetime

    @property
    def released(self) -> bool:
        """True once the number was released."""
        return self.status == "released"


@dataclass(frozen=True)
class SmsMessage:
    """An inbound message kept for a provisioned number.

    `direction` (always `"inbound"` here: the emulator keeps what numbers receive) and `channel`
    (`"sms"`, or `"mms"` when seeded so) are sent after `receivedAt`, as the API sends them.
    """

    id: str
    number_id: str = field(metadata=NOT_ON_WIRE)
    from_: str
    to: str
    body: str
    received_at: datetime
    direction: str = field(default="inbound", kw_only=True)
    channel: str = field(default="sms", kw_only=True)


@dataclass(frozen=True)
class CallerRecord:
    """What the API keeps about one caller of one imported number (caller context).

    `context` holds only the fields that are set: the six a request may write (`name`, `email`,
    `phone`, `location`, `reference_id`, `preference`) and the two the engine writes
    (`last_call`, `open_item`; seed them with `FakeNixflex.set_caller`). It is read-only.
    """

    phone_number: str
    caller_number: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received, for assertions in tests.

    Attributes:
        method: The HTTP method, upper case.
        path: The percent-decoded path (`/v1/phone-numbers/+447…`).
        raw_path: The path exactly as it arrived (`/v1/phone-numbers/%2B447…`).
        query: Query parameters (a repeated one keeps its last value).
        json: The parsed JSON body, None when there was none or it was not JSON. A Twilio
            token or a Telnyx API key in it is replaced by `"<redacted>"`.
        headers: Header names in lower case; `authorization` is cut down to the key id
            (`Bearer key_…:<redacted>`): the key secret is never kept.
        key_id: The key id the request was sent with, if any.
        status: The status answered, or None when the connection was dropped.
        error_code: The `error.code` answered, if the answer was an error.
        faults: The injected faults applied (`"fail"`, `"drop"`, `"delay"`).
        processed: Whether the request reached the API (False when a fault answered first, so
            it changed nothing and did not count against the key's rate limit).
        request_id: The `x-railway-request-id` answered (also kept for dropped requests).
    """

    method: str
    path: str
    raw_path: str
    query: Mapping[str, str]
    json: Any
    headers: Mapping[str, str]
    key_id: str | None
    status: int | None
    error_code: str | None
    faults: tuple[str, ...]
    processed: bool
    request_id: str

    @property
    def dropped(self) -> bool:
        """True when the connection was closed without an answer."""
        return self.status is None


@dataclass(frozen=True)
class RateLimits:
    """How many requests each API key may make per window, as the API counts them.

    Two separate buckets per key: reads (`GET`, and `HEAD`/`OPTIONS`) and writes (`POST`,
    `PUT`, `PATCH`, `DELETE` and any other method). Windows are aligned on the Unix clock
    (`time.time()`): a 60 s window starts on each whole minute, so `X-RateLimit-Reset` is exactly
    when the bucket refills. The defaults are the API's own limits.

    Attributes:
        reads: Read requests a key may make per window (the API: 600 a minute).
        writes: Write requests a key may make per window (the API: 120 a minute).
        window: The window, in whole seconds (at least 1).

    Example:
        ```python
        fake = FakeNixflex(rate_limits=RateLimits(reads=3, writes=2, window=1))
        ```
    """

    reads: int = 600
    writes: int = 120
    window: int = 60

    def __post_init__(self) -> None:
        for name in ("reads", "writes", "window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"RateLimits.{name} must be a whole number >= 1, got {value!r}")
