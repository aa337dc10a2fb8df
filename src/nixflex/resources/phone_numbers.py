"""Bring-your-own-Twilio numbers: `POST/GET /v1/phone-numbers`, `PATCH/DELETE .../{number}`."""

from __future__ import annotations

import builtins

from .._core import Call, parse_list, parse_model, parse_nothing, segment
from ..models import PhoneNumber
from ._base import AsyncResource, SyncResource

__all__ = ["AsyncPhoneNumbers", "PhoneNumbers"]

_PATH = "/v1/phone-numbers"
_ONE = ("phone_number", "phoneNumber", "data")
_MANY = ("phone_numbers", "phoneNumbers", "data")


def create_call(
    *,
    phone_number: str,
    twilio_sid: str,
    twilio_token: str,
    agent_id: str,
    custom_prompt: str | None = None,
) -> Call[PhoneNumber]:
    body = {
        "phone_number": phone_number,
        "twilio_sid": twilio_sid,
        "twilio_token": twilio_token,
        "agent_id": agent_id,
    }
    if custom_prompt is not None:
        body["custom_prompt"] = custom_prompt
    return Call("POST", _PATH, parse_model(PhoneNumber, *_ONE), body=body, secrets=(twilio_token,))


def list_call(agent_id: str | None = None) -> Call[builtins.list[PhoneNumber]]:
    return Call("GET", _PATH, parse_list(PhoneNumber, *_MANY), query={"agent_id": agent_id})


def update_call(phone_number: str, *, custom_prompt: str | None) -> Call[PhoneNumber]:
    path = f"{_PATH}/{segment(phone_number, 'phone_number')}"
    # Always sent: the API answers missing_field without it, and null is how a profile clears.
    return Call(
        "PATCH", path, parse_model(PhoneNumber, *_ONE), body={"custom_prompt": custom_prompt}
    )


def delete_call(phone_number: str) -> Call[None]:
    return Call("DELETE", f"{_PATH}/{segment(phone_number, 'phone_number')}", parse_nothing)


class PhoneNumbers(SyncResource):
    """Your own Twilio numbers, attached to Nixflex agents (`client.phone_numbers`)."""

    def create(
        self,
        *,
        phone_number: str,
        twilio_sid: str,
        twilio_token: str,
        agent_id: str,
        custom_prompt: str | None = None,
    ) -> PhoneNumber:
        """Import a number from your Twilio account and attach it to an agent.

        Warning:
            Importing **overwrites the number's Twilio webhooks** (voice, SMS, status
            callbacks) so that calls reach Nixflex; other systems using the number stop
            receiving its calls and texts.

        Args:
            phone_number: the number in E.164 form, e.g. `"+447446466847"`.
            twilio_sid: the Twilio Account SID that holds it (`AC` + 32 hex characters).
            twilio_token: that account's auth token; never logged, never in an error.
            agent_id: the agent to answer it; it must be yours.
            custom_prompt: the number's business profile (up to 8000 characters), layered
                over the agent's prompt; left out of the request when `None`.

        Raises:
            MissingFieldError: a required field is empty.
            InvalidPhoneFormatError: `phone_number` is not E.164.
            InvalidTwilioSidError: `twilio_sid` is not `AC` + 32 hex characters.
            TwilioInvalidCredentialsError: Twilio rejected the SID and token.
            TwilioAuthFailedError: Twilio refused to authenticate (its error 20003).
            NumberNotInTwilioError: the number is not in that Twilio account.
            AgentNotFoundError: no agent has this id.
            AgentNotOwnedError: the agent belongs to another account.
            NumberAlreadyImportedError: the number is already attached to an agent.
            CustomPromptTooLongError: `custom_prompt` is over 8000 characters.

        A POST is never retried once it may have reached the API (see "Retries").
        """
        return self._client._request(
            create_call(
                phone_number=phone_number,
                twilio_sid=twilio_sid,
                twilio_token=twilio_token,
                agent_id=agent_id,
                custom_prompt=custom_prompt,
            )
        )

    def list(self, agent_id: str | None = None) -> builtins.list[PhoneNumber]:
        """Your imported numbers, newest first; only one agent's with `agent_id`."""
        return self._client._request(list_call(agent_id))

    def update(self, phone_number: str, *, custom_prompt: str | None) -> PhoneNumber:
        """Set a number's business profile; it takes effect on the next call or text.

        Args:
            phone_number: the number in E.164 form; sent percent-encoded (`%2B44...`).
            custom_prompt: the new profile (up to 8000 characters). `None` or `""` clears it,
                and the agent's prompt then answers alone. Required, so that forgetting it
                cannot clear a profile by accident.

        Raises:
            CustomPromptTooLongError: `custom_prompt` is over 8000 characters.
            NumberNotFoundError: no number of yours is `phone_number`.
            ValueError: `phone_number` is blank (raised before anything is sent).
        """
        return self._client._request(update_call(phone_number, custom_prompt=custom_prompt))

    def delete(self, phone_number: str) -> None:
        """Detach a number from Nixflex and clear its Twilio webhooks.

        The number **stays in your Twilio account and keeps billing there**: release it
        through Twilio's API or console if you no longer need it.

        Raises:
            NumberNotFoundError: no number of yours is `phone_number`.
            ValueError: `phone_number` is blank (raised before anything is sent).
        """
        return self._client._request(delete_call(phone_number))


class AsyncPhoneNumbers(AsyncResource):
    """Your own Twilio numbers, attached to Nixflex agents (`client.phone_numbers`, async).

    Each method is the awaitable twin of the same method of `PhoneNumbers`; see there for
    arguments and errors.
    """

    async def create(
        self,
        *,
        phone_number: str,
        twilio_sid: str,
        twilio_token: str,
        agent_id: str,
        custom_prompt: str | None = None,
    ) -> PhoneNumber:
        """Import a number from your Twilio account; **overwrites its Twilio webhooks**.

        See `PhoneNumbers.create` for the arguments and the errors it raises.
        """
        return await self._client._request(
            create_call(
                phone_number=phone_number,
                twilio_sid=twilio_sid,
                twilio_token=twilio_token,
                agent_id=agent_id,
                custom_prompt=custom_prompt,
            )
        )

    async def list(self, agent_id: str | None = None) -> builtins.list[PhoneNumber]:
        """Your imported numbers, newest first; only one agent's with `agent_id`."""
        return await self._client._request(list_call(agent_id))

    async def update(self, phone_number: str, *, custom_prompt: str | None) -> PhoneNumber:
        """Set a number's business profile; `None` or `""` clears it (see `PhoneNumbers.update`)."""
        return await self._client._request(update_call(phone_number, custom_prompt=custom_prompt))

    async def delete(self, phone_number: str) -> None:
        """Detach a number; it **stays in your Twilio account** (see `PhoneNumbers.delete`)."""
        return await self._client._request(delete_call(phone_number))
