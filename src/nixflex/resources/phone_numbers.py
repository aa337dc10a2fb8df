"""Bring-your-own-carrier numbers (Twilio, Telnyx): `/v1/phone-numbers` and their settings."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, Final, Literal, overload

import attrs
import httpx

from .._bulk import BulkResult, ImportRequest, Progress, run_tasks, run_threads
from .._checks import NOT_GIVEN, given, not_blank, segment, whole_number
from .._core import Call, decode_json, parse_model, parse_nothing, structure_list, unwrap
from .._exceptions import NixflexError
from .._pagination import Batch
from ..models import ModelList, PhoneNumber
from ._base import AsyncResource, SyncResource

__all__ = ["AsyncPhoneNumbers", "PhoneNumbers", "RecordingSource"]

_PATH = "/v1/phone-numbers"
_ONE = ("phone_number", "phoneNumber", "data")
_MANY = ("phone_numbers", "phoneNumbers", "data")


RecordingSource = Literal["provider", "nixflex"]
"""Who records a number's calls: its carrier (`"provider"`) or Nixflex."""


# Each per-number setting `PATCH` accepts, and the Python types its value may have besides None.
_SETTINGS: Final[Mapping[str, tuple[type, ...]]] = {
    "custom_prompt": (str,),
    "voice_id": (str,),
    "sms_prompt": (str,),
    "web_prompt": (str,),
    "sms_reply_enabled": (bool,),
    "voicemail_leave_enabled": (bool,),
    "voicemail_message": (str,),
    "speaking_rate": (int, float),
    "dtmf_enabled": (bool,),
    "record_call": (bool,),
    "recording_source": (str,),
}


def _checked_settings(settings: Mapping[str, object]) -> dict[str, object]:
    """`settings` if each is a known setting of a sendable type; else `TypeError`/`ValueError`."""
    if not isinstance(settings, Mapping):
        raise TypeError("settings must be a mapping of setting name to value")
    unknown = sorted(str(name) for name in settings if name not in _SETTINGS)
    if unknown:
        raise TypeError(f"unknown settings {unknown}; known: {sorted(_SETTINGS)}")
    if not settings:
        raise ValueError(
            f"pass at least one setting to change ({', '.join(_SETTINGS)}); None clears one"
        )
    for name, value in settings.items():
        kinds = _SETTINGS[name]
        wrong_bool = isinstance(value, bool) and bool not in kinds
        if value is not None and (wrong_bool or not isinstance(value, kinds)):
            expected = " or ".join(kind.__name__ for kind in kinds)
            raise TypeError(f"{name} must be {expected} or None, got {type(value).__name__}")
    return dict(settings)


def _create_call(
    *,
    phone_number: str,
    agent_id: str,
    twilio_sid: str | None = None,
    twilio_token: str | None = None,
    telnyx_api_key: str | None = None,
    telnyx_connection_id: str | None = None,
    custom_prompt: str | None = None,
) -> Call[PhoneNumber]:
    no_twilio = twilio_sid is None and twilio_token is None
    no_telnyx = telnyx_api_key is None and telnyx_connection_id is None
    body: dict[str, str] = {"phone_number": phone_number}
    if twilio_sid is not None and twilio_token is not None and no_telnyx:
        body.update(twilio_sid=twilio_sid, twilio_token=twilio_token)
        secret = twilio_token
    elif telnyx_api_key is not None and telnyx_connection_id is not None and no_twilio:
        body.update(telnyx_api_key=telnyx_api_key, telnyx_connection_id=telnyx_connection_id)
        secret = telnyx_api_key
    else:
        # The API infers the carrier from the pair it gets: a mixed call has no right answer.
        raise ValueError(
            "pass exactly one carrier's credentials: twilio_sid and twilio_token, or "
            "telnyx_api_key and telnyx_connection_id"
        )
    body["agent_id"] = agent_id
    if custom_prompt is not None:
        body["custom_prompt"] = custom_prompt
    return Call("POST", _PATH, parse_model(PhoneNumber, *_ONE), body=body, secrets=(secret,))


PAGE_SIZE = 100
"""Numbers asked for per request when the API pages its list (its maximum)."""


