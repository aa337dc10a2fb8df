"""What every command shares: the client, errors as one line and an exit code, confirmation.

Exit codes: 0 success; 1 an API error, or a bulk run with any failed item; 2 bad usage (Click's
own usage errors, an argument the SDK refuses, no API key).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import click

import nixflex

__all__ = ["Group", "State", "confirm", "debug_logging", "describe", "yes_option"]

F = TypeVar("F", bound=Callable[..., Any])


@attrs.define
class State:
    """The root command's options, and the one client the command makes from them."""

    api_key: str | None = attrs.field(default=None, repr=False)
    base_url: str | None = None
    debug: bool = False
    _client: nixflex.Client | None = attrs.field(default=None, init=False, repr=False)

    def client(self) -> nixflex.Client:
        """The client, made on first use (a command that needs none needs no key)."""
        if self._client is None:
            try:
                client = nixflex.Client(api_key=self.api_key, base_url=self.base_url)
            except (nixflex.NixflexError, ValueError) as exc:
                # No key, a key without its secret, a base URL that is not http(s): all usage.
                raise click.UsageError(str(exc)) from None
            click.get_current_context().find_root().call_on_close(client.close)
            self._client = client
        return self._client


def describe(error: BaseException | None) -> str:
    """One line: the class, then `[status code] message (request_id=...)` for API errors.

    The SDK masks the secrets it sent (the key, a Twilio token) in its errors' messages, so the
    line holds none of them.
    """
    if error is None:
        return "no error"
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Group(click.Group):
    """A command group that turns the SDK's errors into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except nixflex.NixflexError as exc:
            _show_traceback(ctx, exc)
            click.echo(f"Error: {describe(exc)}", err=True)
            ctx.exit(1)
        except ValueError as exc:
            # The SDK refuses an argument it cannot send (a blank number, `..`) before sending
            # anything, naming the argument, never its value.
            _show_traceback(ctx, exc)
            raise click.UsageError(str(exc), ctx) from None


def _show_traceback(ctx: click.Context, error: BaseException) -> None:
    state = ctx.find_object(State)
    if state is not None and state.debug:
        click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)


def debug_logging(ctx: click.Context) -> None:
    """The SDK's DEBUG log (each request; no secret in any line) on stderr, for this command."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logger = logging.getLogger("nixflex")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def restore() -> None:  # the command may run inside a program (a test) that goes on
        logger.removeHandler(handler)
        logger.setLevel(level)

    ctx.call_on_close(restore)


def yes_option() -> Callable[[F], F]:
    """`--yes`: do it without asking."""
    return click.option("--yes", "-y", is_flag=True, help="Do it without asking first.")


def confirm(question: str, *, yes: bool) -> None:
    """Ask `question` unless `--yes` was given; no (or no terminal to ask on) aborts: exit 1."""
    if not yes:
        click.confirm(question, abort=True, err=True)
