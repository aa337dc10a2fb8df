"""The world the SDK's docs are written in, seeded into an emulator.

Every placeholder the README and `docs/` use is here: the key `KEY_ID:KEY_SECRET`, the agent
`agent_125207e452f8714a`, the Twilio account `AC0123456789abcdef0123456789abcdef` (token
`your_twilio_auth_token`) holding `+447446466847` and 199 clinics (`+442011110001` on), a second
Twilio account for US numbers, and the provisioned number `num_xyz789` with 120 SMS. So a reader
who runs `python -m nixflex.testing` (which seeds it) and exports the two lines it prints can
paste any example of the docs and see it work; the docs' test suite runs every example against
the same world.

The rollout guide (`docs/bulk.md`) needs two more things, which `python -m nixflex.testing
--rollout` sets up and the docs' tests use too: its input files (`write_rollout_files`:
`clinics.csv` and `reseller.db`, the 200 clinics) and the network's bad moments its first import
run meets (`arm_rollout_faults`), aimed at the same clinics on every run, so the page's outputs
are what a reader sees.
"""

from __future__ import annotations

import csv
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ._faults import Fault, RoutePattern

if TYPE_CHECKING:
    from ._fake import FakeNixflex

__all__ = [
    "AGENT_ID",
    "API_KEY",
    "NUMBER_ID",
    "PHONE_NUMBER",
    "TWILIO_SID",
    "TWILIO_TOKEN",
    "arm_rollout_faults",
    "clinic",
    "seed",
    "write_rollout_files",
]

API_KEY = "KEY_ID:KEY_SECRET"
AGENT_ID = "agent_125207e452f8714a"
OTHER_AGENT_ID = "agent_9d41c7e0b2a36f58"
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "your_twilio_auth_token"
PHONE_NUMBER = "+447446466847"
US_TWILIO_SID = "ACfedcba9876543210fedcba9876543210"
US_TWILIO_TOKEN = "your_us_twilio_auth_token"
US_PHONE_NUMBER = "+12125550123"
NUMBER_ID = "num_xyz789"
NUMBER_PHONE = "+15551234567"
FIRST_MESSAGE_AT = datetime(2025, 1, 15, 8, 0, tzinfo=timezone.utc)
MESSAGE_COUNT = 120
CLINIC_COUNT = 200
# The last clinic gave a number its Twilio account does not hold: one failure that is not
# worth retrying, for the rollout guide.
CLINICS_IN_TWILIO = CLINIC_COUNT - 1
#: The rollout guide's inputs, as `write_rollout_files` names them.
CLINICS_CSV = "clinics.csv"
RESELLER_DB = "reseller.db"
#: The clinics whose first import meets a bad moment (`arm_rollout_faults`): the API answers
#: 503 before doing anything for the first two; the third is imported, then its connection
#: breaks before the answer arrives.
ROLLOUT_UNAVAILABLE = (3, 5)
ROLLOUT_ANSWER_LOST = 1

_SENDERS = ("+15559876543", "+15550001111", "+15557654321")
_BODIES = (
    "Hi, I need help with my order",
    "Can I book a check-up for Tuesday?",
    "Is there parking nearby?",
    "Running 10 minutes late, sorry",
    "Do you take card payments?",
    "Thanks, see you then",
)
_TOWNS = (
    ("Croydon", "12 High St"),
    ("Manchester", "4 Deansgate"),
    ("Leeds", "9 Briggate"),
    ("Bristol", "1 Park St"),
    ("York", "22 Stonegate"),
    ("Bath", "3 Milsom St"),
    ("Oxford", "40 Cornmarket"),
    ("Norwich", "7 London St"),
)
_NAMED = ("Smile Dental", "Pearly Whites", "Bright Bite")


def clinic(n: int) -> dict[str, str]:
    """Clinic number `n` (1-based), as the reseller's CSV and database hold it."""
    town, street = _TOWNS[(n - 1) % len(_TOWNS)]
    brand = _NAMED[n - 1] if n <= len(_NAMED) else f"Clinic {n:03d}"
    return {
        "phone_number": f"+44201111{n:04d}",
        "name": f"{brand} {town}",
        "address": f"{street}, {town}",
        "hours": "Mon-Fri 9am-5pm" if n % 3 else "Mon-Sat 8am-6pm",
        "services": "Check-ups, hygiene, whitening.",
    }


