"""What a notebook shows: HTML tables of models and lists of them, and pandas frames.

A leaf: it imports nothing else of nixflex, and nothing imports it until a notebook draws a table
or `to_pandas()` is called. Everything here is generic over attrs classes (`attrs.fields`): no
model has HTML of its own, so a field added to a model shows up in its table and its DataFrame
by itself.

- A field with `repr=False` (a secret, such as `ImportRequest.twilio_token`) is left out of
  both (and of `to_dict()`), by the rule attrs' own repr uses. A field with a callable `repr`
  shows what it returns.
- HTML is escaped with `html.escape`: a message body is untrusted input, and `<script>` in it must
  render as text. Text over `MAX_TEXT` characters (`MAX_CELL` in a list's table) is shortened,
  the full text in the cell's `title` (a tooltip), escaped too. No JavaScript, no stylesheet:
  inline styles only.
- A list's table fits a notebook (some 1,000 px): its columns add up to at most `MAX_WIDTH`
  characters, as far as they can be told from the text (`_width`). The fields that do not fit,
  the last ones, are named in the caption instead; one item's table shows them all, and so does
  `to_pandas()`. A header breaks after its underscores (`<wbr>`), so `voicemail_leave_enabled`
  over a column of `True`s is no wider than `voicemail_`.
- pandas is imported only when a DataFrame is asked for; it is the optional extra
  `nixflex[pandas]`.
"""

from __future__ import annotations

import contextlib
import html
import re
import types
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin

import attrs

if TYPE_CHECKING:
    import pandas as pd

    from ._bulk import BulkResult

T = TypeVar("T")

MAX_TEXT = 80
"""Text longer than this is shortened in a table (the full text is in the cell's tooltip)."""
MAX_CELL = 40
"""Text longer than this is shortened in a list's table, where a row should take a line or two."""
MAX_WIDTH = 120
"""The characters a list's table spans at most: some 1,000 px of a notebook's 13 px font."""
_PADDING = 2
"""A cell's padding, in characters (Jupyter pads each side by half the font size)."""
_WRAPPED = 20
"""The width counted for text that wraps at its spaces (a prompt, a message body)."""
MAX_ROWS = 200
"""Rows shown at most in one table: a page never holds more (messages: `limit` up to 200)."""

_LEFT = ' style="text-align:left"'
# Jupyter aligns cells right; a None shows as a dim dash rather than as the word.
_NONE = '<span style="opacity:0.4">—</span>'
_PANDAS_MISSING = "to_pandas() needs pandas, which is not installed: pip install 'nixflex[pandas]'"


# --- fields and values ---------------------------------------------------------------------------


def shown_fields(cls: type[Any]) -> tuple[attrs.Attribute[Any], ...]:
    """The fields of an attrs class that may be shown: all but those with `repr=False`."""
    return tuple(field for field in attrs.fields(cls) if field.repr is not False)


def _item_type(items: Sequence[Any], item_type: type[Any] | None) -> type[Any] | None:
    if item_type is None:
        # A `ModelList` knows its item type even when it is empty.
        item_type = getattr(items, "item_type", None)
    if item_type is None and items:
        item_type = type(items[0])
    if item_type is None:
        return None  # an empty list of an unknown type
    if not attrs.has(item_type):
        raise TypeError(f"expected nixflex models (attrs classes), got {item_type.__name__}")
    for item in items:
        if not isinstance(item, item_type):
            raise TypeError(
                f"expected a list of {item_type.__name__}, got a {type(item).__name__} in it"
            )
    return item_type


# --- HTML ----------------------------------------------------------------------------------------


def _text(value: object, field: attrs.Attribute[Any] | None) -> str | None:
    """What a cell says, before shortening; `None` for a missing value (a dim dash)."""
    if field is not None and callable(field.repr):
        return str(field.repr(value))
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def cell(value: object, field: attrs.Attribute[Any] | None = None, *, limit: int = MAX_TEXT) -> str:
    """The escaped HTML of one value: text over `limit` characters shortened, the full text in a
    tooltip.

    A field with a callable `repr` shows what that callable makes of the value, as attrs' repr
    does (it may mask or shorten the value on purpose).
    """
    text = _text(value, field)
    if text is None:
        return _NONE
    if isinstance(value, datetime) and (field is None or not callable(field.repr)):
        # A timestamp broken at its dashes is hard to read; it never needs to wrap.
        return f'<span style="white-space:nowrap">{html.escape(text)}</span>'
    if len(text) <= limit:
        return html.escape(text)
    short = text[: limit - 3] + "…"
    return f'<span title="{html.escape(text, quote=True)}">{html.escape(short)}</span>'


