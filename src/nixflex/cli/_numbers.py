"""`nixflex numbers ...`: numbers bought through Nixflex, and their SMS (`client.numbers`)."""

from __future__ import annotations

from itertools import islice

import click

import nixflex

from ._base import Group, State, confirm, yes_option
from ._output import ONE_FORMATS, output_option, print_list, print_one

__all__ = ["numbers"]

TABLE = ("id", "phone_number", "country", "status", "agent_id", "created_at")
MESSAGE_TABLE = ("received_at", "from_", "to", "body")
_LIMIT = click.IntRange(min=1)


@click.group(cls=Group)
def numbers() -> None:
    """Numbers provisioned (bought) through Nixflex, and their SMS history."""


@numbers.command("list")
@click.option("--limit", type=_LIMIT, help="At most this many numbers (default: all).")
@output_option()
@click.pass_obj
def list_(state: State, *, limit: int | None, output: str) -> None:
    """List your provisioned numbers."""
    pages = state.client().numbers.list(limit=min(limit or 100, 100))
    print_list(islice(pages, limit), nixflex.Number, output, columns=TABLE)


@numbers.command()
@click.option("--country", default="US", show_default=True, help="Two-letter country code.")
@click.option("--agent-id", help="The agent to answer it.")
@click.option("--area-code", help="A US or CA number in this area code, e.g. 415.")
@yes_option()
@output_option(ONE_FORMATS)
@click.pass_obj
def create(
    state: State,
    *,
    country: str,
    agent_id: str | None,
    area_code: str | None,
    yes: bool,
    output: str,
) -> None:
    """Buy a new number (it costs money) and attach it to an agent."""
    confirm(f"Buy a new {country} number? It costs money.", yes=yes)
    number = state.client().numbers.create(country=country, agent_id=agent_id, area_code=area_code)
    print_one(number, output)


@numbers.command()
@click.argument("number_id")
@yes_option()
@click.pass_obj
def release(state: State, *, number_id: str, yes: bool) -> None:
    """Release the number NUMBER_ID (e.g. num_xyz789). It cannot be undone."""
    confirm(f"Release {number_id}? It cannot be undone: the number is gone for good.", yes=yes)
    state.client().numbers.release(number_id)
    click.echo(f"Released {number_id}.")


@numbers.command()
@click.argument("number_id")
@click.option("--limit", type=_LIMIT, help="At most this many messages (default: all).")
@click.option("--before", metavar="TIME", help="Only messages received before (ISO 8601).")
@click.option("--after", metavar="TIME", help="Only messages received after (ISO 8601).")
@output_option()
@click.pass_obj
def messages(
    state: State,
    *,
    number_id: str,
    limit: int | None,
    before: str | None,
    after: str | None,
    output: str,
) -> None:
    """List the SMS received on NUMBER_ID, newest first."""
    pages = state.client().numbers.messages.list(
        number_id, limit=min(limit or 200, 200), before=before, after=after
    )
    print_list(islice(pages, limit), nixflex.Message, output, columns=MESSAGE_TABLE)
