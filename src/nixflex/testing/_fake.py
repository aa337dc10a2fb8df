"""`FakeNixflex`: the emulator's public face (seeding, views, faults, the ways in).

It owns the state, the pending faults and the lock that guards both. Every request, whichever
way it came in, is answered by its `_pipeline.Pipeline`, the handler the transport and the server
are built from.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from ._callers import CONTEXT_FIELDS, ENGINE_FIELDS
from ._callers import write as write_caller
from ._faults import (
    Fault,
    FaultQueue,
    RoutePattern,
    check_count,
    check_details,
    check_seconds,
    check_status,
    retry_after_header,
)
from ._pipeline import Pipeline
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
from ._routes import area_code_value, check_agent, country_value, import_number
from ._state import API_RATE_LIMITS, E164, State
from ._webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    build_delivery,
    post_delivery,
    urls_of,
)
from ._wire import ApiError, truncate_to_millis

if TYPE_CHECKING:
    import httpx

    from nixflex import AsyncClient, Client

    from ._server import FakeServer


class FakeNixflex:
    """An in-memory Nixflex API for tests: seed it, point a client at it, assert on what it saw.

    Args:
        latency: Seconds added to every request (before it is processed), to simulate a network.
        seed: Makes generated ids, keys and phone numbers repeatable.
        clock: Returns the current time (an aware `datetime`) for `created_at` and
            `received_at`; defaults to the system clock. Generated timestamps always move
            forward by at least a millisecond, so newest-first order never ties.
        record_requests: Keep every request in `requests`; turn off for long benchmarks.
        rate_limits: How many reads and writes each API key may make per window; the API's own
            (600 reads and 120 writes a minute) by default, None for no limits. Counted on the
            Unix clock (`time.time()`), whatever `clock` says.

    Example:
        ```python
        fake = FakeNixflex()
        account = fake.add_account(name="reseller")
        agent_id = fake.add_agent(account)
        twilio = fake.add_twilio_account(numbers=["+447700900123"])
        with fake.client(account) as client:
            client.phone_numbers.list()
        ```
    """

    #: The base URL `client()`, `async_client()` and `transport()` users should send requests to.
    base_url: ClassVar[str] = "http://nixflex.test"

    def __init__(
        self,
        *,
        latency: float = 0.0,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
        record_requests: bool = True,
        rate_limits: RateLimits | None = API_RATE_LIMITS,
    ) -> None:
        self._lock = threading.Lock()
        self._state = State(seed=seed, clock=clock, rate_limits=_check_limits(rate_limits))
        self._faults = FaultQueue()
        self._pipeline = Pipeline(
            self._state,
            self._lock,
            self._faults,
            latency=latency,
            record_requests=record_requests,
        )

    def __repr__(self) -> str:
        with self._lock:
            state = self._state
            return (
                f"<FakeNixflex accounts={len(state.accounts)} agents={len(state.agents)} "
                f"twilio_accounts={len(state.twilio_accounts)} phone_numbers={len(state.imported)} "
                f"numbers={len(state.numbers)} requests={len(state.requests)}>"
            )

    @property
    def latency(self) -> float:
        """Seconds added to every request."""
        return self._pipeline.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._pipeline.latency = seconds

    @property
    def rate_limits(self) -> RateLimits | None:
        """Each API key's limits (None: no limits); setting them starts every count afresh."""
        with self._lock:
            return self._state.limiter.limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        limits = _check_limits(limits)
        with self._lock:
            self._state.limiter.limits = limits

    # -- seeding -----------------------------------------------------------------------------

    def add_account(
        self,
        *,
        name: str | None = None,
        api_key: str | None = None,
        account_id: str | None = None,
    ) -> Account:
        """Create a Nixflex account with an API key (`account.api_key`) clients can use.

        Args:
            name: A label for your own output; defaults to the account id.
            api_key: A `KEY_ID:KEY_SECRET` of your choosing (e.g. what your app's settings
                hold); generated when omitted.
            account_id: An id of your choosing; generated (`acct_…`) when omitted.
        """
        with self._lock:
            return self._state.add_account(name, api_key, account_id)

    def add_api_key(self, account: Account | str, *, api_key: str | None = None) -> str:
        """Give an account another API key and return it (`KEY_ID:KEY_SECRET`)."""
        with self._lock:
            return self._state.add_api_key(self._state.account_id_of(account), api_key)

    def revoke_api_key(self, api_key: str) -> None:
        """Make an API key unknown: requests sending it get 401 `invalid_api_key` from now on."""
        with self._lock:
            self._state.revoke_api_key(api_key)

    def add_agent(self, account: Account | str, *, agent_id: str | None = None) -> str:
        """Create an agent owned by `account` and return its id (generated `agent_…` if None)."""
        with self._lock:
            return self._state.add_agent(self._state.account_id_of(account), agent_id)

    def add_twilio_account(
        self,
        *,
        numbers: Iterable[str] = (),
        sid: str | None = None,
        token: str | None = None,
    ) -> TwilioAccount:
        """Create a fake Twilio account holding `numbers` (E.164), with no webhooks set yet.

        Args:
            numbers: Phone numbers the account holds; a number can sit in only one account.
            sid: The Account SID (`AC` + 32 lowercase hex); generated when omitted.
            token: The auth token; generated when omitted.
        """
        with self._lock:
            row = self._state.add_twilio_account(sid, token)
            try:
                for number in numbers:
                    self._state.add_twilio_number(row.sid, number)
            except ValueError:
                for number in row.numbers:
                    del self._state.twilio_numbers[number]
                del self._state.twilio_accounts[row.sid]
                raise
            return self._state.twilio_snapshot(row)

    def add_telnyx_account(
        self,
        *,
        numbers: Iterable[str] = (),
        api_key: str | None = None,
        connection_id: str | None = None,
    ) -> TelnyxAccount:
        """Create a fake Telnyx account holding `numbers` (E.164) on one connection.

        An import of one of its numbers must send its `api_key` and `connection_id`; another
        key is `telnyx_invalid_credentials` (401), another connection
        `telnyx_connection_not_found` (404), a number it does not hold `number_not_in_telnyx`
        (404).

        Args:
            numbers: Phone numbers the account holds; a number can sit in only one account.
            api_key: The Telnyx API key; generated (`KEY…`) when omitted.
            connection_id: The connection's id; generated when omitted.
        """
        with self._lock:
            row = self._state.add_telnyx_account(api_key, connection_id)
            try:
                for number in numbers:
                    self._state.add_telnyx_number(row, number)
            except ValueError:
                for number in row.numbers:
                    del self._state.telnyx_numbers[number]
                del self._state.telnyx_accounts[row.api_key]
                raise
            return self._state.telnyx_snapshot(row)

    def add_twilio_number(self, twilio_sid: str, phone_number: str) -> None:
        """Put another number in a Twilio account (as if bought in the Twilio console)."""
        with self._lock:
            self._state.add_twilio_number(twilio_sid, phone_number)

    def set_twilio_webhooks(
        self,
        phone_number: str,
        *,
        voice_url: str | None = None,
        sms_url: str | None = None,
        status_callback: str | None = None,
    ) -> None:
        """Set a Twilio number's webhooks, e.g. to see an import overwrite your own."""
        with self._lock:
            row = self._state.twilio_number_row(phone_number)
            row.webhooks = TwilioWebhooks(voice_url, sms_url, status_callback)

    def import_phone_number(
        self,
        *,
        phone_number: str,
        agent_id: str,
        custom_prompt: str | None = None,
        created_at: datetime | None = None,
    ) -> ImportedNumber:
        """Import a seeded Twilio or Telnyx number into the agent's account without a request.

        The same checks as `POST /v1/phone-numbers` apply (with the credentials of the Twilio
        or Telnyx account that holds the number); a failing one raises `ValueError` naming the
        error code.

        Args:
            created_at: Pretend the import happened then (naive means UTC).
        """
        with self._lock:
            state = self._state
            if agent_id not in state.agents:
                raise ValueError(f"agent_not_found: unknown agent {agent_id!r}")
            telnyx = state.telnyx_numbers.get(phone_number)
            credentials: dict[str, str] = {}
            if telnyx is not None:
                credentials = {
                    "telnyx_api_key": telnyx.api_key,
                    "telnyx_connection_id": telnyx.connection_id,
                }
            else:
                twilio = state.twilio_accounts[state.twilio_number_row(phone_number).account_sid]
                credentials = {"twilio_sid": twilio.sid, "twilio_token": twilio.token}
            with _as_value_error():
                return import_number(
                    state,
                    state.agents[agent_id],
                    phone_number=phone_number,
                    agent_id=agent_id,
                    custom_prompt=custom_prompt,
                    created_at=_stamp(created_at),
                    **credentials,
                )

    def provision_number(
        self,
        account: Account | str,
        *,
        country: str = "US",
        agent_id: str | None = None,
        phone_number: str | None = None,
        created_at: datetime | None = None,
        number_id: str | None = None,
        area_code: str | None = None,
    ) -> ProvisionedNumber:
        """Add a provisioned number to an account without an HTTP request (`POST /v1/numbers`).

        Args:
            phone_number: The E.164 number; generated for `country` when omitted.
            created_at: Pretend it was bought then (naive means UTC).
            number_id: The id, e.g. the `num_xyz789` of your fixtures; generated when omitted.
            area_code: A generated US or CA number is in this area code (`"415"`), as with
                `areaCode` on `POST /v1/numbers`.
        """
        with self._lock:
            state = self._state
            account_id = state.account_id_of(account)
            with _as_value_error():
                country = country_value(country)
                area_code = area_code_value(area_code, country)
                if agent_id is not None:
                    check_agent(state, account_id, agent_id)
            if phone_number is not None:
                if not E164.fullmatch(phone_number):
                    raise ValueError(f"{phone_number!r} is not an E.164 number")
                if state.number_in_use(phone_number):
                    raise ValueError(f"{phone_number} is already in use")
            if number_id is not None and number_id in state.numbers:
                raise ValueError(f"number id {number_id!r} is already taken")
            return state.insert_number(
                account_id,
                country,
                agent_id,
                phone_number=phone_number,
                created_at=created_at,
                number_id=number_id,
                area_code=area_code,
            )

    def deliver_sms(
        self,
        number_id: str,
        *,
        from_: str,
        body: str,
        received_at: datetime | None = None,
        channel: str = "sms",
    ) -> SmsMessage:
        """Record an inbound SMS to a provisioned number (listed by its messages endpoint).

        Listed with `direction: "inbound"` and this `channel`.

        Args:
            number_id: The `num_…` id of an active provisioned number.
            from_: The sender (any string: a number, short code or sender id).
            received_at: When it arrived (naive means UTC); defaults to now, later than any
                earlier generated timestamp.
            channel: `"sms"`, or `"mms"` for a message with media.
        """
        if channel not in ("sms", "mms"):
            raise ValueError(f"channel must be 'sms' or 'mms', not {channel!r}")
        with self._lock:
            number = self._state.number(number_id)
            if number.released:
                raise ValueError(f"number {number_id} is released and receives no messages")
            return self._state.insert_message(number, from_, body, received_at, channel=channel)

    def set_caller(self, phone_number: str, caller_number: str, **context: Any) -> CallerRecord:
        """Write a caller's context without a request, as the engine does after their calls.

        Takes any context field, the engine's `last_call` and `open_item` included (which the
        API refuses from a request); `None` removes a field, and the others are kept.

        Args:
            phone_number: An imported number.
            caller_number: The caller, in E.164 form.
            context: `name`, `email`, `phone`, `location`, `reference_id`, `preference` (text),
                `last_call`, `open_item` (any JSON value); kept as a copy.

        Returns:
            The caller's record as it now is (its `context` is read-only).

        Example:
            ```python
            fake.set_caller("+447446466847", "+447700900123", name="Ada", last_call="Booked")
            ```
        """
        unknown = sorted(set(context) - set(CONTEXT_FIELDS) - set(ENGINE_FIELDS))
        if unknown:
            raise TypeError(f"unknown caller context fields {unknown}")
        if not E164.fullmatch(caller_number):
            raise ValueError("caller_number must be in E.164 form")
        for name, value in context.items():
            if name in CONTEXT_FIELDS and value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str or None, got {type(value).__name__}")
            try:
                # A copy, as the API would keep it: later changes to `value` change nothing.
                context[name] = json.loads(json.dumps(value))
            except (TypeError, ValueError):
                raise TypeError(f"{name} must be a JSON value") from None
        with self._lock:
            if phone_number not in self._state.imported:
                raise ValueError(f"no imported number {phone_number!r}")
            return write_caller(self._state, phone_number, caller_number, context)

    # -- webhooks ----------------------------------------------------------------------------

    def set_webhook_url(self, phone_number: str, url: str | None, *, slot: int = 1) -> None:
        """Set (or, with None, clear) an imported number's webhook URL without a request.

        Unlike `PUT /v1/integrations/webhook/number/{n}`, any http(s) URL is accepted, so a
        test can point a number at a plain `http://127.0.0.1:…` receiver.
        """
        if slot not in (1, 2):
            raise ValueError("slot must be 1 or 2")
        with self._lock:
            if phone_number not in self._state.imported:
                raise ValueError(f"no imported number {phone_number!r}")
            if url is None:
                self._state.webhook_urls.pop((phone_number, slot), None)
            else:
                self._state.webhook_urls[(phone_number, slot)] = url

    def webhook_url(self, phone_number: str, *, slot: int = 1) -> str | None:
        """The webhook URL set in a slot of a number, or None."""
        with self._lock:
            return self._state.webhook_urls.get((phone_number, slot))

    def webhook_delivery(
        self,
        phone_number: str,
        event: str = "call.completed",
        *,
        fields: Mapping[str, Any] | None = None,
        call_id: str | None = None,
        stale: bool = False,
        tamper: bool = False,
        signed_at: float | None = None,
    ) -> WebhookDelivery:
        """A delivery of `event` for an imported number, signed as the API signs it.

        The body is the flat JSON the API sends for `event` (`call.started`, `call.completed`,
        `webhook.test`; the older `call.ended`, `call.failed`, `sms.delivered` with their
        older field names); the signature uses the key secret of the account that owns the
        number. Nothing is sent: `deliver_webhook` posts it.

        Args:
            fields: Fields to add to the body, or to replace in it.
            call_id: The call's id (by default a new one); reuse one for a redelivery.
            stale: Sign it ten minutes ago, beyond the 300 s tolerance.
            tamper: Change the body after signing it, so the signature no longer matches.
            signed_at: The Unix time to sign at (default now; wins over `stale`).
        """
        with self._lock:
            return build_delivery(
                self._state,
                phone_number,
                event,
                fields=fields,
                call_id=call_id,
                stale=stale,
                tamper=tamper,
                signed_at=signed_at,
            )

    def deliver_webhook(
        self,
        delivery: WebhookDelivery | str,
        event: str = "call.completed",
        *,
        url: str | None = None,
        timeout: float = 10.0,
        **options: Any,
    ) -> list[WebhookAttempt]:
        """POST a delivery to the number's webhook URLs (slot 1, then slot 2), for real.

        Args:
            delivery: A `WebhookDelivery` (to send one again, as a redelivery would), or a
                phone number: a new delivery of `event` is made for it, `options` being
                `webhook_delivery`'s (`fields=`, `call_id=`, `stale=`, `tamper=`...).
            url: Post there instead of to the number's URLs.
            timeout: Seconds to wait for each receiver.

        Returns:
            One `WebhookAttempt` per URL, with the receiver's status; an empty list when the
                number has no URL. Nothing is retried.
        """
        if isinstance(delivery, str):
            delivery = self.webhook_delivery(delivery, event, **options)
        elif options:
            raise TypeError("webhook_delivery() options go with a phone number, not a delivery")
        targets: list[tuple[int | None, str]]
        if url is not None:
            targets = [(None, url)]
        else:
            with self._lock:
                targets = list(urls_of(self._state, delivery.phone_number))
        return post_delivery(delivery, targets, timeout)

    # -- views -------------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        """Every account, in creation order."""
        with self._lock:
            return list(self._state.accounts.values())

    def agents(self, account: Account | str) -> list[str]:
        """The ids of an account's agents, in creation order."""
        with self._lock:
            account_id = self._state.account_id_of(account)
            return [agent for agent, owner in self._state.agents.items() if owner == account_id]

    def twilio_account(self, sid: str) -> TwilioAccount:
        """A Twilio account as it is now (its numbers included)."""
        with self._lock:
            return self._state.twilio_snapshot(self._state.twilio_account_row(sid))

    def telnyx_account(self, api_key: str) -> TelnyxAccount:
        """A Telnyx account as it is now (its numbers included)."""
        with self._lock:
            try:
                return self._state.telnyx_snapshot(self._state.telnyx_accounts[api_key])
            except KeyError:
                raise ValueError("unknown Telnyx API key") from None

    def twilio_webhooks(self, phone_number: str) -> TwilioWebhooks:
        """The webhooks configured on a Twilio number right now."""
        with self._lock:
            return self._state.twilio_number_row(phone_number).webhooks

    def phone_numbers(
        self, account: Account | str | None = None, *, agent_id: str | None = None
    ) -> list[ImportedNumber]:
        """Imported numbers, newest first: of one account (or all), optionally of one agent."""
        with self._lock:
            account_id = None if account is None else self._state.account_id_of(account)
            return self._state.imported_newest_first(account_id, agent_id)

    def callers(self, phone_number: str) -> list[CallerRecord]:
        """The callers with context kept on an imported number, in the order first written."""
        with self._lock:
            return [
                record
                for (number, _), record in self._state.callers.items()
                if number == phone_number
            ]

    def numbers(self, account: Account | str | None = None) -> list[ProvisionedNumber]:
        """Provisioned numbers (released ones too), oldest first like `GET /v1/numbers`."""
        with self._lock:
            account_id = None if account is None else self._state.account_id_of(account)
            return self._state.numbers_in_order(account_id)

    def messages(self, number_id: str) -> list[SmsMessage]:
        """A provisioned number's messages, newest first."""
        with self._lock:
            return self._state.messages_newest_first(self._state.number(number_id).id)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy; secrets redacted)."""
        with self._lock:
            return list(self._state.requests)

    def reset_requests(self) -> None:
        """Forget the recorded requests (state and pending faults stay)."""
        with self._lock:
            self._state.requests.clear()

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        status: int = 503,
        *,
        route: str | None = None,
        retry_after: float | str | datetime | None = None,
        code: str | None = None,
        message: str | None = None,
        details: Mapping[str, Any] | Sequence[Any] | None = None,
        body: str | bytes | None = None,
        after_processing: bool = False,
    ) -> None:
        """Make the next `n` requests (to `route`, if given) answer `status` instead.

        Args:
            n: How many requests fail.
            status: The HTTP status to answer (400-599).
            route: Only requests matching `"POST /v1/numbers"`, `"/v1/numbers/{id}"`,
                `"/v1/numbers/*"`... count (`{…}` is one segment, a final `*` the rest).
            retry_after: Sent as `Retry-After`: seconds, an HTTP date string or a datetime.
            code: The `error.code`; by default one named after the status (see module docs).
            message: The `error.message`.
            details: The `error.details`: a JSON object, or a list as the numbers endpoints
                send per-field problems. By default None, except on a 429 with `retry_after`
                in seconds: `{"retry_after": seconds}`, as the API sends.
            body: Send this body as it is instead of the JSON error (e.g. a proxy's HTML page);
                `code`, `message` and `details` are then unused.
            after_processing: Process the request first (state changes), then answer `status`:
                the server did the work but the client sees a failure.
        """
        raw = body.encode("utf-8") if isinstance(body, str) else body
        self._add_fault(
            Fault(
                "fail",
                check_count(n),
                _route(route),
                after_processing,
                status=check_status(status),
                code=code,
                message=message,
                retry_after=retry_after_header(retry_after),
                details=check_details(details),
                body=raw,
            )
        )

    def delay_next(
        self,
        n: int = 1,
        *,
        seconds: float,
        route: str | None = None,
        after_processing: bool = False,
    ) -> None:
        """Make the next `n` requests (to `route`, if given) wait `seconds` before the answer.

        The wait happens before the request is processed, or after it with
        `after_processing=True`. Either way the request is processed even if the client
        gives up waiting (a client whose read timeout is shorter gets a timeout).
        """
        self._add_fault(
            Fault(
                "delay",
                check_count(n),
                _route(route),
                after_processing,
                seconds=check_seconds(seconds),
            )
        )

    def drop_next(
        self, n: int = 1, *, route: str | None = None, after_processing: bool = False
    ) -> None:
        """Close the connection of the next `n` requests (to `route`, if given) without answering.

        By default the request is dropped before it is processed (nothing changes). With
        `after_processing=True` it is processed and then the answer is lost, which is what
        proves a client does not retry a POST that may have succeeded.
        """
        self._add_fault(Fault("drop", check_count(n), _route(route), after_processing))

    def clear_faults(self) -> None:
        """Cancel every pending fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> int:
        """How many requests still have a fault waiting for them."""
        with self._lock:
            return self._faults.pending

    def _add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.add(fault)

    # -- ways in -----------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An `httpx.MockTransport` answered by this emulator, for sync and async clients.

        A dropped connection raises `httpx.RemoteProtocolError`; a delay longer than the
        client's read timeout raises `httpx.ReadTimeout` after that timeout.
        """
        from ._transport import FakeTransport

        return FakeTransport(self._pipeline)

    def client(self, account: Account | str | None = None, **kwargs: Any) -> Client:
        """A `nixflex.Client` using `account`'s key, talking to this emulator in memory.

        Closing it (or leaving its `with` block) closes the connection pool made for it.

        Args:
            account: Whose key to send; may be omitted when there is exactly one account.
            **kwargs: More `nixflex.Client` arguments (`max_retries=`, `timeout=`...).
        """
        import nixflex

        return nixflex.Client._on_transport(
            self.transport(), api_key=self._api_key_for(account), base_url=self.base_url, **kwargs
        )

    def async_client(self, account: Account | str | None = None, **kwargs: Any) -> AsyncClient:
        """A `nixflex.AsyncClient` using `account`'s key, talking to this emulator in memory."""
        import nixflex

        return nixflex.AsyncClient._on_transport(
            self.transport(), api_key=self._api_key_for(account), base_url=self.base_url, **kwargs
        )

    def serve(self, *, host: str = "127.0.0.1", port: int = 0) -> FakeServer:
        """Start a loopback HTTP server for this emulator in a background thread.

        Use it as a context manager (`with fake.serve() as server: server.url`) or call
        `close()`. `port=0` picks a free port.
        """
        from ._server import FakeServer

        return FakeServer(self._pipeline, host=host, port=port)

    def _api_key_for(self, account: Account | str | None) -> str:
        with self._lock:
            accounts = self._state.accounts
            if account is None:
                if len(accounts) != 1:
                    raise ValueError(
                        f"pass account=: the emulator has {len(accounts)} accounts, not exactly one"
                    )
                return next(iter(accounts.values())).api_key
            return accounts[self._state.account_id_of(account)].api_key


def _check_limits(limits: RateLimits | None) -> RateLimits | None:
    if limits is not None and not isinstance(limits, RateLimits):
        raise TypeError(f"rate_limits must be a RateLimits or None, got {type(limits).__name__}")
    return limits


def _route(route: str | None) -> RoutePattern | None:
    return None if route is None else RoutePattern.parse(route)


def _stamp(value: datetime | None) -> datetime | None:
    return None if value is None else truncate_to_millis(value)


@contextmanager
def _as_value_error() -> Iterator[None]:
    """Turn an API error raised while seeding into a `ValueError` naming its code."""
    try:
        yield
    except ApiError as exc:
        raise ValueError(f"{exc.code}: {exc.message}") from None
