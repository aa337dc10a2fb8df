"""`nixflex callers ...`: what the agent knows about each caller of a number (`client.callers`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

import nixflex

from ._base import Group, State, confirm, describe, keyword_arguments, yes_option
from ._output import ONE_FORMATS, output_option, print_table
from ._rows import Rows, read_rows, write_rows

__all__ = ["callers"]

# The columns of an import file: the caller's number and the fields `callers.set` takes.
FIELDS = ("name", "email", "phone", "location", "reference_id", "preference")
IMPORT_COLUMNS = ("caller_number", *FIELDS)
ENGINE_FIELDS = ("last_call", "open_item")
BATCH = 1_000  # the most rows one import request may carry

_CSV_IN = click.Path(exists=True, dir_okay=False, path_type=Path)
_CSV_OUT = click.Path(dir_okay=False, path_type=Path)


@click.group(cls=Group)
def callers() -> None:
    """What your agents know about each caller of your numbers (caller context)."""


@callers.command()
@click.argument("number")
@click.argument("caller")
@output_option(ONE_FORMATS)
@click.pass_obj
def show(state: State, *, number: str, caller: str, output: str) -> None:
    """Show what is kept about CALLER on your NUMBER (both E.164, e.g. +447446466847)."""
    _print_caller(state.client().callers.get(number, caller), output)


@callers.command("set")
@click.argument("number")
@click.argument("caller")
@click.option(
    "--set", "pairs", multiple=True, metavar="KEY=VALUE", help="A field to write (repeat)."
)
@click.option("--clear", multiple=True, metavar="KEY", help="A field to remove (sends null).")
@output_option(ONE_FORMATS)
@click.pass_obj
def set_(
    state: State,
    *,
    number: str,
    caller: str,
    pairs: tuple[str, ...],
    clear: tuple[str, ...],
    output: str,
) -> None:
    """Write fields of CALLER's context on NUMBER: only the ones given change.

    `--set name="Ada Lovelace" --set reference_id=crm_1042` writes two fields; `--clear email`
    removes one. KEY is name, email, phone, location, reference_id or preference (last_call
    and open_item are the engine's).
    """
    for key in (*(pair.partition("=")[0] for pair in pairs), *clear):
        if key.strip() in ENGINE_FIELDS:
            raise click.BadParameter(
                f"{key.strip()} is written by Nixflex's engine only, never by a request",
                param_hint="--clear" if key in clear else "--set",
            )
    fields = keyword_arguments(nixflex.Callers.set, pairs, clear, noun="field")
    _print_caller(state.client().callers.set(number, caller, **fields), output)


@callers.command()
@click.argument("number")
@click.argument("caller")
@yes_option()
@click.pass_obj
def delete(state: State, *, number: str, caller: str, yes: bool) -> None:
    """Forget everything kept about CALLER on NUMBER, the engine's notes included."""
    confirm(f"Forget everything kept about {caller} on {number}?", yes=yes)
    state.client().callers.delete(number, caller)
    click.echo(f"Forgot {caller} on {number}.")


@callers.command("import")
@click.argument("number")
@click.option("--csv", "csv_path", required=True, type=_CSV_IN, help="The callers to write.")
@click.option("--dry-run", is_flag=True, help="Check the file and show it; send nothing.")
@click.option("--failed", "failed_path", type=_CSV_OUT, help="Write the rows not imported here.")
@click.pass_obj
def import_(
    state: State, *, number: str, csv_path: Path, dry_run: bool, failed_path: Path | None
) -> None:
    """Write the callers of a CSV file as caller context on NUMBER.

    The columns are caller_number and any of name, email, phone, location, reference_id and
    preference; an empty cell leaves that field as it is. The file is sent in batches of
    1,000 rows; the API writes a batch whole or not at all, so one bad row fails its batch.
    Each failed batch is one line on stderr, and --failed writes its rows to a CSV file to run
    again. Exits 1 if any batch failed.
    """
    rows = read_rows(csv_path, columns=IMPORT_COLUMNS, required=("caller_number",))
    for index, row in enumerate(rows.rows):
        if not row["caller_number"].strip():
            raise click.BadParameter(
                f"{csv_path}: line {rows.lines[index]} has no caller_number", param_hint="--csv"
            )
    # An empty cell leaves its field as it is: it is not sent.
    items = [{name: value for name, value in row.items() if value} for row in rows.rows]
    if dry_run:
        print_table(rows.header, [[row[name] for name in rows.header] for row in rows.rows])
        click.echo(f"{len(items)} rows checked; nothing was sent.")
        return
    client = state.client()
    imported, failed = 0, list[int]()
    for start in range(0, len(items), BATCH):
        batch = range(start, min(start + BATCH, len(items)))
        try:
            imported += client.callers.import_many(number, [items[i] for i in batch])
        except nixflex.NixflexError as exc:
            click.echo(f"{_lines(rows, batch)}: {describe(exc)}", err=True)
            failed.extend(batch)
    if failed_path is not None:
        write_rows(failed_path, rows.header, [rows.rows[index] for index in failed])
    summary = f"{imported} imported, {len(failed)} not imported"
    if failed:
        summary += (
            f"; those rows are in {failed_path}"
            if failed_path is not None
            else "; --failed FILE keeps those rows for a second run"
        )
    click.echo(summary)
    if failed:
        click.get_current_context().exit(1)


def _lines(rows: Rows, batch: range) -> str:
    return f"lines {rows.lines[batch[0]]}-{rows.lines[batch[-1]]}"


def _print_caller(caller: nixflex.Caller, output: str) -> None:
    """A caller as JSON (nested, as `to_dict()` gives it) or one table row per field."""
    fields: dict[str, Any] = caller.to_dict()
    if output == "json":
        click.echo(json.dumps(fields, indent=2, ensure_ascii=False))
        return
    context = fields.pop("context")
    rows = [[name, str(value)] for name, value in fields.items()]
    rows += [
        [name, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)]
        for name, value in context.items()
        if value is not None
    ]
    print_table(["field", "value"], rows, cut_at=None)