def seed(fake: FakeNixflex, *, api_key: str = API_KEY) -> None:
    """Seed `fake` with the placeholders every page may use (see the module docstring)."""
    account = fake.add_account(name="Ringback Ltd", api_key=api_key, account_id="acct_ringback")
    fake.add_agent(account, agent_id=AGENT_ID)
    fake.add_agent(account, agent_id=OTHER_AGENT_ID)
    clinics = [clinic(n)["phone_number"] for n in range(1, CLINICS_IN_TWILIO + 1)]
    fake.add_twilio_account(sid=TWILIO_SID, token=TWILIO_TOKEN, numbers=[PHONE_NUMBER, *clinics])
    fake.add_twilio_account(sid=US_TWILIO_SID, token=US_TWILIO_TOKEN, numbers=[US_PHONE_NUMBER])

    fake.provision_number(
        account,
        country="US",
        agent_id=AGENT_ID,
        phone_number=NUMBER_PHONE,
        created_at=FIRST_MESSAGE_AT - timedelta(days=5),
        number_id=NUMBER_ID,
    )
    for i in range(MESSAGE_COUNT):
        fake.deliver_sms(
            NUMBER_ID,
            from_=_SENDERS[i % len(_SENDERS)],
            body=_BODIES[i % len(_BODIES)],
            received_at=FIRST_MESSAGE_AT + timedelta(minutes=15 * i),
        )
    for day, country in enumerate(("US", "GB", "GB", "US"), start=1):
        fake.provision_number(
            account, country=country, created_at=FIRST_MESSAGE_AT - timedelta(days=5 - day)
        )


def write_rollout_files(directory: str | os.PathLike[str] = ".") -> list[Path]:
    """Write the rollout guide's `clinics.csv` and `reseller.db` in `directory`; return them.

    200 clinics, `+442011110001` to `+442011110200`: the CSV has `phone_number,name,address`,
    the SQLite database a `clinics` table with `hours` and `services` too. Files already there
    under those names are replaced.
    """
    folder = Path(directory)
    clinics = [clinic(n) for n in range(1, CLINIC_COUNT + 1)]
    csv_path, db_path = folder / CLINICS_CSV, folder / RESELLER_DB
    with csv_path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=["phone_number", "name", "address"])
        writer.writeheader()
        writer.writerows(
            {key: row[key] for key in ("phone_number", "name", "address")} for row in clinics
        )
    db_path.unlink(missing_ok=True)  # replaced, not added to
    database = sqlite3.connect(db_path)
    try:
        with database:
            database.execute(
                "CREATE TABLE clinics (phone_number TEXT PRIMARY KEY, name TEXT, address TEXT,"
                " hours TEXT, services TEXT)"
            )
            database.executemany(
                "INSERT INTO clinics VALUES (:phone_number, :name, :address, :hours, :services)",
                clinics,
            )
    finally:
        database.close()
    return [csv_path, db_path]


def arm_rollout_faults(fake: FakeNixflex) -> None:
    """Make the rollout guide's first import run meet its three bad moments.

    The imports of clinics 3 and 5 (`+442011110003`, `+442011110005`) answer
    `503 service_unavailable` without importing; clinic 1's (`+442011110001`) is imported, then
    its connection breaks before the answer arrives. Each fault is aimed at its clinic's import,
    not at whichever request comes first, so with 16 imports in flight the same three fail on
    every run. Once each has met its fault, imports answer as usual.
    """
    imports = RoutePattern.parse("POST /v1/phone-numbers")

    def aimed_at(n: int) -> dict[str, object]:
        return {"phone_number": clinic(n)["phone_number"]}

    faults = [
        Fault(
            "fail",
            1,
            imports,
            after_processing=False,
            status=503,
            message="Service Unavailable",
            body_has=aimed_at(n),
        )
        for n in ROLLOUT_UNAVAILABLE
    ]
    faults.append(
        Fault("drop", 1, imports, after_processing=True, body_has=aimed_at(ROLLOUT_ANSWER_LOST))
    )
    for fault in faults:
        # Aiming a fault at a request's body is not on `fail_next` and `drop_next` (yet).
        fake._add_fault(fault)
