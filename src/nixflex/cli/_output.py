"""Models on stdout: a table for people, JSON, JSON lines or CSV for programs.

Every format takes its values from the model's `to_dict()`: the keys are the attribute names
(`from_` for a message's sender) and timestamps ISO 8601, whatever the format. In CSV and tables
`None` is an empty cell and booleans are `true`/`false`. JSON lines and CSV are written as the
items arrive, so `numbers messages ... -o jsonl` streams a long history page by page.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import attrs
import click

__all__ = [
    "LIST_FORMATS",
    "ONE_FORMATS",
    "output_option",
    "print_list",
    "print_one",
    "print_table",
]

LIST_FORMATS = ("table", "json", "jsonl", "csv")
ONE_FORMATS = ("table", "json")

F = TypeVar("F", bound=Callable[..., Any])


def output_option(formats: Sequence[str] = LIST_FORMATS) -> Callable[[F], F]:
    """`-o/--output FORMAT`, a table by default."""
    return click.option(
        "-o",
        "--output",
        type=click.Choice(formats),
        default="table",
        show_default=True,
        help="How to print the result.",
    )


def print_list(
    items: Iterable[Any], model: type, output: str, *, columns: Sequence[str] | None = None
) -> None:
    """Print `items` (models of class `model`); `columns` picks the table's columns."""
    names = _field_names(model)
    if output == "json":
        click.echo(json.dumps([item.to_dict() for item in items], indent=2, ensure_ascii=False))
    elif output == "jsonl":
        for item in items:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
    elif output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        for item in items:
            row = item.to_dict()
            writer.writerow([_cell(row.get(name)) for name in names])
    else:
        shown = list(columns or names)
        print_table(shown, [[_cell(item.to_dict().get(name)) for name in shown] for item in items])


def print_one(item: Any, output: str) -> None:
    """Print one model: every field, one per row of a two-column table, or a JSON object."""
    fields = item.to_dict()
    if output == "json":
        click.echo(json.dumps(fields, indent=2, ensure_ascii=False))
    else:
        print_table(
            ["field", "value"],
            [[name, _cell(value)] for name, value in fields.items()],
            cut_at=None,
        )


def _field_names(model: type) -> list[str]:
    # A field kept out of the repr is a secret: it is kept out of every output too.
    return [field.name for field in attrs.fields(model) if field.repr]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[str]], *, cut_at: int | None = 40
) -> None:
    """Print `rows` (cells as text) under `columns`, for a person to read.

    A cell longer than `cut_at` (a profile, an SMS) is cut with an ellipsis, so each row is one
    line; ids, numbers and timestamps are shorter. `cut_at=None` wraps long cells instead. On
    a terminal the table fits its width; in a pipe or a file no cell is cut to fit a width.
    """
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE, pad_edge=False, show_edge=False)
    for name in columns:
        if cut_at is None:
            table.add_column(name, overflow="fold")
        else:
            table.add_column(name, overflow="ellipsis", no_wrap=True, max_width=cut_at)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # Text: the data is never read as markup
    console = Console(markup=False, highlight=False, emoji=False)
    if console.is_terminal:
        console.print(table)
        return
    buffer = io.StringIO()
    console = Console(file=buffer, width=10_000, color_system=None, markup=False, emoji=False)
    console.print(table)
    click.echo("\n".join(line.rstrip() for line in buffer.getvalue().splitlines()))
