"""`nixflex emulator`: the API emulator on a loopback port, as `python -m nixflex.testing`."""

from __future__ import annotations

import click

__all__ = ["emulator"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8787, show_default=True, type=click.IntRange(0, 65535), help="0: any."
)
@click.option("--seed", type=int, help="Make the generated ids the same on every run.")
@click.option("--latency", default=0.0, type=click.FloatRange(min=0), help="Seconds per request.")
@click.option(
    "--no-rate-limits", is_flag=True, help="Do not hold each key to 600 reads, 120 writes a minute."
)
@click.option(
    "--rollout",
    is_flag=True,
    help="Write the rollout guide's clinics.csv and reseller.db here, and arm its failures.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log each request to stderr.")
@click.pass_context
def emulator(
    ctx: click.Context,
    *,
    host: str,
    port: int,
    seed: int | None,
    latency: float,
    no_rate_limits: bool,
    rollout: bool,
    verbose: bool,
) -> None:
    """Serve a seeded API emulator until Ctrl-C, printing the .env lines to point an app at it.

    The data is the world the docs are written in (the key KEY_ID:KEY_SECRET, two agents, the
    Twilio accounts with +447446466847 and the clinics' numbers, num_xyz789 and its
    messages), the same on every run; nothing is imported yet.
    """
    from nixflex.testing.__main__ import main as serve

    argv = ["--host", host, "--port", str(port), "--latency", str(latency)]
    argv += ["--seed", str(seed)] * (seed is not None) + ["--verbose"] * verbose
    argv += ["--no-rate-limits"] * no_rate_limits + ["--rollout"] * rollout
    ctx.exit(serve(argv))
