"""The one converter from decoded JSON to models (and back, for `to_dict`).

It is a private `cattrs.Converter` (never cattrs' global one), built on first use so that
`import nixflex` does not pay for importing cattrs. What it owns:

- keys in snake_case or camelCase (`agent_id` / `agentId`), plus the aliases a field declares in
  `metadata={"aliases": (...)}` (a message's `from`), all land on the snake_case attribute;
- keys it does not know are ignored, so a newer API never breaks an older SDK;
- ISO 8601 timestamps (`Z` or an offset; a naive one is read as UTC) become aware `datetime`s,
  through one function, `_timestamp`, whose rules are `nixflex._time.parse`'s;
- a value of the wrong JSON type raises `TypeError` (an `int` is a valid `float`, a `bool` is not
  an `int`), a missing required key `KeyError` naming the field; the core turns both into
  `APIResponseValidationError`.

Who does what. cattrs does the dispatch: `structure(data, cls)` finds a hook by type the first
time, through the factories registered in `converter()`, and the unstructuring of `to_dict`
(`cattrs.gen.make_dict_unstructure_fn`, one function per class). The decoding of an attrs class,
and of a list of one, is not cattrs': this module generates it, once per class, the way cattrs'
`make_dict_structure_fn` does but as straight-line code that reads each field under its wire
names, checks its JSON type and writes the frozen instance's slot directly (no `__init__`); a
list gets the same code inlined in its loop. cattrs' own functions were measured first and take
about 1.7 times as long as these on a page of 1,000 numbers (docs/performance.md, "The decoder"):
calling `__init__` with keywords and a hook per field costs more than the whole of pydantic's
decoding. Once a generated hook exists, `structure` calls it without the converter's dispatch.

The generated source is registered in `linecache` under `<nixflex generated ...>` (as cattrs does
in `cattrs/gen/_lc.py`), so a traceback through a decoder shows the failing line, and
`inspect.getsource` shows the whole function.
"""

from __future__ import annotations

import functools
import linecache
import types
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs

from ._time import parse as parse_datetime

T = TypeVar("T")

_MISSING = object()
_fromisoformat = datetime.fromisoformat
# Every hook generated here, by the type it decodes: `structure` calls it straight away.
_HOOKS: dict[Any, Callable[[Any, Any], Any]] = {}
_PRIMITIVES: dict[Any, tuple[type, ...]] = {
    str: (str,),
    bool: (bool,),
    int: (int,),
    float: (float, int),
}


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


def wire_names(field: attrs.Attribute[Any]) -> tuple[str, ...]:
    """The keys a field may arrive under, its own name first."""
    names = [field.name, _camel(field.name), *field.metadata.get("aliases", ())]
    return tuple(dict.fromkeys(names))


