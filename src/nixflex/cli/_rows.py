"""The CSV files of the bulk commands: read and checked whole, failed rows written back.

A file is read whole and checked before anything is sent: an unknown column (a misspelt
`custom_promt` would otherwise be dropped silently) or a row with more cells than the header is
a usage error. The failed rows are written back with the input's header and cells unchanged, so
the file they land in is the input of a second run.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import attrs
import click

__all__ = ["Rows", "read_rows", "write_rows"]


@attrs.frozen
class Rows:
    """A CSV file's rows (cells as text), with the line each one is on."""

    path: Path
    header: list[str]
    rows: list[dict[str, str]]
    lines: list[int]

    def where(self, index: int) -> str:
        """`line 7 (+442011110007)`: where row `index` is, for a person to find it."""
        number = self.rows[index].get("phone_number", "")
        return f"line {self.lines[index]}" + (f" ({number})" if number else "")


def read_rows(
    path: Path, *, columns: Sequence[str], required: Sequence[str], param: str = "--csv"
) -> Rows:
    """The rows of the CSV file at `path`, whose header names only `columns`, all `required`."""

    def refuse(problem: str) -> click.BadParameter:
        return click.BadParameter(f"{path}: {problem}", param_hint=param)

    # utf-8-sig: a spreadsheet's "CSV UTF-8" export starts with a byte-order mark.
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        header = list(reader.fieldnames or [])
        if not header:
            raise refuse("the file is empty; its first line names the columns")
        unknown = [name for name in header if name not in columns]
        missing = [name for name in required if name not in header]
        if unknown or missing or len(set(header)) != len(header):
            problems = [f"unknown columns {unknown}"] * bool(unknown)
            problems += [f"missing columns {missing}"] * bool(missing)
            problems += ["a column is named twice"] * (len(set(header)) != len(header))
            raise refuse(f"{'; '.join(problems)} (the columns are {', '.join(columns)})")
        rows: list[dict[str, str]] = []
        lines: list[int] = []
        for row in reader:
            # line_num: the row's last line (blank lines are skipped, not counted as rows).
            if None in row:
                raise refuse(f"line {reader.line_num} has more cells than the header")
            rows.append({name: value or "" for name, value in row.items()})
            lines.append(reader.line_num)
    return Rows(path, header, rows, lines)


def write_rows(path: Path, header: Sequence[str], rows: Sequence[dict[str, str]]) -> None:
    """Write `rows` as CSV to `path`, readable by its owner only: a row may hold a token."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(header))
        writer.writeheader()
        writer.writerows(rows)
