"""Timestamps, in one place: reading the API's, writing the caller's, naive means UTC.

- `parse` reads an ISO 8601 / RFC 3339 string into an aware `datetime` by one grammar, the
  same way on every supported Python (3.10's `fromisoformat` knows neither `Z`, nor `+0000`,
  nor fractions other than 3 or 6 digits; 3.11's reads more than the API would send);
- `as_utc` moves a `datetime` to UTC, taking a naive one to be UTC already;
- `rfc3339` writes a `before=`/`after=` argument as the API reads it: RFC 3339 in UTC (`...Z`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# The one grammar, on every supported Python (3.10's `fromisoformat` reads far less than 3.11's):
# a calendar date and a time, each in the extended (`2025-01-15T10:45:00`) or the basic
# (`20250115T104500`) form, a fraction of any length after `.` or `,`, and an offset `Z`, `±HH`,
# `±HHMM` or `±HH:MM` (seconds allowed). A date alone is midnight; no offset means UTC.
_ISO_8601 = re.compile(
    r"(?P<year>\d{4})(?P<dash>-?)(?P<month>\d{2})(?P=dash)(?P<day>\d{2})"
    r"(?:[Tt ](?P<hour>\d{2})(?:(?P<colon>:?)(?P<minute>\d{2})"
    r"(?:(?P=colon)(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d+)?)?)?)?)?",
    re.ASCII,
)
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})?:?(\d{2})?(?:\.(\d+))?", re.ASCII)


def parse(value: object) -> datetime:
    """An aware `datetime` from an ISO 8601 string (a naive one is read as UTC).

    The same strings give the same result on every supported Python: `2025-01-15T10:45:00Z`,
    `...+00:00`, `...+0000`, `...+00`, fractions of any length, the basic form
    `20250115T104500Z`, a space for `T`, a date alone. Raises `TypeError` for a value that is not
    a string (a `datetime` is returned aware), and `ValueError` for a string outside that
    grammar (a week date) or out of range (an hour past 23, a 13th month).
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    found = _ISO_8601.fullmatch(value.strip())
    if found is None:
        raise ValueError(f"not an ISO 8601 timestamp: {value[:40]!r}")
    fraction = found["fraction"] or "0"
    return datetime(
        int(found["year"]),
        int(found["month"]),
        int(found["day"]),
        int(found["hour"] or 0),
        int(found["minute"] or 0),
        int(found["second"] or 0),
        int(fraction[:6].ljust(6, "0")),
        tzinfo=_tzinfo(found["offset"]),
    )


def _tzinfo(offset: str | None) -> timezone:
    if offset is None or offset in ("Z", "z"):
        return timezone.utc
    parts = _OFFSET.fullmatch(offset)
    assert parts is not None, "the grammar above only lets offsets of this shape through"
    sign, hours, minutes, seconds, micros = parts.groups()
    delta = timedelta(
        hours=int(hours),
        minutes=int(minutes or 0),
        seconds=int(seconds or 0),
        microseconds=int((micros or "0")[:6].ljust(6, "0")),
    )
    return timezone(-delta if sign == "-" else delta)


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
