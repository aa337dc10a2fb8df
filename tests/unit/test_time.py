"""Timestamps read the same on every supported Python (CI runs this file on 3.10 and the newest).

Python 3.10's `datetime.fromisoformat` refuses `Z`, `+0000`, `+00`, odd fractions and the basic
form; 3.11's reads all of those and week dates too. The SDK reads one grammar everywhere: through
`_time.parse`, and through a model's decoder, whose fast path must not read more.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from nixflex._convert import structure
from nixflex._time import parse
from nixflex.models import Number

UTC = timezone.utc
NOON = datetime(2025, 1, 15, 10, 45, tzinfo=UTC)

READ = [
    ("2025-01-15T10:45:00Z", NOON),
    ("2025-01-15T10:45:00z", NOON),
    ("2025-01-15T10:45:00+00:00", NOON),
    ("2025-01-15T10:45:00+0000", NOON),
    ("2025-01-15T10:45:00+00", NOON),
    ("20250115T104500Z", NOON),
    ("2025-01-15 10:45:00Z", NOON),
    ("2025-01-15T10:45Z", NOON),
    ("2025-01-15T10:45:00", NOON),  # no offset: UTC
    ("2025-01-15T11:45:00+01:00", NOON),
    ("2025-01-15T05:15:00-0530", NOON),
    ("2025-01-15T10:45:00.5Z", NOON.replace(microsecond=500_000)),
    ("2025-01-15T10:45:00,25Z", NOON.replace(microsecond=250_000)),
    ("2025-01-15T10:45:00.123456789Z", NOON.replace(microsecond=123_456)),
    ("2026-05-03T01:59:31.548911+00:00", datetime(2026, 5, 3, 1, 59, 31, 548911, tzinfo=UTC)),
    ("2025-01-15", datetime(2025, 1, 15, tzinfo=UTC)),
]
REFUSED = [
    "2025-W03-3",
    "2025-W03-3T10:45:00Z",
    "2025-015T10:45:00Z",
    "2025-0115T10:45Z",
    "2025-13-01T00:00:00Z",
    "2025-01-15T24:00:00Z",
    "2025-01-15T10:45:00+25:00",
    "yesterday",
    "",
]


@pytest.mark.parametrize(("text", "expected"), READ)
def test_every_form_the_api_may_send_reads_the_same_everywhere(
    text: str, expected: datetime
) -> None:
    for parsed in (
        parse(text),
        structure({"id": "n", "phoneNumber": "+1", "createdAt": text}, Number).created_at,
    ):
        assert parsed == expected
        assert parsed is not None
        assert parsed.utcoffset() is not None


def test_an_offset_is_kept_as_sent() -> None:
    assert parse("2025-01-15T05:15:00-0530").utcoffset() == -timedelta(hours=5, minutes=30)


@pytest.mark.parametrize("text", REFUSED)
def test_what_is_not_iso_8601_is_refused_everywhere(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO 8601|must be|offset"):
        parse(text)
    with pytest.raises((ValueError, TypeError)):
        structure({"id": "n", "phoneNumber": "+1", "createdAt": text}, Number)