def _list_call(
    agent_id: str | None = None,
    *,
    offset: int = 0,
    seen: frozenset[str] = frozenset(),
) -> Call[Batch[PhoneNumber]]:
    """The call for the numbers from `offset` on; its result says whether another page follows.

    The API may page this list (`limit`/`offset`, the total in `count`) or answer it whole (the
    live endpoint does today, up to 1,000). A page is followed while `count` says more remain,
    or, with no `count`, while pages come back exactly full; an answer longer than the `limit`
    asked for is the whole list. `seen` (the numbers received so far) keeps a number that
    shifted onto the next page from being returned twice; a page with nothing new while more
    should remain raises instead of looping or stopping short.
    """
    if agent_id is not None:
        # `?agent_id=` would list nobody's numbers, or everybody's: neither is what was meant.
        not_blank(agent_id, "agent_id")

    def parse(response: httpx.Response) -> Batch[PhoneNumber]:
        data = decode_json(response)
        items = structure_list(unwrap(data, _MANY), PhoneNumber)
        count = data.get("count") if isinstance(data, dict) else None
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise TypeError(f"count: expected an integer, got {type(count).__name__}")
        fresh: builtins.list[PhoneNumber] = ModelList((), PhoneNumber)
        for number in items:
            if number.phone_number not in seen:
                fresh.append(number)
        received = offset + len(items)
        # `count` says; without it, only an exactly full page may have another after it.
        more = len(items) == PAGE_SIZE if count is None else bool(items) and received < count
        if not more:
            return Batch(fresh, None)
        if not fresh:
            raise NixflexError(
                f"listing {_PATH} stopped moving: offset={offset} brought no new number while "
                f"the API counts {count if count is not None else 'more'}; stopping instead of "
                "looping or returning part of the list"
            )
        following = _list_call(
            agent_id,
            offset=received,
            seen=seen | {number.phone_number for number in fresh},
        )
        return Batch(fresh, following)

    query = {"agent_id": agent_id, "limit": PAGE_SIZE, "offset": offset}
    return Call("GET", _PATH, parse, query=query)


def _update_call(phone_number: str, settings: Mapping[str, object]) -> Call[PhoneNumber]:
    path = f"{_PATH}/{segment(phone_number, 'phone_number')}"
    # Only what was passed: the API leaves the rest as it is, and `null` clears a setting.
    body = _checked_settings(settings)
    return Call("PATCH", path, parse_model(PhoneNumber, *_ONE), body=body)


# A switch's path under /v1/integrations, and the key its state comes back under.
_SWITCHES = {"monitor": "monitor_enabled", "web-calls": "web_calls_enabled"}


def _switch_call(switch: str, phone_number: str, enabled: bool | None = None) -> Call[bool]:
    """`PUT` (with `enabled`) or `GET` (without) a per-number switch; the result is its state."""
    path = f"/v1/integrations/{switch}/number/{segment(phone_number, 'phone_number')}"
    key = _SWITCHES[switch]

    def parse(response: httpx.Response) -> bool:
        data = decode_json(response)
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        state = data.get(key, data.get("enabled"))
        if not isinstance(state, bool):
            raise TypeError(f"{key}: expected a boolean, got {type(state).__name__}")
        return state

    if enabled is None:
        return Call("GET", path, parse)
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be a bool, got {type(enabled).__name__}")
    return Call("PUT", path, parse, body={"enabled": enabled})


def _delete_call(phone_number: str) -> Call[None]:
    path = f"{_PATH}/{segment(phone_number, 'phone_number')}"
    return Call("DELETE", path, parse_nothing, gone=("number_not_found",))


def _import_work(
    items: Iterable[ImportRequest | Mapping[str, Any]],
) -> builtins.list[tuple[ImportRequest, Call[PhoneNumber]]]:
    """Every item checked and described as a call before anything is sent."""
    requests = [ImportRequest.from_input(item, index) for index, item in enumerate(items)]
    return [
        (request, _item(index, partial(_create_call, **attrs.asdict(request))))
        for index, request in enumerate(requests)
    ]


def _profile_work(
    profiles: Mapping[str, str | None],
) -> builtins.list[tuple[str, Call[PhoneNumber]]]:
    """Every number's PATCH described (and its path checked) before anything is sent."""
    if not isinstance(profiles, Mapping):
        raise TypeError("profiles must be a mapping of phone number to custom prompt")
    return [
        (number, _item(index, partial(_update_call, number, {"custom_prompt": prompt})))
        for index, (number, prompt) in enumerate(profiles.items())
    ]


