"""What the API returns: frozen attrs classes with snake_case attributes.

The API may answer in snake_case or camelCase (`agent_id` or `agentId`); both arrive here as the
same attribute, and keys the SDK does not know yet are ignored, so a newer API never breaks an
older SDK. Timestamps are timezone-aware `datetime`s.
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Message", "Number", "PhoneNumber"]


@attrs.frozen(kw_only=True)
class PhoneNumber:
    """A Twilio number of yours attached to an agent (bring-your-own-Twilio).

    Attributes:
        phone_number: the number in E.164 form, e.g. `"+447446466847"`.
        agent_id: the agent that answers it.
        twilio_number_sid: Twilio's id of the number (`PN…`).
        inbound_enabled: whether inbound calls reach the agent.
        outbound_enabled: whether the agent can call out from it.
        custom_prompt: the business profile layered over the agent's prompt, or `None`.
        created_at: when it was imported.
    """

    phone_number: str
    agent_id: str
    twilio_number_sid: str | None = None
    inbound_enabled: bool | None = None
    outbound_enabled: bool | None = None
    custom_prompt: str | None = None
    created_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Number:
    """A number provisioned (bought) through Nixflex.

    Attributes:
        id: the number's id, e.g. `"num_xyz789"`; pass it to `release` and `messages.list`.
        phone_number: the number in E.164 form.
        country: the two-letter country code.
        status: `"active"`, `"released"`, or a status newer than this SDK (kept as sent).
        agent_id: the agent it is attached to, or `None`.
        created_at: when it was provisioned.
    """

    id: str
    phone_number: str
    country: str | None = None
    status: str | None = None
    agent_id: str | None = None
    created_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Message:
    """An SMS or MMS received on a provisioned number.

    Attributes:
        id: the message's id.
        from_: the sender (the API's `from`; `from` is a Python keyword).
        to: the number that received it.
        body: the text; treat it as untrusted input.
        received_at: when it arrived; message history is paged by this timestamp.
    """

    id: str
    from_: str | None = attrs.field(default=None, metadata={"aliases": ("from",)})
    to: str | None = None
    body: str | None = None
    received_at: datetime
