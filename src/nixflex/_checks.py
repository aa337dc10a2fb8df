"""Every check of a caller's argument, in one place: each raises before anything is sent.

A message names the argument, never its value (a value may be a token or a key). `TypeError`
says the argument has the wrong type; `ValueError` that its value is out of range or cannot be
sent as it is.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

logger = logging.getLogger("nixflex")

# httpx refuses a URL longer than this (`httpx._urlparse.MAX_URL_LENGTH`) with a raw
# `InvalidURL`; the SDK refuses first, naming the argument. Room is left for the base URL.
MAX_URL_LENGTH = 65_536 - 1_024


class _NotGiven:
    """The default of an optional argument that was not passed: it is left out of the request
    (`None` cannot stand in for it where `None` sends `null`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


# Typed `Any` so that `voice_id: str | None = NOT_GIVEN` type-checks and a signature shows the
# argument's own type.
NOT_GIVEN: Any = _NotGiven()


def given(**arguments: object) -> dict[str, object]:
    """The arguments that were passed (`NOT_GIVEN` ones left out), in the order given."""
    return {name: value for name, value in arguments.items() if value is not NOT_GIVEN}


def segment(value: str, name: str) -> str:
    """`value` percent-encoded as exactly one path segment (`+` -> `%2B`, `/` -> `%2F`).

    Raises `ValueError` for a blank value or `.`/`..`, which httpx would resolve against the
    path (`DELETE /v1/numbers/..` would go out as `DELETE /v1`).
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or blank")
    if value in (".", ".."):
        raise ValueError(f"{name} must not be {value!r}")
    try:
        encoded = quote(value, safe="")
    except UnicodeEncodeError:
        raise ValueError(f"{name} is not valid Unicode text (it holds a lone surrogate)") from None
    if len(encoded) > MAX_URL_LENGTH:
        raise ValueError(f"{name} is longer than a URL can carry ({len(encoded)} characters)")
    return encoded


def sendable(value: object, name: str) -> None:
    """`ValueError` naming the field (`custom_prompt`, `callers[3].name`), never its value, if a
    string in `value` (a JSON body, a query value) cannot be sent: a lone surrogate (`"\\ud83e"`)
    has no UTF-8 encoding."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    f"{name} is not valid Unicode text (it holds a lone surrogate)"
                ) from None
    elif isinstance(value, Mapping):
        for key, item in value.items():
            sendable(item, f"{name}.{key}" if name else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            sendable(item, f"{name}[{index}]")


def query(values: Mapping[str, object]) -> None:
    """`ValueError` naming the parameter if a query value cannot be sent, or if the query is
    longer than a URL can carry."""
    total = 0
    for name, value in values.items():
        if isinstance(value, str):
            sendable(value, name)
            total += len(value)
    if total * 3 > MAX_URL_LENGTH:  # each character may take three when percent-encoded
        longest = max(
            (name for name, value in values.items() if isinstance(value, str)),
            key=lambda name: len(str(values[name])),
        )
        encoded = sum(len(quote(str(v), safe="")) for v in values.values() if isinstance(v, str))
        if encoded > MAX_URL_LENGTH:
            raise ValueError(f"{longest} is longer than a URL can carry ({encoded} characters)")


def not_blank(value: str, name: str) -> str:
    """`value` if it is a string with something other than white space in it."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or blank")
    return value


def whole_number(value: int, name: str, low: int, high: int | None = None) -> int:
    """`value` if it is an `int` (not a `bool`) in `low..high` (no upper bound: `None`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def timeout(value: float | httpx.Timeout | None) -> httpx.Timeout | None:
    """A client's `timeout=`: positive seconds, an `httpx.Timeout`, or `None` (the pool's)."""
    if value is None or isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError("timeout must be a positive number of seconds or an httpx.Timeout")
    return httpx.Timeout(float(value))


def base_url(value: str) -> str:
    """A client's `base_url=`: an http(s) URL with a host, without its trailing slash.

    Refused: a user or password in it (httpx would send them as Basic auth instead of the key,
    and `repr(client)` would show them), a query or a fragment (every path would be lost
    behind them). The message never repeats the URL, which may hold a password. A plain
    `http://` URL to a host that is not this machine logs one WARNING: the key would travel
    unencrypted.
    """
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError):
        raise ValueError("base_url is not a URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("base_url must be an http:// or https:// URL with a host")
    if url.userinfo:
        raise ValueError("base_url must not hold a user or password: the API key is the login")
    if url.query or url.fragment or "?" in value or "#" in value:
        raise ValueError("base_url must not hold a query (?) or a fragment (#)")
    if url.scheme == "http" and not _is_local(url.host):
        logger.warning("base_url is plain http:// to %s: the API key travels unencrypted", url.host)
    return value.rstrip("/")


def _is_local(host: str) -> bool:
    """Whether `host` is this machine (loopback) or a name that never leaves it (RFC 6761)."""
    if host == "localhost" or host.endswith((".localhost", ".test")):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def instance(value: Any, cls: type[Any] | tuple[type[Any], ...], message: str) -> None:
    """`TypeError(message)` unless `value` is a `cls`."""
    if not isinstance(value, cls):
        raise TypeError(message)