def _header_parts(name: str) -> list[str]:
    """A field's name cut after each underscore that has more of the name after it."""
    return re.split(r"(?<=_)(?=[^_])", name)


def _header(name: str) -> str:
    """A column's header, which may break after each underscore (`<wbr>`)."""
    return "<wbr>".join(html.escape(part) for part in _header_parts(name))


def _width(field: attrs.Attribute[Any], items: Sequence[Any]) -> int:
    """About how many characters wide a browser draws a field's column, at its narrowest.

    What cannot break sets it: the longest part of the header between underscores, an id, a
    number, a timestamp (which never wraps). Text with spaces wraps; it counts as `_WRAPPED`
    characters (or its length, if shorter), a width at which a shortened text takes two lines.
    """
    widest = max(len(part) for part in _header_parts(field.name))
    for item in items:
        value = getattr(item, field.name)
        text = _text(value, field)
        if text is None:
            continue
        text = text if len(text) <= MAX_CELL else text[: MAX_CELL - 3] + "…"
        if " " in text and not isinstance(value, datetime):
            widest = max(widest, min(len(text), _WRAPPED))
        else:
            widest = max(widest, len(text))
    return widest + _PADDING


def _columns(
    fields: Sequence[attrs.Attribute[Any]], items: Sequence[Any]
) -> tuple[Sequence[attrs.Attribute[Any]], Sequence[attrs.Attribute[Any]]]:
    """The fields a list's table shows, in order, while they fit in `MAX_WIDTH`; and the rest.

    The first field is always shown. The columns are a run from the first field, not the
    narrowest ones picked from anywhere: the table reads like the model, and what is missing
    is its last fields.
    """
    used = 0
    for shown, field in enumerate(fields):
        used += _width(field, items)
        if shown and used > MAX_WIDTH:
            return fields[:shown], fields[shown:]
    return fields, ()


def _caption(text: str) -> str:
    return f"<caption{_LEFT}>{html.escape(text)}</caption>"


def model_html(obj: Any) -> str:
    """One model as a two-column table: each shown field's name and value.

    A field holding a model (a caller's `context`) gives a row per field of it, named with a
    dot (`context.name`), as pandas' `json_normalize` names them.
    """
    rows = "".join(
        f"<tr><th{_LEFT}>{html.escape(name)}</th><td{_LEFT}>{cell(value, field)}</td></tr>"
        for name, value, field in _flat(obj)
    )
    return f"<table>{_caption(type(obj).__name__)}<tbody>{rows}</tbody></table>"


