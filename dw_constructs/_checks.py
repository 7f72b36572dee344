"""Reusable prop checks. Each returns a list of :class:`Problem` (empty when the value is fine)
so a construct's single ``validate`` function can collect every problem before raising once."""

from __future__ import annotations

import enum
import re
from typing import Any, Iterable, Sequence, Type

from dw_constructs.errors import Problem

_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_ALLOWED = "a DNS-1123 label: lowercase letters, digits and '-', 1..63 chars, alphanumeric at both ends"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def int_range(prop: str, value: Any, lo: int, hi: int) -> list[Problem]:
    if not is_int(value) or not lo <= value <= hi:
        return [Problem(prop, value, f"an integer {lo}..{hi}")]
    return []


def boolean(prop: str, value: Any) -> list[Problem]:
    return [] if isinstance(value, bool) else [Problem(prop, value, "True or False")]


def non_empty_str(prop: str, value: Any) -> list[Problem]:
    if not isinstance(value, str) or not value.strip():
        return [Problem(prop, value, "a non-empty string")]
    return []


def dns_label(prop: str, value: Any) -> list[Problem]:
    if not isinstance(value, str) or not _NAME_RE.match(value):
        return [Problem(prop, value, _DNS_ALLOWED)]
    return []


def one_of(prop: str, value: Any, enum_type: Type[enum.Enum]) -> list[Problem]:
    """Accept a member of ``enum_type`` or its exact value; say which values are allowed."""
    if isinstance(value, enum_type):
        return []
    if isinstance(value, str) and any(value == m.value for m in enum_type):
        return []
    allowed = ", ".join(repr(m.value) for m in enum_type)
    return [Problem(prop, value, f"one of {allowed} (or {enum_type.__name__}.<NAME>)")]


def str_list(prop: str, value: Any, *, min_items: int = 0) -> list[Problem]:
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, Sequence)
        or len(value) < min_items
        or not all(isinstance(v, str) and v for v in value)
    ):
        return [Problem(prop, value, f"a list of non-empty strings with at least {min_items} item(s)")]
    return []


def str_map(prop: str, value: Any) -> list[Problem]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return [Problem(prop, value, "a dict of str to str")]
    return []


_TOKEN_RE = re.compile(r"\$\{(TfToken\[|Token\[)")


def is_token(value: Any) -> bool:
    """True for a cdktf token string (a reference resolved at synth time), e.g. a variable's value."""
    return isinstance(value, str) and bool(_TOKEN_RE.search(value))


def secret_reference(prop: str, value: Any) -> list[Problem]:
    """Secrets must be references (variables, secret lookups), never literals in the output."""
    if value is None or is_token(value):
        return []
    return [Problem(prop, "<literal hidden>", "a reference such as TerraformVariable(..., sensitive=True).string_value, never a literal")]


def collect(*groups: Iterable[Problem]) -> list[Problem]:
    return [p for g in groups for p in g]