def _settings_work(
    changes: Mapping[str, Mapping[str, object]],
) -> builtins.list[tuple[str, Call[PhoneNumber]]]:
    """Every number's PATCH described (path and settings checked) before anything is sent."""
    if not isinstance(changes, Mapping):
        raise TypeError("changes must be a mapping of phone number to a mapping of settings")
    return [
        (number, _item(index, partial(_update_call, number, settings)))
        for index, (number, settings) in enumerate(changes.items())
    ]


def _item(index: int, describe: Callable[[], Call[PhoneNumber]]) -> Call[PhoneNumber]:
    """The call for item `index` of a bulk input; its `ValueError` says which item it was."""
    try:
        return describe()
    except ValueError as exc:
        raise ValueError(f"item {index}: {exc}") from None
    except TypeError as exc:
        raise TypeError(f"item {index}: {exc}") from None


class PhoneNumbers(SyncResource):
    """Your own Twilio numbers, attached to Nixflex agents (`client.phone_numbers`)."""

    @overload
    def create(
        self,
        *,
        phone_number: str,
        twilio_sid: str,
        twilio_token: str,
        agent_id: str,
        custom_prompt: str | None = None,
    ) -> PhoneNumber: ...

    @overload
    def create(
        self,
        *,
        phone_number: str,
        telnyx_api_key: str,
        telnyx_connection_id: str,
        agent_id: str,
        custom_prompt: str | None = None,
    ) -> PhoneNumber: ...

    def create(
        self,
        *,
        phone_number: str,
        twilio_sid: str | None = None,
        twilio_token: str | None = None,
        telnyx_api_key: str | None = None,
        telnyx_connection_id: str | None = None,
        agent_id: str,
        custom_prompt: str | None = None,
    ) -> PhoneNumber:
        """Import a number from your Twilio or Telnyx account and attach it to an agent.

        Pass one carrier's credentials: `twilio_sid` and `twilio_token` for a Twilio number,
        `telnyx_api_key` and `telnyx_connection_id` for a Telnyx one (the API tells the carrier
        by the pair it gets; a type checker refuses a call mixing them).

        Warning:
            Importing a Twilio number **overwrites its Twilio webhooks** (voice, SMS, status
            callbacks) so that calls reach Nixflex; other systems using the number stop
            receiving its calls and texts.

        Never sent twice once it may have reached the API: after a timeout or a broken
        connection you get `APIConnectionError`, and `list()` tells you whether the import
        landed. It is retried only where it cannot have been processed (no connection was
        made, or the API answered 429).

        Args:
            phone_number: the number in E.164 form, e.g. `"+447446466847"`.
            twilio_sid: the Twilio Account SID that holds it (`AC` + 32 hex characters).
            twilio_token: that account's auth token; never logged, never in an error.
            telnyx_api_key: the API key of the Telnyx account that holds it; never logged,
                never in an error.
            telnyx_connection_id: the Telnyx connection the number uses.
            agent_id: the agent to answer it; it must be yours.
            custom_prompt: the number's business profile (up to 8000 characters), layered
                over the agent's prompt; left out of the request when `None`.

        Raises:
            ValueError: not exactly one carrier's pair was passed (before anything is sent).
            MissingFieldError: a required field is empty.
            InvalidPhoneFormatError: `phone_number` is not E.164.
            InvalidTwilioSidError: `twilio_sid` is not `AC` + 32 hex characters.
            TwilioInvalidCredentialsError: Twilio rejected the SID and token.
            TwilioAuthFailedError: Twilio refused to authenticate (its error 20003).
            AuthenticationError: Telnyx rejected the API key (`telnyx_invalid_credentials`).
            NumberNotInTwilioError: the number is not in that Twilio account.
            NotFoundError: the number or the connection is not in that Telnyx account.
            AgentNotFoundError: no agent has this id.
            AgentNotOwnedError: the agent belongs to another account.
            NumberAlreadyImportedError: the number is already attached to an agent.
            CustomPromptTooLongError: `custom_prompt` is over 8000 characters.
        """
        return self._client._request(
            _create_call(
                phone_number=phone_number,
                twilio_sid=twilio_sid,
                twilio_token=twilio_token,
                telnyx_api_key=telnyx_api_key,
                telnyx_connection_id=telnyx_connection_id,
                agent_id=agent_id,
                custom_prompt=custom_prompt,
            )
        )

    def list(self, agent_id: str | None = None) -> builtins.list[PhoneNumber]:
        """Every number of yours, newest first; only one agent's with `agent_id`.

        A plain list, never cut short: when the API pages its answer, the pages are fetched
        (100 numbers a request) until every number is in; when it answers the whole list at
        once, one request. A number never appears twice, even if numbers are imported while
        the pages are read.

        Raises:
            ValueError: `agent_id` is blank (raised before anything is sent).
            NixflexError: the API's pages stopped moving (the same numbers again while its
                `count` says more remain), rather than returning part of the list.
        """
        call: Call[Batch[PhoneNumber]] | None = _list_call(agent_id)
        numbers: builtins.list[PhoneNumber] = ModelList((), PhoneNumber)
        while call is not None:
            batch = self._client._request(call)
            numbers.extend(batch.items)
            call = batch.next
        return numbers

    def import_many(
        self,
        items: Iterable[ImportRequest | Mapping[str, Any]],
        *,
        concurrency: int = 8,
        progress: Progress = None,
    ) -> BulkResult[ImportRequest, PhoneNumber]:
        """Import many numbers, `concurrency` at a time; one failure never stops the rest.

        Each item is an `ImportRequest` or a dict of `create`'s arguments; numbers may come from
        different Twilio and Telnyx accounts in one batch. Every item is checked before
        anything is sent. The result lists each item's `PhoneNumber` or exception in input
        order; a 429 slows the whole batch down, and an import that may have landed is never
        sent twice.

        Args:
            items: the numbers to import.
            concurrency: requests in flight at most (threads sharing this client's pool).
            progress: `True` for a progress bar (needs `pip install 'nixflex[progress]'`), or
                a callable that gets `(done, total, item)` after each item.

        An item's failure (any error `create` raises) is kept on the result, never raised;
        `result.raise_for_failures()` raises them all as a `BulkError`.

        Raises:
            TypeError: an item is not an `ImportRequest` or a dict with `create`'s keys, or
                `concurrency` is not an `int`.
            ValueError: an item has not exactly one carrier's credentials, or `concurrency` is
                below 1 (every item is checked before anything is sent).
            ImportError: `progress=True`, and tqdm is not installed.

        Example:
            ```python
            result = client.phone_numbers.import_many(clinics, concurrency=16, progress=True)
            result.raise_for_failures()
            ```
        """
        return run_threads(
            self._client._request,
            _import_work(items),
            concurrency=whole_number(concurrency, "concurrency", 1),
            progress=progress,
            label="import_many",
        )

    def sync_profiles(
        self,
        profiles: Mapping[str, str | None],
        *,
        concurrency: int = 8,
        progress: Progress = None,
    ) -> BulkResult[str, PhoneNumber]:
        """Set many business profiles at once: `{phone_number: custom_prompt}`; `None` clears.

        One PATCH per number, `concurrency` at a time; the result lists each number's
        `PhoneNumber` or exception in the mapping's order. A failed PATCH was retried like any
        `update`; its error (`NumberNotFoundError`, `CustomPromptTooLongError`, ...) is kept on
        the result, never raised. Every profile takes effect on the number's next call or text.

        Args:
            profiles: the new profile of each number; `None` or `""` clears one.
            concurrency: requests in flight at most (threads sharing this client's pool).
            progress: `True` for a progress bar (needs `pip install 'nixflex[progress]'`), or
                a callable that gets `(done, total, item)` after each item.

        Raises:
            TypeError: `profiles` is not a mapping, or `concurrency` is not an `int`.
            ValueError: a phone number is blank, or `concurrency` is below 1 (checked before
                anything is sent).
            ImportError: `progress=True`, and tqdm is not installed.

        Example:
            ```python
            result = client.phone_numbers.sync_profiles(
                {clinic.phone: clinic.profile() for clinic in clinics}, concurrency=16
            )
            ```
        """
        return run_threads(
            self._client._request,
            _profile_work(profiles),
            concurrency=whole_number(concurrency, "concurrency", 1),
            progress=progress,
            label="sync_profiles",
        )

    def update_many(
        self,
        changes: Mapping[str, Mapping[str, object]],
        *,
        concurrency: int = 8,
        progress: Progress = None,
    ) -> BulkResult[str, PhoneNumber]:
        """Change any settings of many numbers at once: `{phone_number: {setting: value}}`.

        Each number gets one PATCH with its own settings (the names `update` takes; `None`
        clears one), `concurrency` at a time; the result lists each number's `PhoneNumber` or
        exception in the mapping's order, and a failure never stops the rest.

        Args:
            changes: the settings to change on each number, e.g.
                `{"+442011110001": {"sms_reply_enabled": True, "voice_id": None}}`.
            concurrency: requests in flight at most (threads sharing this client's pool).
            progress: `True` for a progress bar (needs `pip install 'nixflex[progress]'`), or
                a callable that gets `(done, total, item)` after each item.

        Raises:
            TypeError: `changes` is not a mapping of mappings, a setting name is unknown or its
                value has the wrong type (checked for every item before anything is sent).
            ValueError: a phone number is blank, a number has no setting to change, or
                `concurrency` is below 1.

        Example:
            ```python
            result = client.phone_numbers.update_many(
                {clinic.phone: {"sms_reply_enabled": True} for clinic in clinics}
            )
            ```
        """
        return run_threads(
            self._client._request,
            _settings_work(changes),
            concurrency=whole_number(concurrency, "concurrency", 1),
            progress=progress,
            label="update_many",
        )

    def update(
        self,
        phone_number: str,
        *,
        custom_prompt: str | None = NOT_GIVEN,
        voice_id: str | None = NOT_GIVEN,
        sms_prompt: str | None = NOT_GIVEN,
        web_prompt: str | None = NOT_GIVEN,
        sms_reply_enabled: bool | None = NOT_GIVEN,
        voicemail_leave_enabled: bool | None = NOT_GIVEN,
        voicemail_message: str | None = NOT_GIVEN,
        speaking_rate: float | None = NOT_GIVEN,
        dtmf_enabled: bool | None = NOT_GIVEN,
        record_call: bool | None = NOT_GIVEN,
        recording_source: RecordingSource | None = NOT_GIVEN,
    ) -> PhoneNumber:
        """Change a number's settings; only those you pass are sent, the rest stay as they are.

        Takes effect on the number's next call or text. `None` sends `null`, which clears a
        setting (for `voice_id`, `speaking_rate`, `record_call` and `recording_source`: the
        agent's own setting applies again). The API enforces the limits (lengths, values).

        Args:
            phone_number: the number in E.164 form; sent percent-encoded (`%2B44...`).
            custom_prompt: the business profile for calls (up to 8000 characters); `None` or
                `""` clears it, and the agent's prompt then answers alone.
            voice_id: the voice of the number's calls; `None`: the agent's.
            sms_prompt: the prompt for text replies (up to 20,000 characters).
            web_prompt: the prompt for browser calls (up to 20,000 characters).
            sms_reply_enabled: whether the agent answers texts to this number.
            voicemail_leave_enabled: whether the agent leaves a voicemail; turning it on needs
                a `voicemail_message` (saved before, or passed in the same call).
            voicemail_message: the voicemail it leaves (up to 2,000 characters).
            speaking_rate: how fast the voice speaks, 1 being normal; `None`: the agent's.
            dtmf_enabled: whether callers can use the keypad.
            record_call: whether calls are recorded; `None`: the agent's setting.
            recording_source: `"provider"` (the carrier records) or `"nixflex"`; `None`: the
                agent's.

        Raises:
            ValueError: no setting was passed, or `phone_number` is blank (before sending).
            TypeError: a setting's value has the wrong type (before sending).
            CustomPromptTooLongError: `custom_prompt` is over 8000 characters.
            VoicemailMessageRequiredError: voicemail turned on with no message saved.
            NumberNotFoundError: no number of yours is `phone_number`.

        Example:
            ```python
            client.phone_numbers.update("+447446466847", sms_reply_enabled=True, voice_id=None)
            ```
        """
        return self._client._request(
            _update_call(
                phone_number,
                given(
                    custom_prompt=custom_prompt,
                    voice_id=voice_id,
                    sms_prompt=sms_prompt,
                    web_prompt=web_prompt,
                    sms_reply_enabled=sms_reply_enabled,
                    voicemail_leave_enabled=voicemail_leave_enabled,
                    voicemail_message=voicemail_message,
                    speaking_rate=speaking_rate,
                    dtmf_enabled=dtmf_enabled,
                    record_call=record_call,
                    recording_source=recording_source,
                ),
            )
        )

    def set_monitor(self, phone_number: str, enabled: bool) -> bool:
        """Turn live monitoring of a number's calls on or off; returns the state the API reports.

        Warning:
            While monitoring is on, **the number's calls bill at a premium per-minute rate**.
            It is off by default.

        Raises:
            NumberNotFoundError: no number of yours is `phone_number`.
            TypeError: `enabled` is not a `bool` (before anything is sent).
        """
        return self._client._request(_switch_call("monitor", phone_number, enabled))

    def get_monitor(self, phone_number: str) -> bool:
        """Whether live monitoring is on for a number (its calls then bill at a premium)."""
        return self._client._request(_switch_call("monitor", phone_number))

    def set_web_calls(self, phone_number: str, enabled: bool) -> bool:
        """Let callers reach a number from a browser, or stop them; returns the new state.

        Warning:
            While web calls are on, **the number's calls bill at a premium per-minute rate**.
            They are off by default.

        Raises:
            NumberNotFoundError: no number of yours is `phone_number`.
            TypeError: `enabled` is not a `bool` (before anything is sent).
        """
        return self._client._request(_switch_call("web-calls", phone_number, enabled))

    def get_web_calls(self, phone_number: str) -> bool:
        """Whether browser calls are on for a number (its calls then bill at a premium)."""
        return self._client._request(_switch_call("web-calls", phone_number))

    def delete(self, phone_number: str) -> None:
        """Detach a number from Nixflex and clear its Twilio webhooks.

        The number **stays in your Twilio account and keeps billing there**: release it
        through Twilio's API or console if you no longer need it.

        Safe to retry: when the answer to an attempt is lost and the retry finds the number
        already gone, the delete counts as done.

        Raises:
            NumberNotFoundError: no number of yours is `phone_number`.
            ValueError: `phone_number` is blank (raised before anything is sent).
        """
        return self._client._request(_delete_call(phone_number))


