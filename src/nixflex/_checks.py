"""Every check of a caller's argument, in one place: each raises before anything is sent.

A message names the argument, never its value (a value may be a token or a key). `TypeError`
says the argument has the wrong type; `ValueError` that its value is out of range or cannot be
sent as it is.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx


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
        return quote(value, safe="")
    except UnicodeEncodeError:
        raise ValueError(f"{name} is not valid Unicode text (it holds a lone surrogate)") from None


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
    """A client's `base_url=`: an http(s) URL with a host, without its trailing slash."""
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"base_url is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url must be an http(s) URL with a host, got {value!r}")
    return value.rstrip("/")


def instance(value: Any, cls: type[Any] | tuple[type[Any], ...], message: str) -> None:
    """`TypeError(message)` unless `value` is a `cls`."""
    if not isinstance(value, cls):
        raise TypeError(message)
