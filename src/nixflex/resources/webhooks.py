"""Per-number webhook URLs: `/v1/integrations/webhook/number/{n}` (slot 1) and
`/v1/integrations/webhook2/number/{n}` (slot 2); and checking the deliveries they receive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from .. import webhooks as _webhooks
from .._checks import segment, whole_number
from .._core import Call, decode_json, parse_nothing, structure, unwrap
from ..webhooks import DEFAULT_TOLERANCE, Headers, WebhookConfig, WebhookEvent
from ._base import AsyncResource, SyncResource

__all__ = ["AsyncWebhooks", "Webhooks"]


def _path(phone_number: str, slot: int) -> str:
    whole_number(slot, "slot", 1, 2)
    kind = "webhook" if slot == 1 else "webhook2"
    return f"/v1/integrations/{kind}/number/{segment(phone_number, 'phone_number')}"


def _https_url(url: str) -> str:
    """`url` if it is an https:// URL with a host; the message never repeats it."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, got {type(url).__name__}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise ValueError("url is not a URL") from None
    if parsed.scheme != "https" or not parsed.host:
        raise ValueError("url must be an https:// URL with a host (the API refuses any other)")
    return url


def _parse_config(phone_number: str) -> Callable[[httpx.Response], WebhookConfig]:
    def parse(response: httpx.Response) -> WebhookConfig:
        data: Any = unwrap(decode_json(response), ("webhook", "data"))
        if isinstance(data, dict):
            data = dict(data)
            data.setdefault("phone_number", phone_number)
            if "is_set" not in data and "isSet" not in data:
                url = data.get("webhook_url", data.get("webhookUrl"))
                data["is_set"] = bool(url)
        return structure(data, WebhookConfig)

    return parse


def _set_call(phone_number: str, url: str, *, slot: int = 1) -> Call[WebhookConfig]:
    path = _path(phone_number, slot)
    body = {"url": _https_url(url)}
    return Call("PUT", path, _parse_config(phone_number), body=body)


def _get_call(phone_number: str, *, slot: int = 1) -> Call[WebhookConfig]:
    return Call("GET", _path(phone_number, slot), _parse_config(phone_number))


def _delete_call(phone_number: str, *, slot: int = 1) -> Call[None]:
    return Call("DELETE", _path(phone_number, slot), parse_nothing)


class _Deliveries:
    """`verify` and `unwrap` with the client's own key secret: no I/O, on both clients."""

    def verify(
        self, payload: bytes | str, headers: Headers, *, tolerance: float = DEFAULT_TOLERANCE
    ) -> None:
        """Check a delivery's signature with this client's key secret (see
        `nixflex.webhooks.verify`); raise `WebhookVerificationError` if it is not genuine."""
        _webhooks.verify(payload, headers, key_secret=self._key_secret(), tolerance=tolerance)

    def unwrap(
        self, payload: bytes | str, headers: Headers, *, tolerance: float = DEFAULT_TOLERANCE
    ) -> WebhookEvent:
        """Verify a delivery with this client's key secret and return it as a typed event
        (see `nixflex.webhooks.unwrap`)."""
        return _webhooks.unwrap(
            payload, headers, key_secret=self._key_secret(), tolerance=tolerance
        )

    def _key_secret(self) -> str:
        raise NotImplementedError


class Webhooks(_Deliveries, SyncResource):
    """Webhook URLs of your numbers, two slots each, and the deliveries they receive
    (`client.webhooks`)."""

    def _key_secret(self) -> str:
        return self._client._secrets.reveal()[0]

    def set(self, phone_number: str, url: str, *, slot: int = 1) -> WebhookConfig:
        """Send this number's call events to `url` (slot 1 or 2; each slot holds one URL).

        Raises:
            ValueError: `url` is not an https:// URL, or `slot` is not 1 or 2 (before sending).
            NumberNotFoundError: no number of yours is `phone_number`.
        """
        return self._client._request(_set_call(phone_number, url, slot=slot))

    def get(self, phone_number: str, *, slot: int = 1) -> WebhookConfig:
        """The URL set in a slot of this number (`webhook_url` is `None` when unset).

        Raises:
            NumberNotFoundError: no number of yours is `phone_number`.
        """
        return self._client._request(_get_call(phone_number, slot=slot))

    def delete(self, phone_number: str, *, slot: int = 1) -> None:
        """Stop sending deliveries to the URL in this slot; deleting an empty slot is fine.

        Raises:
            NumberNotFoundError: no number of yours is `phone_number`.
        """
        return self._client._request(_delete_call(phone_number, slot=slot))


class AsyncWebhooks(_Deliveries, AsyncResource):
    """Webhook URLs of your numbers (`client.webhooks`, async): `set`, `get` and `delete` are
    awaited; `verify` and `unwrap` do no I/O and are not."""

    def _key_secret(self) -> str:
        return self._client._secrets.reveal()[0]

    async def set(self, phone_number: str, url: str, *, slot: int = 1) -> WebhookConfig:
        """Send this number's call events to `url` (see `Webhooks.set`)."""
        return await self._client._request(_set_call(phone_number, url, slot=slot))

    async def get(self, phone_number: str, *, slot: int = 1) -> WebhookConfig:
        """The URL set in a slot of this number (see `Webhooks.get`)."""
        return await self._client._request(_get_call(phone_number, slot=slot))

    async def delete(self, phone_number: str, *, slot: int = 1) -> None:
        """Stop sending deliveries to the URL in this slot (see `Webhooks.delete`)."""
        return await self._client._request(_delete_call(phone_number, slot=slot))