class AsyncPhoneNumbers(AsyncResource):
    """Your own Twilio numbers, attached to Nixflex agents (`client.phone_numbers`, async).

    Each method is the awaitable twin of the same method of `PhoneNumbers`; see there for
    arguments and errors.
    """

    @overload
    async def create(
        self,
        *,
        phone_number: str,
        twilio_sid: str,
        twilio_token: str,
        agent_id: str,
        custom_prompt: str | None = None,
    ) -> PhoneNumber: ...

    @overload
    async def create(
        self,
        *,
        phone_number: str,
        telnyx_api_key: str,
        telnyx_connection_id: str,
        agent_id: str,
        custom_prompt: str | None = None,
    ) -> PhoneNumber: ...

    async def create(
        self,
        *,
        phone_number: str,
        twilio_sid: str | None = None,
        twilio_token: str | None = None,
        telnyx_api_key: str | None = None,
        telnyx_connection_id: str | None = None,
        agent_id: str,
        custom_prompt: str | None = None,
    ) -> PhoneNumber:
        """Import a Twilio or Telnyx number; **overwrites a Twilio number's webhooks**.

        See `PhoneNumbers.create` for the arguments and the errors it raises.
        """
        return await self._client._request(
            _create_call(
                phone_number=phone_number,
                twilio_sid=twilio_sid,
                twilio_token=twilio_token,
                telnyx_api_key=telnyx_api_key,
                telnyx_connection_id=telnyx_connection_id,
                agent_id=agent_id,
                custom_prompt=custom_prompt,
            )
        )

    async def list(self, agent_id: str | None = None) -> builtins.list[PhoneNumber]:
        """Every number of yours, newest first, every page fetched (see `PhoneNumbers.list`)."""
        call: Call[Batch[PhoneNumber]] | None = _list_call(agent_id)
        numbers: builtins.list[PhoneNumber] = ModelList((), PhoneNumber)
        while call is not None:
            batch = await self._client._request(call)
            numbers.extend(batch.items)
            call = batch.next
        return numbers

    async def import_many(
        self,
        items: Iterable[ImportRequest | Mapping[str, Any]],
        *,
        concurrency: int = 8,
        progress: Progress = None,
    ) -> BulkResult[ImportRequest, PhoneNumber]:
        """Import many numbers, `concurrency` in flight (see `PhoneNumbers.import_many`)."""
        return await run_tasks(
            self._client._request,
            _import_work(items),
            concurrency=whole_number(concurrency, "concurrency", 1),
            progress=progress,
            label="import_many",
        )

    async def sync_profiles(
        self,
        profiles: Mapping[str, str | None],
        *,
        concurrency: int = 8,
        progress: Progress = None,
    ) -> BulkResult[str, PhoneNumber]:
        """Set many business profiles at once (see `PhoneNumbers.sync_profiles`)."""
        return await run_tasks(
            self._client._request,
            _profile_work(profiles),
            concurrency=whole_number(concurrency, "concurrency", 1),
            progress=progress,
            label="sync_profiles",
        )

    async def update_many(
        self,
        changes: Mapping[str, Mapping[str, object]],
        *,
        concurrency: int = 8,
        progress: Progress = None,
    ) -> BulkResult[str, PhoneNumber]:
        """Change any settings of many numbers at once (see `PhoneNumbers.update_many`)."""
        return await run_tasks(
            self._client._request,
            _settings_work(changes),
            concurrency=whole_number(concurrency, "concurrency", 1),
            progress=progress,
            label="update_many",
        )

    async def update(
        self,
        phone_number: str,
        *,
        custom_prompt: str | None = NOT_GIVEN,
        voice_id: str | None = NOT_GIVEN,
        sms_prompt: str | None = NOT_GIVEN,
        web_prompt: str | None = NOT_GIVEN,
        sms_reply_enabled: bool | None = NOT_GIVEN,
        voicemail_leave_enabled: bool | None = NOT_GIVEN,
        voicemail_message: str | None = NOT_GIVEN,
        speaking_rate: float | None = NOT_GIVEN,
        dtmf_enabled: bool | None = NOT_GIVEN,
        record_call: bool | None = NOT_GIVEN,
        recording_source: RecordingSource | None = NOT_GIVEN,
    ) -> PhoneNumber:
        """Change a number's settings; only those passed are sent (see `PhoneNumbers.update`)."""
        return await self._client._request(
            _update_call(
                phone_number,
                given(
                    custom_prompt=custom_prompt,
                    voice_id=voice_id,
                    sms_prompt=sms_prompt,
                    web_prompt=web_prompt,
                    sms_reply_enabled=sms_reply_enabled,
                    voicemail_leave_enabled=voicemail_leave_enabled,
                    voicemail_message=voicemail_message,
                    speaking_rate=speaking_rate,
                    dtmf_enabled=dtmf_enabled,
                    record_call=record_call,
                    recording_source=recording_source,
                ),
            )
        )

    async def set_monitor(self, phone_number: str, enabled: bool) -> bool:
        """Turn live monitoring on or off; **bills at a premium** (see `PhoneNumbers`)."""
        return await self._client._request(_switch_call("monitor", phone_number, enabled))

    async def get_monitor(self, phone_number: str) -> bool:
        """Whether live monitoring is on for a number (its calls then bill at a premium)."""
        return await self._client._request(_switch_call("monitor", phone_number))

    async def set_web_calls(self, phone_number: str, enabled: bool) -> bool:
        """Turn browser calls on or off; **bills at a premium** (see `PhoneNumbers`)."""
        return await self._client._request(_switch_call("web-calls", phone_number, enabled))

    async def get_web_calls(self, phone_number: str) -> bool:
        """Whether browser calls are on for a number (its calls then bill at a premium)."""
        return await self._client._request(_switch_call("web-calls", phone_number))

    async def delete(self, phone_number: str) -> None:
        """Detach a number; it **stays in your Twilio account** (see `PhoneNumbers.delete`)."""
        return await self._client._request(_delete_call(phone_number))
