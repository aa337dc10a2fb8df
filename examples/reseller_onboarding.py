"""A reseller onboards five dental clinics onto one agent template, against the built-in emulator.

Run it with `make demo` (or `python examples/reseller_onboarding.py`). Everything goes over real
HTTP to `nixflex.testing`'s loopback server, exactly as it would to https://api.nixflex.com.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import nixflex
from nixflex.testing import FakeNixflex

CLINICS = {
    "+447700900101": "Smile Dental Croydon. 12 High St. Open Mon-Fri 9am-5pm.",
    "+447700900102": "Pearly Whites Manchester. 4 Deansgate. Open Mon-Sat 8am-6pm.",
    "+447700900103": "Bright Bite Leeds. 9 Briggate. Open Tue-Sat 9am-4pm.",
    "+447700900104": "Molar Express Bristol. 1 Park St. Open Mon-Fri 10am-7pm.",
    "+447700900105": "Gentle Care York. 22 Stonegate. Open Mon-Thu 9am-5pm.",
}


def say(text: str) -> None:
    print(f"  {text}")


def main() -> None:
    fake = FakeNixflex()
    account = fake.add_account(name="Ringback Ltd")
    agent_id = fake.add_agent(account, agent_id="agent_ringback_dental")
    twilio = fake.add_twilio_account(numbers=list(CLINICS))

    with (
        fake.serve() as server,
        nixflex.Client(api_key=account.api_key, base_url=server.url) as client,
    ):
        print(f"Nixflex emulator at {server.url}; agent template {agent_id}\n")

        print("1. Import five clinic numbers from one Twilio account, each with its profile")
        result = client.phone_numbers.import_many(
            [
                nixflex.ImportRequest(
                    phone_number=number,
                    twilio_sid=twilio.sid,
                    twilio_token=twilio.token,
                    agent_id=agent_id,
                    custom_prompt=f"Business: {profile}",
                )
                for number, profile in CLINICS.items()
            ],
            concurrency=5,
        )
        result.raise_for_failures()
        say(
            f"{result!r}; Twilio webhooks now point at Nixflex: "
            f"{all(fake.twilio_webhooks(n).points_at_nixflex for n in CLINICS)}"
        )

        # The five imports ran at once: newest first is the order in which they landed.
        print("\n2. List the agent's numbers, newest first, with when each import landed")
        for number in client.phone_numbers.list(agent_id=agent_id):
            landed = f"{number.created_at:%H:%M:%S.%f}"[:-3] if number.created_at else "?"
            say(f"{landed}  {number.phone_number}  {number.custom_prompt}")

        print("\n3. A clinic changes its opening hours: one PATCH, live on the next call")
        updated = client.phone_numbers.update(
            "+447700900101",
            custom_prompt="Business: Smile Dental Croydon. 12 High St. Now open Saturdays too.",
        )
        say(f"{updated.phone_number} -> {updated.custom_prompt}")

        print("\n4. A clinic leaves: detach its number (it stays in their Twilio account)")
        client.phone_numbers.delete("+447700900105")
        say(
            f"{len(client.phone_numbers.list(agent_id=agent_id))} numbers left on the agent; "
            f"webhooks cleared: {not fake.twilio_webhooks('+447700900105').points_at_nixflex}"
        )

        print("\n5. Importing a number that is already attached is caught by its class")
        try:
            client.phone_numbers.create(
                phone_number="+447700900102",
                twilio_sid=twilio.sid,
                twilio_token=twilio.token,
                agent_id=agent_id,
            )
        except nixflex.NumberAlreadyImportedError as error:
            say(f"{type(error).__name__}: {error}")

        print("\n6. Provision a number for SMS and page through its history, two at a time")
        bought = client.numbers.create(country="GB", agent_id=agent_id)
        say(f"bought {bought.phone_number} ({bought.id}, {bought.status})")
        start = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
        for minute, text in enumerate(
            [
                "Can I book a check-up?",
                "Is Saturday free?",
                "Thanks, see you then",
                "Running 5 min late",
            ]
        ):
            fake.deliver_sms(
                bought.id,
                from_="+447700900999",
                body=text,
                received_at=start + timedelta(minutes=minute),
            )
        history = client.numbers.messages.list(bought.id, limit=2)
        for page_number, page in enumerate(history.iter_pages(), 1):
            for sms in page.items:
                say(f"page {page_number}: {sms.received_at:%H:%M} {sms.from_}: {sms.body}")

        print(f"\nDone: {len(fake.requests)} requests reached the emulator.")


if __name__ == "__main__":
    main()
