"""The world the SDK's docs are written in, seeded into an emulator.

Every placeholder the README and `docs/` use is here: the key `KEY_ID:KEY_SECRET`, the agent
`agent_125207e452f8714a`, the Twilio account `AC0123456789abcdef0123456789abcdef` (token
`your_twilio_auth_token`) holding `+447446466847` and 199 clinics (`+442011110001` on), a second
Twilio account for US numbers, and the provisioned number `num_xyz789` with 120 SMS. So a reader
who runs `python -m nixflex.testing` (which seeds it) and exports the two lines it prints can
paste any example of the docs and see it work; the docs' test suite runs every example against
the same world.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._fake import FakeNixflex

__all__ = [
    "AGENT_ID",
    "API_KEY",
    "NUMBER_ID",
    "PHONE_NUMBER",
    "TWILIO_SID",
    "TWILIO_TOKEN",
    "clinic",
    "seed",
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
