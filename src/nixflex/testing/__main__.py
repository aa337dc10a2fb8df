"""`python -m nixflex.testing`: serve a seeded emulator on a loopback port until Ctrl-C.

For apps in other processes (or other languages): point them at the printed URL with the printed
key. The demo data is the same on every run, so it can live in a `.env` file.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType

from ._fake import FakeNixflex

DEMO_API_KEY = "key_demo:sk_demo_secret"
DEMO_AGENT_ID = "agent_demo"
DEMO_TWILIO_SID = "AC" + "0123456789abcdef" * 2
DEMO_TWILIO_TOKEN = "demo_twilio_token"
DEMO_TWILIO_NUMBERS = ("+447700900001", "+447700900002", "+12125550100")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m nixflex.testing",
        description="Serve an in-memory Nixflex API emulator over HTTP on a loopback address.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 = any)")
    parser.add_argument("--api-key", default=DEMO_API_KEY, help="the demo KEY_ID:KEY_SECRET")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--seed", type=int, default=None, help="make generated ids repeatable")
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="do not limit each key to the API's 600 reads and 120 writes a minute",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    fake = FakeNixflex(latency=args.latency, seed=args.seed)
    if args.no_rate_limits:
        fake.rate_limits = None
    account = fake.add_account(name="demo", api_key=args.api_key, account_id="acct_demo")
    agent_id = fake.add_agent(account, agent_id=DEMO_AGENT_ID)
    fake.add_twilio_account(
        numbers=DEMO_TWILIO_NUMBERS, sid=DEMO_TWILIO_SID, token=DEMO_TWILIO_TOKEN
    )
    number = fake.provision_number(account, country="US", agent_id=agent_id)
    fake.deliver_sms(number.id, from_="+12125550199", body="Hi, I need help with my order")
    fake.deliver_sms(number.id, from_="+12125550199", body="Are you open on Saturday?")

    try:
        server = fake.serve(host=args.host, port=args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with server:
        lines = [
            f"Nixflex emulator listening on {server.url}",
            f"  NIXFLEX_BASE_URL={server.url}",
            f"  NIXFLEX_API_KEY={account.api_key}",
            f"  agent id:       {agent_id}",
            f"  Twilio SID:     {DEMO_TWILIO_SID}",
            f"  Twilio token:   {DEMO_TWILIO_TOKEN}",
            f"  Twilio numbers: {', '.join(DEMO_TWILIO_NUMBERS)} (not imported yet)",
            f"  number:         {number.id} ({number.phone_number}) with 2 messages",
            "Press Ctrl-C to stop.",
        ]
        print("\n".join(lines), flush=True)
        try:
            while True:
                time.sleep(0.5)  # short sleeps keep Ctrl-C prompt on every platform
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
    return 0


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(main())
