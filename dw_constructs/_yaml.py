"""``yaml.safe_dump(data, sort_keys=True)``, byte for byte, without importing PyYAML for the common
documents (chart values: nested mappings of identifiers, numbers and booleans).

PyYAML's pure-Python emitter costs about 0.6 ms for a DataWarehouse values document and its import
about 8 ms: a tenth of what the cdktf core floor spends per cluster. :func:`safe_dump_sorted` writes
a document itself only when every node is of the few shapes below, whose output PyYAML's rules fix
completely; anything else goes to PyYAML unchanged (so errors, anchors, floats, quoting of unusual
strings... are PyYAML's own). ``tests/test_yaml.py`` compares both on generated documents.

Written here: ``dict`` (``str`` keys), ``list`` of scalars inside a mapping, ``str`` made of
``[A-Za-z0-9_./-]`` starting with a letter or digit (at most 100 characters: PyYAML never folds
them and they stay simple keys), the empty string, ``"*"``, ``int``, ``bool`` and ``None``. A
string that PyYAML's YAML 1.1 resolver would read as another type (``true``, ``0x1F``, ``1_000``,
``2001-12-14``...) is single-quoted, as PyYAML does. A container seen twice (PyYAML would write an
anchor and an alias) falls back too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from dw_constructs import _checks as c

#: Strings written plain unless the resolver below reads them as another type.
_SIMPLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,99}")

#: PyYAML 6 ``yaml.resolver.Resolver``'s implicit resolvers (YAML 1.1) that can match a string of
#: ``_SIMPLE`` (bool, float, int, null, timestamp), copied from its source; the others (merge
#: ``<<``, value ``=``) start with a character ``_SIMPLE`` excludes.
_NOT_A_STRING = re.compile(
    r"""^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
    |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)
    |[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    |~|null|Null|NULL
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[\ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
     (?:[\ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)


class _Fallback(Exception):
    """A node outside the shapes written here: PyYAML writes the document."""


def safe_dump_sorted(data: Any) -> str:
    """``yaml.safe_dump(data, sort_keys=True)``."""
    if type(data) is dict:
        try:
            lines: list[str] = []
            _mapping(data, "", lines, set()) if data else lines.append("{}")
            return "\n".join(lines) + "\n"
        except _Fallback:
            pass
    import yaml

    return yaml.safe_dump(data, sort_keys=True)


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        if _SIMPLE.fullmatch(value):
            return f"'{value}'" if _NOT_A_STRING.match(value) else value
        if value == "" or value == "*":
            return f"'{value}'"
    elif kind is bool:
        return "true" if value else "false"
    elif kind is int:
        return str(value)
    elif value is None:
        return "null"
    raise _Fallback


def _mapping(data: dict[Any, Any], indent: str, lines: list[str], seen: set[int]) -> None:
    if id(data) in seen:
        raise _Fallback
    seen.add(id(data))
    if any(type(k) is not str or not k for k in data):  # PyYAML writes an empty key as "? ''"
        raise _Fallback
    for key in sorted(data):
        value = data[key]
        head = f"{indent}{_scalar(key)}:"
        kind = type(value)
        if kind is dict:
            if not value:
                lines.append(f"{head} {{}}")
                continue
            lines.append(head)
            _mapping(value, indent + "  ", lines, seen)
        elif kind is list:
            if id(value) in seen:
                raise _Fallback
            seen.add(id(value))
            if not value:
                lines.append(f"{head} []")
                continue
            lines.append(head)
            lines.extend(f"{indent}- {_scalar(item)}" for item in value)
        else:
            lines.append(f"{head} {_scalar(value)}")


#: Start of the placeholders :func:`dump_with_references` writes for references (grown until the
#: document holds no such text).
_REF_PLACEHOLDER = "dwref"


def dump_with_references(data: Any, dump: Callable[[Any], str], encode: Callable[[Any], str]) -> str:
    """``dump(data)`` (a YAML document) where the Terraform references among the values (string,
    number, list, map or other token, at any depth) cannot be written at synth time: each is written
    as ``encode(reference)``, a string reference to its value as JSON (the constructs pass
    ``cdktf.Fn.jsonencode``), which Terraform substitutes when it evaluates the document and which
    YAML reads back with its type (``"fast"`` a string, ``3`` a number, ``["a"]`` a list), whatever
    characters the value holds. A reference written as it is would be read as YAML: ``1.10`` a
    number, ``true`` a boolean, ``a #b`` cut at a comment. Without references: ``dump(data)``."""
    if not c.contains_token(data):
        return dump(data)
    refs: list[Any] = []
    prefix = _REF_PLACEHOLDER
    while prefix in dump(_replace_refs(data, lambda ref: None)):
        prefix += "x"

    def mark(ref: Any) -> str:
        refs.append(ref)
        return f"{prefix}{len(refs) - 1}{prefix}"

    text = dump(_replace_refs(data, mark))
    for i, ref in enumerate(refs):  # a placeholder is a plain scalar: YAML writes it unquoted
        text = text.replace(f"{prefix}{i}{prefix}", encode(ref), 1)
    return text


def _replace_refs(obj: Any, replace: Callable[[Any], Any]) -> Any:
    """``obj`` with each reference in it (at any depth) replaced by ``replace(reference)``."""
    if c.is_token(obj):
        return replace(obj)
    if isinstance(obj, Mapping):
        return {k: _replace_refs(v, replace) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_replace_refs(v, replace) for v in obj]
    return obj
