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


def power_of_two(prop: str, value: Any, lo: int, hi: int) -> list[Problem]:
    if not is_int(value) or not lo <= value <= hi or value & (value - 1):
        return [Problem(prop, value, f"a power of two between {lo} and {hi}")]
    return []


def optional(check, prop: str, value: Any, *args, **kwargs) -> list[Problem]:
    """Apply ``check`` unless the value is None (an optional prop left at its default)."""
    return [] if value is None else check(prop, value, *args, **kwargs)


def str_mapping(prop: str, value: Any) -> list[Problem]:
    """A (nested) mapping with string keys, e.g. chart value overrides."""
    from collections.abc import Mapping

    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        return [Problem(prop, value, "a mapping with string keys")]
    return []


# --- Kubernetes / CNPG oriented checks (added for dw_constructs.cnpg) ----------------------------

_DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def dns1035_label(prop: str, value: Any, *, max_len: int = 63) -> list[Problem]:
    """A DNS-1035 label (starts with a letter), at most ``max_len`` characters (e.g. Service names)."""
    if not isinstance(value, str) or len(value) > max_len or not _DNS1035_RE.match(value):
        return [Problem(prop, value, f"a DNS-1035 label: lowercase letters, digits and '-', 1..{max_len} chars, "
                                     "starting with a letter and ending alphanumeric")]
    return []


# Kubernetes resource.Quantity, as in k8s.io/apimachinery/pkg/api/resource (suffixes are case-sensitive).
_QUANTITY_RE = re.compile(
    r"^(?P<num>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))?$"
)


def k8s_quantity(prop: str, value: Any, *, positive: bool = True) -> list[Problem]:
    """A Kubernetes quantity such as ``10Gi``, ``500m`` or ``1.5``; ``10GB`` is not one."""
    allowed = ("a Kubernetes quantity: a number with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei "
               "(binary), n, u, m, k, M, G, T, P, E (decimal), e.g. '10Gi' or '500m'")
    m = _QUANTITY_RE.match(value) if isinstance(value, str) else None
    if m is None:
        return [Problem(prop, value, allowed)]
    if positive and float(m["num"]) <= 0:
        return [Problem(prop, value, "a quantity greater than zero, e.g. '10Gi'")]
    return []


_CRON_FIELDS = (
    # name, lo, hi, names
    ("second", 0, 59, ()),
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day-of-week", 0, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)
_CRON_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def _cron_value(token: str, lo: int, hi: int, names: Sequence[str]) -> int | None:
    if token.isdigit():
        n = int(token)
        return n if lo <= n <= hi else None
    upper = token.upper()
    if upper in names:
        return names.index(upper) + (1 if lo == 1 else 0)
    return None


def _cron_field_ok(field: str, lo: int, hi: int, names: Sequence[str], allow_question: bool) -> bool:
    if field == "?" and allow_question:
        return True
    for part in field.split(","):
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) < 1):
            return False
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        a = _cron_value(start, lo, hi, names)
        if a is None:
            return False
        if dash:
            b = _cron_value(end, lo, hi, names)
            if b is None or b < a:
                return False
    return True


def cron_with_seconds(prop: str, value: Any) -> list[Problem]:
    """A 6-field cron expression, seconds first (``"0 0 2 * * *"``), as CloudNativePG's
    ScheduledBackup expects (robfig/cron with seconds); the ``@daily``-style descriptors are accepted too."""
    allowed = ("a 6-field cron expression with seconds first: 'second minute hour day-of-month month "
               "day-of-week', e.g. '0 0 2 * * *' (daily at 02:00:00); or @daily, @hourly, ...")
    if not isinstance(value, str):
        return [Problem(prop, value, allowed)]
    text = value.strip()
    if text in _CRON_DESCRIPTORS:
        return []
    fields = text.split()
    if len(fields) != 6:
        return [Problem(prop, value, f"{allowed} (got {len(fields)} field(s))")]
    for i, (field, (name, lo, hi, names)) in enumerate(zip(fields, _CRON_FIELDS)):
        if not _cron_field_ok(field, lo, hi, names, allow_question=i in (3, 5)):
            return [Problem(prop, value, f"{allowed} (bad {name} field {field!r}: {lo}..{hi})")]
    return []


def url(prop: str, value: Any, *, schemes: Sequence[str] = ("https", "http")) -> list[Problem]:
    """An absolute URL with one of ``schemes`` and a non-empty host/bucket part, no whitespace."""
    ok = isinstance(value, str) and not any(ch.isspace() for ch in value) and any(
        value.startswith(f"{s}://") and len(value) > len(s) + 3 and value[len(s) + 3] != "/" for s in schemes
    )
    if not ok:
        return [Problem(prop, value, "a URL starting with " + " or ".join(f"'{s}://'" for s in schemes))]
    return []


def duplicates(prop: str, values: Iterable[Any], *, what: str = "unique values") -> list[Problem]:
    """One problem per value that occurs more than once."""
    seen: set = set()
    dup: list = []
    for v in values:
        if v in seen and v not in dup:
            dup.append(v)
        seen.add(v)
    return [Problem(prop, v, what) for v in dup]
