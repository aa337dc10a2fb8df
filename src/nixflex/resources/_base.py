"""The two bases every resource class stands on: a handle to its client, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import AsyncClient, Client


class SyncResource:
    """A group of calls on a `Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client


class AsyncResource:
    """A group of calls on an `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
