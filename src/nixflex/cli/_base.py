"""What every command shares: the client, errors as one line and an exit code, confirmation.

Exit codes: 0 success; 1 an API error, or a bulk run with any failed item; 2 bad usage (Click's
own usage errors, an argument the SDK refuses, no API key).
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import click

import nixflex

__all__ = [
    "Group",
    "State",
    "confirm",
    "debug_logging",
    "describe",
    "keyword_arguments",
    "yes_option",
]

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


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def keyword_arguments(
    method: Callable[..., Any], pairs: Sequence[str], clear: Sequence[str], *, noun: str
) -> dict[str, Any]:
    """`--set KEY=VALUE` and `--clear KEY` as `method`'s keyword arguments (`None` to clear).

    The keys are `method`'s keyword-only parameters, read from its signature, so a setting or
    field the SDK learns is a key here at once. A value is converted by the parameter's
    annotation: `bool` takes true/false (yes/no, on/off, 1/0), `int`/`float` a number,
    anything else text. `noun` names a key in messages ("setting", "field").
    """
    parameters = inspect.signature(method).parameters
    accepted = {
        name: str(parameter.annotation)
        for name, parameter in parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    arguments: dict[str, Any] = {}

    def add(key: str, value: Any, option: str) -> None:
        if key not in accepted:
            raise click.BadParameter(
                f"unknown {noun} {key!r}; the {noun}s are {', '.join(sorted(accepted))}",
                param_hint=option,
            )
        if key in arguments:
            raise click.BadParameter(f"{key} is given twice", param_hint=option)
        arguments[key] = value

    for pair in pairs:
        key, sign, text = pair.partition("=")
        if not sign or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        key = key.strip()
        add(key, _convert(key, accepted.get(key, "str"), text), "--set")
    for key in clear:
        add(key.strip(), None, "--clear")
    if not arguments:
        raise click.UsageError("nothing to change: give --set KEY=VALUE or --clear KEY")
    return arguments


def _convert(key: str, annotation: str, text: str) -> Any:
    if re.search(r"\bbool\b", annotation):
        if text.strip().lower() in _TRUE + _FALSE:
            return text.strip().lower() in _TRUE
        raise click.BadParameter(f"{key} takes true or false, got {text!r}", param_hint="--set")
    if re.search(r"\b(int|float)\b", annotation) and not re.search(r"\bstr\b", annotation):
        try:
            number = float(text)
        except ValueError:
            raise click.BadParameter(
                f"{key} takes a number, got {text!r}", param_hint="--set"
            ) from None
        return number if "float" in annotation or not number.is_integer() else int(number)
    return text
