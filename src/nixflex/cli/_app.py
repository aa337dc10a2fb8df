"""The root command, `nixflex`: its options and the groups under it."""

from __future__ import annotations

import click

from .._version import __version__
from ._base import Group, State, debug_logging
from ._callers import callers
from ._emulator import emulator
from ._numbers import numbers
from ._phone_numbers import phone_numbers

__all__ = ["app"]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--api-key",
    metavar="KEY_ID:KEY_SECRET",
    help="Default: NIXFLEX_API_KEY (or NIXFLEX_KEY_ID and NIXFLEX_KEY_SECRET). Prefer those: "
    "an argument shows in the shell's history.",
)
@click.option("--base-url", metavar="URL", help="Default: NIXFLEX_BASE_URL, else the API's.")
@click.option("--debug", is_flag=True, help="Log each request, and show tracebacks.")
@click.version_option(__version__, prog_name="nixflex")
@click.pass_context
def app(ctx: click.Context, *, api_key: str | None, base_url: str | None, debug: bool) -> None:
    """Nixflex from a terminal: numbers in and out as CSV or JSON, bulk rollouts, the emulator.

    Exit status: 0 success; 1 an API error, or any failed row of a bulk command; 2 bad usage
    or no API key.
    """
    ctx.obj = State(api_key=api_key, base_url=base_url, debug=debug)
    if debug:
        debug_logging(ctx)


app.add_command(phone_numbers)
app.add_command(numbers)
app.add_command(callers)
app.add_command(emulator)
