"""`python -m nixflex.testing`: serve a seeded emulator on a loopback port until Ctrl-C.

For apps in other processes (or other languages), and for readers of the docs: it seeds the
world the docs are written in (`_docs_world`: the key `KEY_ID:KEY_SECRET`, the agent, the Twilio
accounts, the clinics, `num_xyz789` and its messages), the same on every run, and prints the two
lines to export (or to put in a `.env` file), each alone on its line.

`--rollout` sets up the rollout guide (`docs/bulk.md`) besides: it writes `clinics.csv` and
`reseller.db` into the current directory and arms the three failures the guide's first import run
meets, so the guide's outputs are what the reader sees.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from . import _docs_world
from ._fake import FakeNixflex


def build_parser() -> argparse.ArgumentParser:
    """The command line's options (`nixflex emulator` passes its own on to them)."""
    parser = argparse.ArgumentParser(
        prog="python -m nixflex.testing",
        description="Serve an in-memory Nixflex API emulator over HTTP on a loopback address.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 = any)")
    parser.add_argument(
        "--api-key", default=_docs_world.API_KEY, help="the KEY_ID:KEY_SECRET clients send"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--seed", type=int, default=None, help="make generated ids repeatable")
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="do not limit each key to the API's 600 reads and 120 writes a minute",
    )
    parser.add_argument(
        "--rollout",
        action="store_true",
        help="for the rollout guide (docs/bulk.md): write its clinics.csv and reseller.db into "
        "the current directory (replacing them) and make its first imports of clinics 1, 3 and "
        "5 fail as the guide shows",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)

    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    fake = FakeNixflex(latency=args.latency, seed=args.seed)
    if args.no_rate_limits:
        fake.rate_limits = None
    _docs_world.seed(fake, api_key=args.api_key)
    written: list[Path] = []
    if args.rollout:
        _docs_world.arm_rollout_faults(fake)
        try:
            written = _docs_world.write_rollout_files(Path.cwd())
        except OSError as exc:
            print(f"error: cannot write the rollout guide's files: {exc}", file=sys.stderr)
            return 2
    try:
        server = fake.serve(host=args.host, port=args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with server:
        world = _docs_world
        lines = [
            f"Nixflex emulator listening on {server.url}, with the docs' example data. For .env:",
            f"NIXFLEX_BASE_URL={server.url}",
            f"NIXFLEX_API_KEY={args.api_key}",
            f"  agents:         {world.AGENT_ID}, {world.OTHER_AGENT_ID}",
            f"  Twilio account: {world.TWILIO_SID} (token {world.TWILIO_TOKEN})",
            f"  Twilio numbers: {world.PHONE_NUMBER} and {world.CLINICS_IN_TWILIO} clinics, "
            f"{world.clinic(1)['phone_number']} on (none imported yet)",
            f"  numbers:        {world.NUMBER_ID} ({world.NUMBER_PHONE}) with "
            f"{world.MESSAGE_COUNT} messages, and 4 more",
        ]
        if written:
            failing = sorted([world.ROLLOUT_ANSWER_LOST, *world.ROLLOUT_UNAVAILABLE])
            numbers = [world.clinic(n)["phone_number"] for n in failing]
            lines += [
                f"  rollout guide:  {' and '.join(path.name for path in written)} written in "
                f"{written[0].parent}; the first",
                f"                  imports of {', '.join(numbers[:-1])} and {numbers[-1]} fail "
                "as the guide shows",
            ]
        lines.append("Press Ctrl-C to stop.")
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
