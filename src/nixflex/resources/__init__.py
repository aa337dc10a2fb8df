"""The API's resources: one module per part of the API, each a sync and an async class."""

from .callers import AsyncCallers, CallerRow, Callers
from .numbers import AsyncMessages, AsyncNumbers, Messages, Numbers
from .phone_numbers import AsyncPhoneNumbers, PhoneNumbers
from .webhooks import AsyncWebhooks, Webhooks

__all__ = [
    "AsyncCallers",
    "CallerRow",
    "Callers",
    "AsyncMessages",
    "AsyncNumbers",
    "AsyncPhoneNumbers",
    "AsyncWebhooks",
    "Messages",
    "Numbers",
    "PhoneNumbers",
    "Webhooks",
]
