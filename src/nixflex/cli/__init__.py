"""The `nixflex` command: the SDK from a terminal (`pip install 'nixflex[cli]'`).

```text
nixflex [--api-key KEY] [--base-url URL] [--debug] COMMAND ...
  phone-numbers  list | show | import | update | sync-profiles | delete
  numbers        list | create | release | messages
  emulator       the API emulator on a loopback port
```

Where things are: `_app.py` is the root command, and gathers the groups; `_base.py` holds what
every command shares (the client made from the options, the one-line error and its exit code,
confirmation); `_output.py` prints models as a table, JSON, JSON lines or CSV; `_rows.py` reads
and writes the CSV files of the bulk commands. Each group is one module (`_phone_numbers.py`,
`_numbers.py`, `_emulator.py`) and each command one function in it: a new SDK call becomes a
command by adding a function under its group's decorator.

Importing `nixflex` never imports this package, nor Click or Rich: only the console script and
`python -m nixflex` do.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the `nixflex` command with `argv` (default: the process's arguments); exits."""
    try:
        from ._app import app
    except ModuleNotFoundError as exc:
        if exc.name not in ("click", "rich"):
            raise
        sys.stderr.write(
            f"Error: the nixflex command needs {exc.name}, which is not installed: "
            "pip install 'nixflex[cli]'\n"
        )
        raise SystemExit(2) from None
    app.main(args=list(argv) if argv is not None else None, prog_name="nixflex")
