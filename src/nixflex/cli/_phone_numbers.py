"""`nixflex phone-numbers ...`: your own Twilio numbers on agents (`client.phone_numbers`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import click

import nixflex

from ._base import Group, State, confirm, describe, keyword_arguments, yes_option
from ._output import ONE_FORMATS, output_option, print_list, print_one, print_table
from ._rows import Rows, read_rows, write_rows

__all__ = ["phone_numbers"]

# What `list` shows in a table; `-o json|jsonl|csv` has every field.
TABLE = ("phone_number", "agent_id", "custom_prompt", "created_at")
# An import's columns are `create`'s keyword names (`ImportRequest`'s fields) for a Twilio
# number: a file imports Twilio numbers only (Telnyx ones: `import_many` in Python).
IMPORT_COLUMNS = tuple(
    field.name
    for field in attrs.fields(nixflex.ImportRequest)
    if not field.name.startswith("telnyx_")
)
IMPORT_REQUIRED = (
    *(f.name for f in attrs.fields(nixflex.ImportRequest) if f.default is attrs.NOTHING),
    "twilio_sid",
    "twilio_token",
)
PROFILE_COLUMNS = ("phone_number", "custom_prompt")

_CSV_IN = click.Path(exists=True, dir_okay=False, path_type=Path)
_CSV_OUT = click.Path(dir_okay=False, path_type=Path)


@click.group("phone-numbers", cls=Group)
def phone_numbers() -> None:
    """Your own Twilio numbers, attached to agents."""


@phone_numbers.command("list")
@click.option("--agent-id", help="Only the numbers this agent answers.")
@output_option()
@click.pass_obj
def list_(state: State, *, agent_id: str | None, output: str) -> None:
    """List the numbers attached to your agents, newest first."""
    numbers = state.client().phone_numbers.list(agent_id=agent_id)
    print_list(numbers, nixflex.PhoneNumber, output, columns=TABLE)


@phone_numbers.command()
@click.argument("number")
@output_option(ONE_FORMATS)
@click.pass_obj
def show(state: State, *, number: str, output: str) -> None:
    """Show every setting of one attached NUMBER (E.164, e.g. +447446466847)."""
    found = [n for n in state.client().phone_numbers.list() if n.phone_number == number]
    if not found:
        raise click.ClickException(f"{number} is not attached to any of your agents")
    print_one(found[0], output)


@phone_numbers.command("import")
@click.option("--csv", "csv_path", required=True, type=_CSV_IN, help="The numbers to import.")
@click.option(
    "--concurrency", default=8, show_default=True, type=click.IntRange(min=1), help="In flight."
)
@click.option("--dry-run", is_flag=True, help="Check the file and show it; send nothing.")
@click.option("--failed", "failed_path", type=_CSV_OUT, help="Write the failed rows here.")
@click.pass_obj
def import_(
    state: State, *, csv_path: Path, concurrency: int, dry_run: bool, failed_path: Path | None
) -> None:
    """Import the numbers of a CSV file and attach each to its agent.

    The columns are `create`'s arguments: phone_number, twilio_sid, twilio_token, agent_id and,
    optionally, custom_prompt (an empty cell sends none). One failed row never stops the rest;
    each failure is one line on stderr, and --failed writes the failed rows to a CSV file to
    run again. Exits 1 if any row failed.
    """
    rows = read_rows(csv_path, columns=IMPORT_COLUMNS, required=IMPORT_REQUIRED)
    requests = [_import_request(row) for row in rows.rows]
    if dry_run:
        shown = [name for name in IMPORT_COLUMNS if name != "twilio_token"]
        print_table(shown, [[getattr(r, name) or "" for name in shown] for r in requests])
        click.echo(f"{len(requests)} rows checked; nothing was sent.")
        return
    client = state.client()
    with _progress("importing", len(requests)) as progress:
        result = client.phone_numbers.import_many(
            requests, concurrency=concurrency, progress=progress
        )
    _finish(result, rows, done="imported", failed_path=failed_path)


@phone_numbers.command()
@click.argument("number")
@click.option(
    "--set", "pairs", multiple=True, metavar="KEY=VALUE", help="A setting to change (repeat)."
)
@click.option("--clear", multiple=True, metavar="KEY", help="A setting to clear (sends null).")
@output_option(ONE_FORMATS)
@click.pass_obj
def update(
    state: State, *, number: str, pairs: tuple[str, ...], clear: tuple[str, ...], output: str
) -> None:
    """Change the settings of NUMBER: only the ones given change.

    `--set custom_prompt="Business: Smile Dental."` sets the business profile; `--clear
    custom_prompt` removes it. KEY is any setting `client.phone_numbers.update` takes.
    """
    settings = keyword_arguments(nixflex.PhoneNumbers.update, pairs, clear, noun="setting")
    print_one(state.client().phone_numbers.update(number, **settings), output)


@phone_numbers.command("sync-profiles")
@click.option(
    "--csv", "csv_path", required=True, type=_CSV_IN, help="phone_number,custom_prompt rows."
)
@click.option(
    "--concurrency", default=8, show_default=True, type=click.IntRange(min=1), help="In flight."
)
@click.option("--dry-run", is_flag=True, help="Check the file and show it; send nothing.")
@click.option("--failed", "failed_path", type=_CSV_OUT, help="Write the failed rows here.")
@click.pass_obj
def sync_profiles(
    state: State, *, csv_path: Path, concurrency: int, dry_run: bool, failed_path: Path | None
) -> None:
    """Set the business profile of every number in a CSV file (phone_number, custom_prompt).

    An empty custom_prompt clears the number's profile. Failures are reported and written back
    as for import; exits 1 if any row failed.
    """
    rows = read_rows(csv_path, columns=PROFILE_COLUMNS, required=PROFILE_COLUMNS)
    profiles: dict[str, str | None] = {}
    for index, row in enumerate(rows.rows):
        if row["phone_number"] in profiles:
            raise click.BadParameter(
                f"{csv_path}: {rows.where(index)} repeats a number", param_hint="--csv"
            )
        profiles[row["phone_number"]] = row["custom_prompt"] or None
    if dry_run:
        print_table(
            PROFILE_COLUMNS, [[n, "(clear)" if p is None else p] for n, p in profiles.items()]
        )
        click.echo(f"{len(profiles)} rows checked; nothing was sent.")
        return
    client = state.client()
    with _progress("syncing", len(profiles)) as progress:
        result = client.phone_numbers.sync_profiles(
            profiles, concurrency=concurrency, progress=progress
        )
    _finish(result, rows, done="synced", failed_path=failed_path)


@phone_numbers.command()
@click.argument("number")
@yes_option()
@click.pass_obj
def delete(state: State, *, number: str, yes: bool) -> None:
    """Detach NUMBER from its agent; it stays in your Twilio account."""
    confirm(f"Detach {number} from its agent (its Twilio webhooks are cleared)?", yes=yes)
    state.client().phone_numbers.delete(number)
    click.echo(f"Detached {number}.")


@phone_numbers.command()
@click.argument("number")
@click.argument("state_", metavar="[on|off]", required=False, type=click.Choice(["on", "off"]))
@click.pass_obj
def monitor(state: State, *, number: str, state_: str | None) -> None:
    """Show NUMBER's live monitoring, or turn it on or off.

    While it is on, the number's calls bill at a premium rate.
    """
    calls = state.client().phone_numbers
    enabled = (
        calls.get_monitor(number) if state_ is None else calls.set_monitor(number, state_ == "on")
    )
    click.echo(f"{number}: monitoring {'on' if enabled else 'off'}")


@phone_numbers.command("web-calls")
@click.argument("number")
@click.argument("state_", metavar="[on|off]", required=False, type=click.Choice(["on", "off"]))
@click.pass_obj
def web_calls(state: State, *, number: str, state_: str | None) -> None:
    """Show whether NUMBER takes browser (web) calls, or turn them on or off.

    While they are on, the number's calls bill at a premium rate.
    """
    calls = state.client().phone_numbers
    enabled = (
        calls.get_web_calls(number)
        if state_ is None
        else calls.set_web_calls(number, state_ == "on")
    )
    click.echo(f"{number}: web calls {'on' if enabled else 'off'}")


@phone_numbers.command()
@click.argument("number")
@click.option("--set", "url", metavar="URL", help="Send NUMBER's call data to this https:// URL.")
@click.option("--delete", is_flag=True, help="Stop sending NUMBER's call data to the slot.")
@click.option("--slot", type=click.IntRange(1, 2), default=1, show_default=True)
@click.pass_obj
def webhook(state: State, *, number: str, url: str | None, delete: bool, slot: int) -> None:
    """Show NUMBER's webhook URL (slot 1 or 2), or set or delete it."""
    if url is not None and delete:
        raise click.UsageError("pass --set URL or --delete, not both")
    webhooks = state.client().webhooks
    if delete:
        webhooks.delete(number, slot=slot)
        click.echo(f"{number}: webhook slot {slot} cleared")
        return
    config = (
        webhooks.get(number, slot=slot) if url is None else webhooks.set(number, url, slot=slot)
    )
    click.echo(
        f"{number}: webhook slot {slot} {config.webhook_url if config.is_set else 'not set'}"
    )


