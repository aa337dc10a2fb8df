"""Timestamps, in one place: reading the API's, writing the caller's, naive means UTC.

- `parse` reads an ISO 8601 / RFC 3339 string into an aware `datetime`, the same way on every
  supported Python (3.10's `fromisoformat` knows neither `Z` nor fractions other than 3 or 6
  digits);
- `as_utc` moves a `datetime` to UTC, taking a naive one to be UTC already;
- `rfc3339` writes a `before=`/`after=` argument as the API reads it: RFC 3339 in UTC (`...Z`).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_FRACTION = re.compile(r"(?<=\d\d:\d\d:\d\d)\.(\d+)")


def parse(value: object) -> datetime:
    """An aware `datetime` from an ISO 8601 string (a naive one is read as UTC).

    Raises `TypeError` for a value that is not a string (or a `datetime`, returned aware), and
    `ValueError` for a string that is not ISO 8601.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = datetime.fromisoformat(_FRACTION.sub(_six_digits, text, count=1))
    else:
        raise TypeError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _six_digits(match: re.Match[str]) -> str:
    return "." + match.group(1)[:6].ljust(6, "0")


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive `datetime` is taken to be UTC already."""
    aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
    return aware.astimezone(timezone.utc)


def rfc3339(value: datetime | str, name: str) -> str:
    """A `datetime` as RFC 3339 in UTC (`...Z`; a naive one is UTC); a string as it is.

    Raises `ValueError` for a blank string and `TypeError` for anything else, before any request.
    """
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(f"{name} must not be empty or blank")
        return value
    if not isinstance(value, datetime):
        raise TypeError(
            f"{name} must be a datetime or an ISO 8601 string, got {type(value).__name__}"
        )
    utc = as_utc(value)
    spec = "microseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def instant(value: datetime | str) -> datetime | None:
    """The instant a `before=`/`after=` argument names, or `None` for a string this SDK cannot
    read (it is sent as given: the API may know a format the SDK does not)."""
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        return parse(value)
    except ValueError:
        return None
