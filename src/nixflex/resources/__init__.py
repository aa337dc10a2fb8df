"""The API's resources: one module per part of the API, each a sync and an async class."""

from .numbers import AsyncMessages, AsyncNumbers, Messages, Numbers
from .phone_numbers import AsyncPhoneNumbers, PhoneNumbers

__all__ = [
    "AsyncMessages",
    "AsyncNumbers",
    "AsyncPhoneNumbers",
    "Messages",
    "Numbers",
    "PhoneNumbers",
]
