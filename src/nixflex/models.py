"""What the API returns: frozen attrs classes with snake_case attributes, and lists of them.

The API may answer in snake_case or camelCase (`agent_id` or `agentId`); both arrive here as the
same attribute, and keys the SDK does not know yet are ignored, so a newer API never breaks an
older SDK. Timestamps are timezone-aware `datetime`s.

Every model has `to_dict()` (the converter's, in `_convert`) and, for Jupyter, `_repr_html_()`
(a table of its fields, drawn by `_display`, imported only when a notebook asks). `repr()` is
attrs' own. A list the SDK returns is a `ModelList`: a plain `list` that knows its item type.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Caller",
    "CallerContext",
    "Message",
    "ModelList",
    "Number",
    "PhoneNumber",
    "to_pandas",
]

T = TypeVar("T")


class ModelList(list[T]):
    """A plain `list` of models that shows itself as one HTML table in a notebook.

    It knows its item type, so an empty list still shows (and converts to a DataFrame with) the
    model's columns. Anything else it does is what `list` does: slicing or `+` give plain lists.
    """

    def __init__(self, items: Iterable[T] = (), item_type: type[T] | None = None) -> None:
        super().__init__(items)
        self.item_type = item_type

    def _repr_html_(self) -> str | None:
        from ._display import table_html

        try:
            return table_html(self, self.item_type)
        except TypeError:
            return None  # something else was appended: Jupyter shows the plain repr instead


def to_pandas(items: Iterable[T], item_type: type[T] | None = None) -> pd.DataFrame:
    """A list of models (a `PhoneNumber` list, a page's items) as a pandas DataFrame.

    One row per item, one column per field, named as the attributes are (`from_` for a
    message's sender). The columns are typed whatever the values, so an empty list or a column
    of `None`s has the same dtypes as a full one:

    - timestamps: `datetime64[ns, UTC]` (a missing one is `NaT`);
    - text: `string` (pandas' nullable string dtype; a missing value is `pd.NA`), so `.str`
      works and `df.dtypes` says what a column holds, on pandas 2 and 3 alike;
    - booleans: `boolean` (nullable) where the field may be `None`, else `bool`;
    - anything else: `object`.

    A field holding a model (a `Caller`'s `context`) gives a column per field of it, named with
    a dot: `context.name`, `context.last_call`.

    A field kept out of the repr (a secret) is kept out of the frame too.

    Args:
        items: models of one class, e.g. `client.phone_numbers.list()` or `page.items`.
        item_type: the model class, for the columns of a plain empty list; lists the SDK
            returns know it already. An empty list of an unknown type gives an empty frame.

    Raises:
        ImportError: pandas is not installed (`pip install 'nixflex[pandas]'`).
        TypeError: the items are not all of one attrs class.

    Example:
        ```python
        df = nixflex.to_pandas(client.phone_numbers.list())
        df.groupby("agent_id").size()
        ```
    """
    from ._display import data_frame

    return data_frame(items, item_type)


class _Model:
    """What every model does besides holding its fields: `to_dict()` and notebook display.

    A plain base with no fields and no slots of its own, so each model stays a frozen, slotted
    attrs class that the decoder fills slot by slot.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The model as a JSON-ready dict: `json.dumps(model.to_dict())` works.

        Keys are the attribute names, in snake_case; timestamps are ISO 8601 strings
        (`"2025-01-15T10:45:00+00:00"`); `None` stays `None`. A message's sender is `from_`,
        its attribute name, not the API's `from`: the keys then match the attributes and the
        columns of `to_pandas()`, and the SDK reads `from_` back as well as `from`.
        """
        from ._convert import to_dict

        return to_dict(self)

    def _repr_html_(self) -> str:
        """The model as a two-column HTML table, for Jupyter (escaped, long text shortened)."""
        from ._display import model_html

        return model_html(self)


@attrs.frozen(kw_only=True)
class PhoneNumber(_Model):
    """A number of yours, from your own Twilio or Telnyx account, attached to an agent.

    Every per-number setting is `None` when the API did not send it or it is not set; for
    `voice_id`, `speaking_rate`, `record_call` and `recording_source`, `None` means the agent's
    own setting applies.

    Attributes:
        phone_number: the number in E.164 form, e.g. `"+447446466847"`.
        agent_id: the agent that answers it.
        twilio_number_sid: Twilio's id of the number (`PN…`), for a Twilio number.
        inbound_enabled: whether inbound calls reach the agent.
        outbound_enabled: whether the agent can call out from it.
        custom_prompt: the business profile layered over the agent's prompt on calls.
        provider: its carrier, `"twilio"` or `"telnyx"` (`None`: not said).
        telnyx_number_id: Telnyx's id of the number, for a Telnyx number.
        voice_id: the voice its calls use, instead of the agent's.
        sms_prompt: the prompt for text replies.
        web_prompt: the prompt for browser (web) calls.
        sms_reply_enabled: whether the agent answers texts to it.
        voicemail_leave_enabled: whether the agent leaves a voicemail when no one answers.
        voicemail_message: the voicemail it leaves.
        speaking_rate: how fast its voice speaks (1 is normal).
        dtmf_enabled: whether callers can use the keypad.
        record_call: whether its calls are recorded.
        recording_source: who records them, `"provider"` (the carrier) or `"nixflex"`.
        created_at: when it was imported.
    """

    phone_number: str
    agent_id: str
    twilio_number_sid: str | None = None
    inbound_enabled: bool | None = None
    outbound_enabled: bool | None = None
    custom_prompt: str | None = None
    provider: str | None = None
    telnyx_number_id: str | None = None
    voice_id: str | None = None
    sms_prompt: str | None = None
    web_prompt: str | None = None
    sms_reply_enabled: bool | None = None
    voicemail_leave_enabled: bool | None = None
    voicemail_message: str | None = None
    speaking_rate: float | None = None
    dtmf_enabled: bool | None = None
    record_call: bool | None = None
    recording_source: str | None = None
    created_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Number(_Model):
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
class Message(_Model):
    """An SMS or MMS received on a provisioned number.

    Attributes:
        id: the message's id.
        from_: the sender (the API's `from`; `from` is a Python keyword).
        to: the number that received it.
        body: the text; treat it as untrusted input.
        received_at: when it arrived; message history is paged by this timestamp.
        direction: `"inbound"` or `"outbound"` (kept as sent), or `None`.
        channel: `"sms"`, `"mms"` or another channel (kept as sent), or `None`.
    """

    id: str
    from_: str | None = attrs.field(default=None, metadata={"aliases": ("from",)})
    to: str | None = None
    body: str | None = None
    received_at: datetime
    direction: str | None = None
    channel: str | None = None


@attrs.frozen(kw_only=True)
class CallerContext(_Model):
    """What the agent knows about one caller: read at the start of each of their calls.

    The first six fields are yours to write (`client.callers.set` / `import_many`); each is
    `None` when it is not set. `last_call` and `open_item` are written by Nixflex's engine
    after calls and are read-only: the API refuses them in a request (`engine_only_field`),
    and the SDK does not offer them as arguments.

    Attributes:
        name: the caller's name, e.g. `"Ada Lovelace"`.
        email: their email address.
        phone: another number to reach them on.
        location: where they are, in your words (`"Croydon"`).
        reference_id: their id in your own system (a CRM or booking id).
        preference: how they like to be served (`"mornings; prefers Dr Patel"`).
        last_call: the engine's note of their last call, as the API sends it (text, or a JSON
            object: the API does not publish its shape).
        open_item: something the engine left open with them (a callback promised), as sent.
    """

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    location: str | None = None
    reference_id: str | None = None
    preference: str | None = None
    # Left out of the hash: the engine may write a JSON object, which has none.
    last_call: Any = attrs.field(default=None, hash=False)
    open_item: Any = attrs.field(default=None, hash=False)


@attrs.frozen(kw_only=True)
class Caller(_Model):
    """One caller of one of your numbers, and the context the agent gets on their calls.

    Attributes:
        phone_number: your number they call, in E.164 form.
        caller_number: their number, in E.164 form.
        context: what the agent knows about them (`CallerContext`; every field `None` when
            nothing is set).
    """

    phone_number: str
    caller_number: str
    context: CallerContext = attrs.field(factory=CallerContext)