# --- helpers ---------------------------------------------------------------------------------


def _import_request(row: dict[str, str]) -> nixflex.ImportRequest:
    # An empty optional cell is left out; an empty required one is sent, and the API's
    # missing_field makes that row fail like any other.
    fields = {name: value for name, value in row.items() if value or name in IMPORT_REQUIRED}
    return nixflex.ImportRequest(**fields)


@contextmanager
def _progress(
    label: str, total: int
) -> Iterator[Callable[[int, int, nixflex.BulkItem[Any, Any]], None] | None]:
    """A progress bar on stderr when it is a terminal; `None` (no bar) otherwise."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(label, total=total)
        failed = 0

        def update(done: int, total: int, item: nixflex.BulkItem[Any, Any]) -> None:
            nonlocal failed
            failed += not item.ok
            suffix = f" ({failed} failed)" if failed else ""
            bar.update(task, completed=done, description=label + suffix)

        yield update


def _finish(
    result: nixflex.BulkResult[Any, Any],
    rows: Rows,
    *,
    done: str,
    failed_path: Path | None,
) -> None:
    """One line per failure on stderr, the failed rows to `failed_path`, a summary; exit 1."""
    failed = result.failed
    for item in failed:
        click.echo(f"{rows.where(item.index)}: {describe(item.error)}", err=True)
    if failed_path is not None:
        # Written even when nothing failed: the file holds this run's failures, never a
        # previous run's.
        write_rows(failed_path, rows.header, [rows.rows[item.index] for item in failed])
    summary = f"{len(result) - len(failed)} {done}, {len(failed)} failed"
    if failed:
        summary += (
            f"; the failed rows are in {failed_path}"
            if failed_path is not None
            else "; --failed FILE keeps the failed rows for a second run"
        )
    click.echo(summary)
    if failed:
        click.get_current_context().exit(1)