def _flat(obj: Any, prefix: str = "") -> Iterable[tuple[str, Any, attrs.Attribute[Any]]]:
    """(dotted name, value, field) of each shown field of `obj`, nested models expanded."""
    for field in shown_fields(type(obj)):
        value = getattr(obj, field.name)
        if attrs.has(type(value)):
            yield from _flat(value, f"{prefix}{field.name}.")
        else:
            yield f"{prefix}{field.name}", value, field


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def table_html(
    items: Sequence[Any], item_type: type[Any] | None = None, *, caption: str | None = None
) -> str:
    """Many models as one table: a column per shown field, a row per item.

    The caption names the model and the count (or `caption`, if given), and the fields left out
    for width (see `_columns`). At most `MAX_ROWS` rows are drawn; a last row says how many more
    there are.
    """
    cls = _item_type(items, item_type)
    name = cls.__name__ if cls is not None else "item"
    if caption is None:
        caption = _count(len(items), name)
    drawn = items[:MAX_ROWS]
    fields, left_out = _columns(shown_fields(cls) if cls is not None else (), drawn)
    if left_out:
        names = ", ".join(field.name for field in left_out)
        caption = f"{caption}; {_count(len(left_out), 'more field')}, not shown: {names}"
    head = "".join(f"<th{_LEFT}>{_header(field.name)}</th>" for field in fields)
    rows = [
        "<tr>"
        + "".join(
            f"<td{_LEFT}>{cell(getattr(item, f.name), f, limit=MAX_CELL)}</td>" for f in fields
        )
        + "</tr>"
        for item in drawn
    ]
    if len(items) > MAX_ROWS:
        hidden = len(items) - MAX_ROWS
        rows.append(
            f'<tr><td colspan="{max(len(fields), 1)}"{_LEFT}>… {_count(hidden, "more row")} '
            "not shown</td></tr>"
        )
    return (
        f"<table>{_caption(caption)}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def page_html(items: Sequence[Any], *, more: bool, total: int | None = None) -> str:
    """A page of a list as one table; its caption says whether more pages follow, and the
    list's total where the API sent one."""
    cls = _item_type(items, None)
    name = cls.__name__ if cls is not None else "item"
    of_total = "" if total is None else f" ({total} in all)"
    follows = "more pages follow: next_page()" if more else "the last page"
    caption = f"a page of {_count(len(items), name)}{of_total}; {follows}"
    return table_html(items, cls, caption=caption)


def bulk_html(result: BulkResult[Any, Any]) -> str:
    """A bulk call's outcomes as one table: each item's input, and `ok` or its error."""
    rows = []
    for item in result.items[:MAX_ROWS]:
        given = item.input
        shown = shown_fields(type(given)) if attrs.has(type(given)) else None
        if shown is not None:
            # The first field names the item (an ImportRequest's phone number); the rest, and
            # the token above all, stay out.
            given = getattr(given, shown[0].name) if shown else type(given).__name__
        if item.error is None:
            outcome, detail = "ok", ""
        else:
            outcome, detail = type(item.error).__name__, cell(str(item.error))
        rows.append(
            f"<tr><td{_LEFT}>{item.index}</td><td{_LEFT}>{cell(given)}</td>"
            f"<td{_LEFT}>{html.escape(outcome)}</td><td{_LEFT}>{detail}</td></tr>"
        )
    if len(result.items) > MAX_ROWS:
        hidden = len(result.items) - MAX_ROWS
        rows.append(
            f'<tr><td colspan="4"{_LEFT}>… {_count(hidden, "more row")} not shown</td></tr>'
        )
    failed = len(result.failed)
    caption = f"bulk result: {len(result.items) - failed} succeeded, {failed} failed"
    head = "".join(f"<th{_LEFT}>{name}</th>" for name in ("#", "input", "outcome", "error"))
    return (
        f"<table>{_caption(caption)}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# --- pandas --------------------------------------------------------------------------------------


def require_pandas() -> None:
    """Import pandas, or raise `ImportError` saying how to install it (before any request)."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise ImportError(_PANDAS_MISSING) from None


def _split_optional(type_: Any) -> tuple[Any, bool]:
    """`(X, True)` for `X | None` or `Optional[X]`, else `(type_, False)`."""
    if get_origin(type_) in (Union, types.UnionType):
        args = [arg for arg in get_args(type_) if arg is not type(None)]
        if len(args) == 1:
            return args[0], len(args) < len(get_args(type_))
    return type_, False


def _dtype(field: attrs.Attribute[Any]) -> str:
    """The pandas dtype of a field's column, from its annotation."""
    inner, optional = _split_optional(field.type)
    if inner is datetime:
        return "datetime64[ns, UTC]"
    if inner is bool:
        return "boolean" if optional else "bool"
    if inner is int:
        return "Int64" if optional else "int64"
    if inner is float:
        return "Float64" if optional else "float64"
    if inner is str:
        return "string"
    return "object"


def data_frame(items: Iterable[T], item_type: type[T] | None = None) -> pd.DataFrame:
    """`nixflex.to_pandas`: the rules of the columns are in its docstring."""
    require_pandas()
    import pandas as pd

    listed = items if isinstance(items, list) else list(items)
    cls = _item_type(listed, item_type)
    # (Annotated, not returned straight: pandas-stubs types it only for Python 3.11 and up.)
    frame: pd.DataFrame
    if cls is None:
        frame = pd.DataFrame()
        return frame
    # `from __future__ import annotations` leaves annotations as strings until resolved; one
    # that does not resolve gives an `object` column.
    with contextlib.suppress(NameError):
        attrs.resolve_types(cls)
    columns: dict[str, pd.Series[Any]] = {}
    for name, path, field in _flat_columns(cls):
        dtype = _dtype(field)
        values: list[Any] = []
        for item in listed:
            value: Any = item
            for step in path:
                value = getattr(value, step)
            values.append(value)
        series = pd.Series(values, dtype=object)
        if dtype.startswith("datetime64"):
            series = pd.to_datetime(series, utc=True)
        columns[name] = series.astype(dtype)  # pyright: ignore[reportCallIssue, reportArgumentType]
    frame = pd.DataFrame(columns, columns=list(columns))
    return frame


def _flat_columns(
    cls: type[Any], prefix: tuple[str, ...] = ()
) -> Iterable[tuple[str, tuple[str, ...], attrs.Attribute[Any]]]:
    """(dotted name, attribute path, field) of each column of `cls`'s frame: a field whose type
    is a model (a caller's `context`) gives a column per field of it (`context.name`)."""
    for field in shown_fields(cls):
        inner, optional = _split_optional(field.type)
        if isinstance(inner, type) and attrs.has(inner) and not optional:
            with contextlib.suppress(NameError):
                attrs.resolve_types(inner)
            yield from _flat_columns(inner, (*prefix, field.name))
        else:
            yield ".".join((*prefix, field.name)), (*prefix, field.name), field
