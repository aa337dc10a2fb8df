"""The emulator's mutable state, in dicts guarded by the lock that `FakeNixflex` holds.

Imported numbers, provisioned numbers and messages are kept as the frozen records of `_records`
themselves, each dict in arrival order; a change replaces a record (`dataclasses.replace`). Twilio
accounts and numbers are mutable rows, copied into a `TwilioAccount` when handed out. Nothing
here validates API input (that is `_routes`); it stores, and generates ids and timestamps. Each
key's rate-limit buckets are kept here too (`limiter`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from ._limits import RateLimiter
from ._records import (
    Account,
    CallerRecord,
    ImportedNumber,
    ProvisionedNumber,
    RateLimits,
    RecordedRequest,
    SmsMessage,
    TelnyxAccount,
    TwilioAccount,
    TwilioWebhooks,
)
from ._wire import truncate_to_millis

E164 = re.compile(r"\+[1-9][0-9]{1,14}", re.ASCII)
TWILIO_SID = re.compile(r"AC[a-f0-9]{32}", re.ASCII)

_ONE_MILLI = timedelta(milliseconds=1)

#: The API's own limits: 600 reads and 120 writes a minute per key.
API_RATE_LIMITS = RateLimits()

R = TypeVar("R")


@dataclass
class TwilioNumberRow:
    phone_number: str
    sid: str
    account_sid: str
    webhooks: TwilioWebhooks = field(default_factory=TwilioWebhooks)


@dataclass
class TwilioAccountRow:
    sid: str
    token: str
    numbers: dict[str, TwilioNumberRow] = field(default_factory=dict)


@dataclass
class TelnyxAccountRow:
    api_key: str
    connection_id: str
    numbers: dict[str, str] = field(default_factory=dict)  # phone number -> Telnyx number id


# Fictional ranges where they exist (NANP 555-01xx, Ofcom's drama numbers), so a generated
# number never rings a real phone; elsewhere (calling code, national digits) of a plausible length.
_NANP_AREA_CODES = {
    "US": ("212", "213", "305", "312", "415", "512", "617", "702", "206", "404"),
    "CA": ("416", "514", "604", "403", "613", "780", "902"),
}
#: The countries where `POST /v1/numbers` takes an `areaCode`, and its form there (NANP: an
#: area code never starts with 0 or 1).
AREA_CODE_COUNTRIES = frozenset(_NANP_AREA_CODES)
AREA_CODE = re.compile(r"[2-9][0-9]{2}", re.ASCII)
_CALLING_CODES: dict[str, tuple[str, int]] = {
    "GB": ("44", 10),
    "IE": ("353", 9),
    "FR": ("33", 9),
    "DE": ("49", 10),
    "ES": ("34", 9),
    "IT": ("39", 10),
    "NL": ("31", 9),
    "BE": ("32", 9),
    "SE": ("46", 9),
    "AU": ("61", 9),
    "NZ": ("64", 9),
    "MX": ("52", 10),
    "BR": ("55", 11),
    "IN": ("91", 10),
    "JP": ("81", 10),
    "ZA": ("27", 9),
}
#: Calling code for countries without an entry above: the ITU assigns it to no country.
FALLBACK_CALLING_CODE = "999"


class State:
    """All rows of one emulator. Every method expects the caller to hold the lock."""

    def __init__(
        self,
        *,
        seed: int | None,
        clock: Callable[[], datetime] | None,
        rate_limits: RateLimits | None = API_RATE_LIMITS,
    ) -> None:
        self.rng = random.Random(seed)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._last_stamp: datetime | None = None
        self.accounts: dict[str, Account] = {}
        self.api_keys: dict[str, str] = {}  # "KEY_ID:KEY_SECRET" -> account id
        self.agents: dict[str, str] = {}  # agent id -> account id
        self.twilio_accounts: dict[str, TwilioAccountRow] = {}
        self.twilio_numbers: dict[str, TwilioNumberRow] = {}  # a number sits in one account
        self.telnyx_accounts: dict[str, TelnyxAccountRow] = {}  # API key -> the account
        self.telnyx_numbers: dict[str, TelnyxAccountRow] = {}  # phone number -> its account
        self.imported: dict[str, ImportedNumber] = {}  # phone number -> the number
        self.numbers: dict[str, ProvisionedNumber] = {}  # number id -> the number
        self.messages: dict[str, list[SmsMessage]] = {}  # number id -> its messages
        self.webhook_urls: dict[tuple[str, int], str] = {}  # (phone number, slot) -> URL
        self.callers: dict[tuple[str, str], CallerRecord] = {}  # (number, caller) -> context
        self._provisioned_phones: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self.limiter = RateLimiter(rate_limits)

    # ids, clock ---------------------------------------------------------------------------

    def hex_id(self, length: int) -> str:
        return f"{self.rng.getrandbits(4 * length):0{length}x}"

    def now(self) -> datetime:
        """A timestamp later than every earlier one, so newest-first order is never a tie."""
        stamp = truncate_to_millis(self._clock())
        if self._last_stamp is not None and stamp <= self._last_stamp:
            stamp = self._last_stamp + _ONE_MILLI
        self._last_stamp = stamp
        return stamp

    def request_id(self) -> str:
        return f"req_{self.hex_id(24)}"

    # accounts, keys, agents -----------------------------------------------------------------

    def account_id_of(self, account: Account | str) -> str:
        account_id = account.id if isinstance(account, Account) else account
        if account_id not in self.accounts:
            raise ValueError(f"unknown account {account_id!r}: create it with add_account()")
        return account_id

    def add_account(self, name: str | None, api_key: str | None, account_id: str | None) -> Account:
        account_id = account_id or f"acct_{self.hex_id(16)}"
        if account_id in self.accounts:
            raise ValueError(f"account {account_id!r} already exists")
        key_id, key_secret = self._new_key(api_key)
        account = Account(account_id, name or account_id, key_id, key_secret)
        self.accounts[account_id] = account
        self.api_keys[account.api_key] = account_id
        return account

    def add_api_key(self, account_id: str, api_key: str | None) -> str:
        key_id, key_secret = self._new_key(api_key)
        full = f"{key_id}:{key_secret}"
        self.api_keys[full] = account_id
        return full

    def _new_key(self, api_key: str | None) -> tuple[str, str]:
        if api_key is None:
            return f"key_{self.hex_id(16)}", f"sk_{self.hex_id(32)}"
        key_id, sep, key_secret = api_key.partition(":")
        if not (sep and key_id and key_secret):
            raise ValueError("api_key must look like 'KEY_ID:KEY_SECRET'")
        if api_key in self.api_keys:
            raise ValueError(f"API key {key_id}:… is already in use")
        return key_id, key_secret

    def revoke_api_key(self, api_key: str) -> None:
        if self.api_keys.pop(api_key, None) is None:
            raise ValueError("unknown API key")

    def add_agent(self, account_id: str, agent_id: str | None) -> str:
        agent_id = agent_id or f"agent_{self.hex_id(16)}"
        if agent_id in self.agents:
            raise ValueError(f"agent {agent_id!r} already exists")
        self.agents[agent_id] = account_id
        return agent_id

    # Twilio -------------------------------------------------------------------------------

    def add_twilio_account(self, sid: str | None, token: str | None) -> TwilioAccountRow:
        sid = sid or f"AC{self.hex_id(32)}"
        if not TWILIO_SID.fullmatch(sid):
            raise ValueError(f"Twilio SID {sid!r} must match ^AC[a-f0-9]{{32}}$")
        if sid in self.twilio_accounts:
            raise ValueError(f"Twilio account {sid} already exists")
        row = TwilioAccountRow(sid, token or self.hex_id(32))
        self.twilio_accounts[sid] = row
        return row

    def twilio_account_row(self, sid: str) -> TwilioAccountRow:
        try:
            return self.twilio_accounts[sid]
        except KeyError:
            raise ValueError(f"unknown Twilio account {sid!r}") from None

    def add_twilio_number(self, sid: str, phone_number: str) -> TwilioNumberRow:
        account = self.twilio_account_row(sid)
        if not E164.fullmatch(phone_number):
            raise ValueError(f"{phone_number!r} is not an E.164 number (^\\+[1-9]\\d{{1,14}}$)")
        if phone_number in self.twilio_numbers:
            holder = self.twilio_numbers[phone_number].account_sid
            raise ValueError(f"{phone_number} is already held by Twilio account {holder}")
        if phone_number in self._provisioned_phones:
            raise ValueError(f"{phone_number} is already a number provisioned through Nixflex")
        if phone_number in self.telnyx_numbers:
            raise ValueError(f"{phone_number} is already held by a Telnyx account")
        row = TwilioNumberRow(phone_number, f"PN{self.hex_id(32)}", sid)
        account.numbers[phone_number] = row
        self.twilio_numbers[phone_number] = row
        return row

    def twilio_number_row(self, phone_number: str) -> TwilioNumberRow:
        try:
            return self.twilio_numbers[phone_number]
        except KeyError:
            raise ValueError(f"no Twilio account holds {phone_number!r}") from None

    # Telnyx -------------------------------------------------------------------------------

    def add_telnyx_account(
        self, api_key: str | None, connection_id: str | None
    ) -> TelnyxAccountRow:
        api_key = api_key or f"KEY{self.hex_id(32).upper()}"
        if api_key in self.telnyx_accounts:
            raise ValueError("that Telnyx API key is already in use")
        row = TelnyxAccountRow(api_key, connection_id or str(self.rng.getrandbits(62)))
        self.telnyx_accounts[api_key] = row
        return row

    def add_telnyx_number(self, row: TelnyxAccountRow, phone_number: str) -> None:
        if not E164.fullmatch(phone_number):
            raise ValueError(f"{phone_number!r} is not an E.164 number (^\\+[1-9]\\d{{1,14}}$)")
        if self.number_in_use(phone_number):
            raise ValueError(f"{phone_number} is already held by another account")
        row.numbers[phone_number] = str(self.rng.getrandbits(62))
        self.telnyx_numbers[phone_number] = row

    def telnyx_snapshot(self, row: TelnyxAccountRow) -> TelnyxAccount:
        return TelnyxAccount(row.api_key, row.connection_id, tuple(row.numbers))

    # provisioned numbers, messages ------------------------------------------------------------

    def number(self, number_id: str) -> ProvisionedNumber:
        try:
            return self.numbers[number_id]
        except KeyError:
            raise ValueError(f"unknown number id {number_id!r}") from None

    def number_in_use(self, phone_number: str) -> bool:
        return (
            phone_number in self.twilio_numbers
            or phone_number in self.telnyx_numbers
            or phone_number in self._provisioned_phones
        )

    def generate_phone_number(self, country: str, area_code: str | None = None) -> str:
        """A number of `country` no one has; in `area_code` (US/CA: three digits) if given."""
        for _ in range(50):
            candidate = self._candidate(country, area_code)
            if not self.number_in_use(candidate):
                return candidate
        # The fictional ranges are small; past them any plausible number will do.
        code, length = _CALLING_CODES.get(country, (FALLBACK_CALLING_CODE, 9))
        if country in _NANP_AREA_CODES:
            code, length = "1", 10
        while True:
            if area_code is not None:  # the area code, then an exchange (never 0 or 1 first)
                national = f"{area_code}{self.rng.randint(2, 9)}{self._digits(6)}"
            else:
                national = f"{self.rng.randint(1, 9)}{self._digits(length - 1)}"
            candidate = f"+{code}{national}"
            if not self.number_in_use(candidate):
                return candidate

    def _candidate(self, country: str, area_code: str | None) -> str:
        if country in _NANP_AREA_CODES:
            area = area_code or self.rng.choice(_NANP_AREA_CODES[country])
            return f"+1{area}55501{self._digits(2)}"
        if country == "GB":
            return f"+447700900{self._digits(3)}"
        code, length = _CALLING_CODES.get(country, (FALLBACK_CALLING_CODE, 9))
        return f"+{code}{self.rng.randint(1, 9)}{self._digits(length - 1)}"

    def _digits(self, count: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(count))

    def insert_number(
        self,
        account_id: str,
        country: str,
        agent_id: str | None,
        *,
        phone_number: str | None = None,
        created_at: datetime | None = None,
        number_id: str | None = None,
        area_code: str | None = None,
    ) -> ProvisionedNumber:
        number = ProvisionedNumber(
            id=number_id or f"num_{self.hex_id(16)}",
            phone_number=phone_number or self.generate_phone_number(country, area_code),
            country=country,
            status="active",
            agent_id=agent_id,
            account_id=account_id,
            created_at=truncate_to_millis(created_at) if created_at else self.now(),
        )
        self.numbers[number.id] = number
        self.messages[number.id] = []
        self._provisioned_phones.add(number.phone_number)
        return number

    def insert_message(
        self,
        number: ProvisionedNumber,
        from_: str,
        body: str,
        received_at: datetime | None,
        *,
        channel: str = "sms",
    ) -> SmsMessage:
        message = SmsMessage(
            id=f"msg_{self.hex_id(16)}",
            number_id=number.id,
            from_=from_,
            to=number.phone_number,
            body=body,
            received_at=truncate_to_millis(received_at) if received_at else self.now(),
            direction="inbound",
            channel=channel,
        )
        self.messages[number.id].append(message)
        return message

    # snapshots ----------------------------------------------------------------------------

    def twilio_snapshot(self, row: TwilioAccountRow) -> TwilioAccount:
        return TwilioAccount(row.sid, row.token, tuple(row.numbers))

    # listings (what the API's lists and the views show) ---------------------------------------

    def imported_newest_first(
        self, account_id: str | None = None, agent_id: str | None = None
    ) -> list[ImportedNumber]:
        """Imported numbers of one account (or all), optionally of one agent, newest first."""
        numbers = (
            number
            for number in self.imported.values()
            if (account_id is None or number.account_id == account_id)
            and (agent_id is None or number.agent_id == agent_id)
        )
        return _newest_first(numbers, lambda number: number.created_at)

    def numbers_in_order(self, account_id: str | None = None) -> list[ProvisionedNumber]:
        """Provisioned numbers of one account (or all), released ones too, in the order they were
        provisioned (the "oldest first" of `GET /v1/numbers`, whatever `created_at` says)."""
        return [
            number
            for number in self.numbers.values()
            if account_id is None or number.account_id == account_id
        ]

    def messages_newest_first(self, number_id: str) -> list[SmsMessage]:
        """A provisioned number's messages, newest first."""
        return _newest_first(self.messages[number_id], lambda message: message.received_at)

    def set_webhooks(self, phone_number: str, webhooks: TwilioWebhooks) -> None:
        row = self.twilio_numbers.get(phone_number)
        if row is not None:
            row.webhooks = webhooks


def _newest_first(records: Iterable[R], when: Callable[[R], datetime]) -> list[R]:
    """`records`, given in arrival order, newest first by `when`; of a tie, the later arrival."""
    arrivals = sorted(enumerate(records), key=lambda pair: (when(pair[1]), pair[0]), reverse=True)
    return [record for _, record in arrivals]