def _split_optional(type_: Any) -> tuple[Any, bool]:
    if get_origin(type_) in (Union, types.UnionType):
        args = get_args(type_)
        rest = [arg for arg in args if arg is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return rest[0], True
    return type_, False


def _make_model_hook(cls: type[Any], conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Generate the decoder of one attrs model (see the module docstring)."""
    scope, body = _model_body(cls, conv)
    lines = ["def structure(o, _):", *body, "    return self"]
    return _compile(cls, "structure", lines, scope)


def _make_list_hook(list_type: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Generate the decoder of a list of one attrs model: the model's decoder, inlined in a loop.

    A page holds hundreds of items; inlining saves a call per item. The spelling of the first
    item (`createdAt` or `created_at`) is tried first for every item: an API answers in one
    casing, and a key looked up in vain costs as much as one found.
    """
    (cls,) = get_args(list_type)
    scope, own_first = _model_body(cls, conv)
    lines = ["def structure_list(items, _):", "    out = []", "    append = out.append"]
    # A field with a word break is spelt differently in camelCase: it tells the page's casing.
    probe = next((_camel(n) for n in attrs.fields_dict(cls) if _camel(n) != n.rstrip("_")), None)
    if probe is None:
        lines += _loop(own_first, "    ")
    else:
        _, camel_first = _model_body(cls, conv, camel_first=True)
        scope["_list"] = list
        lines += [
            "    if (type(items) is _list and items and type(items[0]) is _dict",
            f"            and {probe!r} in items[0]):",
            *_loop(camel_first, "        "),
            "    else:",
            *_loop(own_first, "        "),
        ]
    lines.append("    return out")
    return _compile(list_type, "structure_list", lines, scope)


def _loop(body: list[str], indent: str) -> list[str]:
    """`body` (statements that make `self` from `o`) in a loop that appends each to `out`."""
    return [
        f"{indent}for o in items:",
        *(indent + line for line in body),
        f"{indent}    append(self)",
    ]


def _compile(
    key: Any, name: str, lines: list[str], scope: dict[str, Any]
) -> Callable[[Any, Any], Any]:
    source = "\n".join(lines) + "\n"
    filename = _source_file(f"{name} {_type_name(key)}", source)
    exec(compile(source, filename, "exec"), scope)
    hook: Callable[[Any, Any], Any] = scope[name]
    _HOOKS[key] = hook
    return hook


def _type_name(type_: Any) -> str:
    if isinstance(type_, type) and not get_args(type_):
        return f"{type_.__module__}.{type_.__qualname__}"
    return repr(type_)


def _source_file(what: str, source: str) -> str:
    """A unique file name for generated `source`, registered in `linecache` for tracebacks."""
    entry = (len(source), None, source.splitlines(keepends=True))
    count = 1
    while True:
        filename = f"<nixflex generated {what}{'' if count == 1 else f' ({count})'}>"
        if linecache.cache.setdefault(filename, (*entry, filename)) == (*entry, filename):
            return filename
        count += 1


def _model_body(
    cls: type[Any], conv: cattrs.Converter, *, camel_first: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """The statements that turn the mapping `o` into `self`, an instance of `cls`.

    Straight-line code per field: read it under its wire names (its own name first, or its
    camelCase name first), check its JSON type, store it in the frozen instance's slot (no
    `__init__`, no `__setattr__`).
    """
    hints = attrs.resolve_types(cls)
    scope: dict[str, Any] = {
        "_cls": cls,
        "_new": object.__new__,
        "_MISSING": _MISSING,
        "_Mapping": Mapping,
        "_dict": dict,
        "_str": str,
        "_timestamp": _timestamp,
        "_wrong_type": _wrong_type,
    }
    lines = [
        "if type(o) is not _dict and not isinstance(o, _Mapping):",
        f"    _wrong_type({cls.__name__!r}, 'a JSON object', o)",
        "self = _new(_cls)",
    ]
    for field in attrs.fields(hints):
        name = field.name
        # A list: type checkers narrow a tuple's length through the checks below.
        names = list(wire_names(field))
        if camel_first and len(names) > 1 and names[1] == _camel(name):
            names = [names[1], names[0], *names[2:]]
        inner, optional = _split_optional(field.type)
        checks = _check_lines(name, inner, optional, scope, conv)
        scope[f"_set_{name}"] = getattr(cls, name).__set__
        if field.default is attrs.NOTHING and len(names) == 1:
            # Required under one name: a missing key raises KeyError(name) by itself.
            lines.append(f"v = o[{names[0]!r}]")
            lines.extend(checks)
        elif optional and field.default is None:
            # A missing key and a null mean the same here: no sentinel needed at the end.
            firsts, last = names[:-1], names[-1]
            for index, wire in enumerate(firsts):
                read = f"v = o.get({wire!r}, _MISSING)"
                lines.append(read if index == 0 else f"if v is _MISSING: {read}")
            lines.append(
                f"if v is _MISSING: v = o.get({last!r})" if firsts else f"v = o.get({last!r})"
            )
            lines.extend(checks)
        else:
            lines.append(f"v = o.get({names[0]!r}, _MISSING)")
            lines.extend(f"if v is _MISSING: v = o.get({wire!r}, _MISSING)" for wire in names[1:])
            lines.append("if v is _MISSING:")
            if field.default is attrs.NOTHING:
                lines.append(f"    raise KeyError({name!r})")
            elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                scope[f"_default_{name}"] = field.default.factory
                lines.append(f"    v = _default_{name}()")
            else:
                scope[f"_default_{name}"] = field.default
                lines.append(f"    v = _default_{name}")
            lines.append("else:")
            lines.extend("    " + line for line in checks or ["pass"])
        lines.append(f"_set_{name}(self, v)")
    return scope, ["    " + line for line in lines]


def _check_lines(
    name: str, inner: Any, optional: bool, scope: dict[str, Any], conv: cattrs.Converter
) -> list[str]:
    """The statements that check (and convert) `v`, the value of field `name` in the JSON."""
    if inner in _PRIMITIVES:
        accepted = _PRIMITIVES[inner]
        scope[f"_ok_{name}"] = accepted[0] if len(accepted) == 1 else accepted
        test = f"type(v) is not _ok_{name}" if len(accepted) == 1 else f"type(v) not in _ok_{name}"
        guard = "v is not None and " if optional else ""
        return [f"if {guard}{test}:", f"    _wrong_type({name!r}, {inner.__name__!r}, v)"]
    if inner is datetime:
        convert = ["v = _timestamp(v)"]
    else:
        scope[f"_hook_{name}"] = conv.structure
        scope[f"_type_{name}"] = inner
        convert = [f"v = _hook_{name}(v, _type_{name})"]
    if not optional:
        return convert
    return ["if v is not None:", *("    " + line for line in convert)]


def _timestamp(value: object, _: object = None) -> datetime:
    """An aware `datetime` from ISO 8601 text, by `nixflex._time.parse`'s rules.

    `fromisoformat` alone reads what the API sends (`Z` from Python 3.11 on, in C) and is taken
    for text shaped like RFC 3339 (`YYYY-MM-DD...`) when it gives an aware `datetime`;
    anything else goes to `parse`, which owns the rules, the same on every Python (naive means
    UTC, `+0000`, odd fractions, the basic form, the errors). The shape check keeps out what
    only a newer `fromisoformat` reads (week dates), so no Python reads more than another.
    """
    # `YYYY-MM-`: a calendar date in the extended form (not a week or an ordinal date).
    if type(value) is str and len(value) > 10 and value[7] == "-":
        try:
            parsed = _fromisoformat(value)
        except ValueError:
            return parse_datetime(value)
        if parsed.tzinfo is not None:
            return parsed
    return parse_datetime(value)


def _wrong_type(what: str, expected: str, value: object) -> None:
    raise TypeError(f"{what}: expected {expected}, got {type(value).__name__}")


@functools.cache
def converter() -> cattrs.Converter:
    """The SDK's converter, built once, on first use."""
    conv = cattrs.Converter(detailed_validation=False)
    conv.register_structure_hook(datetime, _timestamp)
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook_factory(attrs.has, lambda cls: _make_model_hook(cls, conv))
    conv.register_structure_hook_factory(_is_model_list, lambda cls: _make_list_hook(cls, conv))
    return conv


def _is_model_list(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) is list and len(args) == 1 and attrs.has(args[0])


def structure(data: object, cls: type[T]) -> T:
    """`data` (decoded JSON) as an instance of `cls`."""
    hook = _HOOKS.get(cls)
    if hook is not None:
        return hook(data, cls)  # type: ignore[no-any-return]
    return converter().structure(data, cls)


def to_dict(obj: Any) -> dict[str, Any]:
    """An attrs instance as a JSON-ready dict: its attribute names, datetimes as ISO 8601.

    Fields with `repr=False` (a token) are left out, as from the notebook tables: a dict is
    shown in full when it is printed or displayed.
    """
    return {
        field.name: _json_value(getattr(obj, field.name))
        for field in attrs.fields(type(obj))
        if field.repr is not False
    }


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if attrs.has(type(value)):
        return to_dict(value)
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [_json_value(item) for item in value]
    return value
