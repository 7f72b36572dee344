"""Reusable prop checks. Each returns a list of :class:`Problem` (empty when the value is fine)
so a construct's single ``validate`` function can collect every problem before raising once.

Terraform references (cdktf tokens) are accepted wherever a value is, and skip the value checks,
the way aws-cdk skips ``Token.isUnresolved`` values: a check accepts a token of the kind the prop
takes (a string token for a string, a number token for a number, a list token or a list of
strings and string tokens for a list of strings, any reference for a boolean) and reports a
token of another kind. Props whose value must be known at synth time (it names Terraform
objects, decides which resources exist, or is written into files) use :func:`known`.

Tokens are recognised here in plain Python, from cdktf's encodings (``cdktf/lib/tokens/private/
encoding.ts``), not with ``cdktf.Token.is_unresolved``: that call is a round trip to the jsii node
kernel (about 0.1-0.2 ms each, measured, against well under a microsecond here) and would make
the plain-Python model import cdktf and start node. The encodings:

* string: contains ``${TfToken[<key>]}``;
* number: a double whose top 16 bits are ``0xfdff`` (about -8.1e+298), the token index in the
  mantissa;
* list: a one-element list holding a ``#{TfToken[<key>]}`` string (or a double tagged ``0xfbff``);
* map: a mapping with a ``&{TfToken[<key>]}`` key;
* anything else: a jsii object that is an ``IResolvable`` (has a ``resolve`` method, e.g. a
  boolean variable's value, ``Lazy.any_value(...)``), or an opaque jsii reference typed ``any``
  (a variable's ``value``, a local's ``expression``).

tests/test_checks.py cross-checks :func:`is_token` against ``Token.is_unresolved``.
"""

from __future__ import annotations

import enum
import re
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dw_constructs.errors import Problem

# --- Terraform references (cdktf tokens) -----------------------------------------------------

_KEY = r"[a-zA-Z0-9:._-]+"
_STRING_TOKEN_RE = re.compile(r"\$\{TfToken\[" + _KEY + r"\]\}")
_LIST_TOKEN_RE = re.compile(r"#\{TfToken\[" + _KEY + r"\]\}")
_MAP_TOKEN_RE = re.compile(r"&\{TfToken\[" + _KEY + r"\]\}")
_NUMBER_TOKEN_TAG = 0xFDFF  # top 16 bits of an encoded number token
_NUMBER_LIST_TOKEN_TAG = 0xFBFF  # top 16 bits of an encoded number-list token
#: How a message shows a Terraform reference (its encoded form, e.g. -8.1e+298, means nothing).
REFERENCE = "<reference>"


def _tag(value: Any) -> int | None:
    """Top 16 bits of ``value`` as an IEEE double, or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        bits: int = struct.unpack("<Q", struct.pack("<d", float(value)))[0]
        return bits >> 48
    except (OverflowError, struct.error):
        return None


def is_string_token(value: Any) -> bool:
    """A string holding at least one reference, e.g. ``var.string_value`` or ``f"{x.id}-a"``."""
    return isinstance(value, str) and _STRING_TOKEN_RE.search(value) is not None


def is_number_token(value: Any) -> bool:
    """An encoded number reference, e.g. ``var.number_value`` or ``Token.as_number(...)``."""
    return _tag(value) == _NUMBER_TOKEN_TAG


def is_list_token(value: Any) -> bool:
    """An encoded list reference, e.g. ``var.list_value`` or a resource's list attribute."""
    if not isinstance(value, (list, tuple)) or len(value) != 1:
        return False
    item = value[0]
    return (isinstance(item, str) and _LIST_TOKEN_RE.search(item) is not None) or _tag(item) == _NUMBER_LIST_TOKEN_TAG


def is_map_token(value: Any) -> bool:
    """An encoded map reference, e.g. a local's ``as_string_map``."""
    try:
        return isinstance(value, Mapping) and any(isinstance(k, str) and _MAP_TOKEN_RE.search(k) for k in value)
    except Exception:  # noqa: BLE001 - a mapping that cannot be iterated is no token
        return False


def is_resolvable(value: Any) -> bool:
    """An ``IResolvable`` object (e.g. ``var.boolean_value``, ``Token.as_any(...)``, a resource's
    nested-block reference) or an opaque jsii reference typed ``any`` (``var.value``,
    ``local.expression``), without asking the jsii kernel."""
    if value is None or isinstance(value, (str, bytes, int, float, bool, list, tuple, dict)):
        return False
    try:
        # Only jsii objects: a JS object (or proxy), or a Python class implementing jsii interfaces.
        # A plain Python object with a ``resolve`` method (pathlib.Path) is no reference.
        jsii_type = getattr(value, "__jsii_type__", None)
        if jsii_type is None and not getattr(type(value), "__jsii_ifaces__", None):
            return False
        if jsii_type == "Object":  # jsii.Opaque: a JS object typed ``any``
            return True
        return callable(getattr(value, "resolve", None))
    except Exception:  # noqa: BLE001 - a proxy whose attributes fail is no token we know
        return False


def interpolation_end(text: str, start: int) -> int | None:
    """Where the Terraform interpolation or directive whose body starts at ``start`` (just after
    ``${`` or ``%{``) ends: the index just past its closing ``}``, nested braces and double-quoted
    strings (with backslash escapes) skipped over. None when it is not closed."""
    j, depth, quoted = start, 1, False
    while j < len(text) and depth:
        ch = text[j]
        if quoted:
            if ch == "\\":
                j += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        j += 1
    return None if depth else j


def is_token(value: Any) -> bool:
    """True for an unresolved Terraform reference of any kind (the pure-Python equivalent of
    cdktf's ``Token.is_unresolved``: it does not look inside lists or mappings)."""
    if isinstance(value, str):
        return _STRING_TOKEN_RE.search(value) is not None
    if isinstance(value, (int, float)):
        return is_number_token(value)
    if isinstance(value, (list, tuple)):
        return is_list_token(value)
    if isinstance(value, Mapping):
        return is_map_token(value)
    return is_resolvable(value)


def contains_token(value: Any) -> bool:
    """True when ``value`` or anything inside it (mappings, lists, tuples) is a reference."""
    if is_token(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_token(k) or contains_token(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_token(v) for v in value)
    return False


def shown(value: Any) -> Any:
    """What a message shows for ``value``: :data:`REFERENCE` for a reference, else the value."""
    return REFERENCE if contains_token(value) else value


def known(prop: str, value: Any, why: str) -> list[Problem]:
    """The value must be known at synth time (``why`` says what needs it); None passes."""
    if contains_token(value):
        return [Problem(prop, REFERENCE, f"a value known at synth time, not a Terraform reference ({why})")]
    return []


def _is_known_problem(p: Problem) -> bool:
    return p.value == REFERENCE and p.allowed.startswith("a value known at synth time")


def without_shadowed(problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` without the other problems of a reference whose prop must be known at synth
    time (one line per prop: "a value known at synth time", not also "True or False")."""
    problems = list(problems)
    known_props = {p.prop for p in problems if _is_known_problem(p)}
    return [p for p in problems if _is_known_problem(p) or not (p.prop in known_props and p.value == REFERENCE)]


def _wrong_token(prop: str, value: Any, allowed: str) -> list[Problem] | None:
    """None when ``value`` is no reference; else the problem of a reference of the wrong kind (also
    an element of a list reference, ``#{TfToken[...]}``, which cdktf refuses in a string)."""
    if not (is_token(value) or (isinstance(value, str) and _LIST_TOKEN_RE.search(value))):
        return None
    return [
        Problem(
            prop,
            REFERENCE,
            f"{allowed} (a reference of another type was given; convert it with "
            "Token.as_string, Token.as_number, Token.as_list or Token.as_string_map)",
        )
    ]


# --- value checks ---------------------------------------------------------------------------

_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_ALLOWED = "a DNS-1123 label: lowercase letters, digits and '-', 1..63 chars, alphanumeric at both ends"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def int_range(prop: str, value: Any, lo: int, hi: int) -> list[Problem]:
    if is_number_token(value):
        return []
    if (wrong := _wrong_token(prop, value, f"an integer {lo}..{hi}")) is not None:
        return wrong
    if not is_int(value) or not lo <= value <= hi:
        return [Problem(prop, value, f"an integer {lo}..{hi}")]
    return []


def boolean(prop: str, value: Any) -> list[Problem]:
    """True, False or a reference (e.g. ``var.boolean_value``, which cdktf gives as an IResolvable)."""
    if isinstance(value, bool) or is_resolvable(value):
        return []
    if (wrong := _wrong_token(prop, value, "True or False")) is not None:
        return wrong
    return [Problem(prop, value, "True or False")]


def non_empty_str(prop: str, value: Any) -> list[Problem]:
    if is_string_token(value):
        return []
    if (wrong := _wrong_token(prop, value, "a non-empty string")) is not None:
        return wrong
    if not isinstance(value, str) or not value.strip():
        return [Problem(prop, value, "a non-empty string")]
    return []


def dns_label(prop: str, value: Any) -> list[Problem]:
    if is_string_token(value):
        return []
    if (wrong := _wrong_token(prop, value, _DNS_ALLOWED)) is not None:
        return wrong
    if not isinstance(value, str) or not _NAME_RE.match(value):
        return [Problem(prop, value, _DNS_ALLOWED)]
    return []


def one_of(prop: str, value: Any, enum_type: type[enum.Enum]) -> list[Problem]:
    """Accept a member of ``enum_type``, its exact value or a string reference; say which values
    are allowed."""
    if isinstance(value, enum_type) or is_string_token(value):
        return []
    if isinstance(value, str) and any(value == m.value for m in enum_type):
        return []
    allowed = ", ".join(repr(m.value) for m in enum_type)
    if (wrong := _wrong_token(prop, value, f"one of {allowed}")) is not None:
        return wrong
    return [Problem(prop, value, f"one of {allowed} (or {enum_type.__name__}.<NAME>)")]


def str_list(prop: str, value: Any, *, min_items: int = 0) -> list[Problem]:
    """A list of non-empty strings (string references count as strings), or a list reference
    (its length is checked by Terraform, not here)."""
    if is_list_token(value):
        return []
    if (
        wrong := _wrong_token(prop, value, f"a list of non-empty strings with at least {min_items} item(s)")
    ) is not None:
        return wrong
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, Sequence)
        or len(value) < min_items
        or not all(isinstance(v, str) and v for v in value)
    ):
        return [Problem(prop, shown(value), f"a list of non-empty strings with at least {min_items} item(s)")]
    return []


def str_map(prop: str, value: Any) -> list[Problem]:
    """A dict of str to str (string references count as strings), or a map reference."""
    if is_map_token(value):
        return []
    if (wrong := _wrong_token(prop, value, "a dict of str to str")) is not None:
        return wrong
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return [Problem(prop, shown(value), "a dict of str to str")]
    return []


def secret_reference(prop: str, value: Any) -> list[Problem]:
    """Secrets must be references (variables, secret lookups), never literals in the output."""
    if value is None or is_string_token(value):
        return []
    return [
        Problem(
            prop,
            "<literal hidden>",
            "a reference such as TerraformVariable(..., sensitive=True).string_value, never a literal",
        )
    ]


def collect(*groups: Iterable[Problem]) -> list[Problem]:
    return [p for g in groups for p in g]


def power_of_two(prop: str, value: Any, lo: int, hi: int) -> list[Problem]:
    if is_number_token(value):
        return []
    if (wrong := _wrong_token(prop, value, f"a power of two between {lo} and {hi}")) is not None:
        return wrong
    if not is_int(value) or not lo <= value <= hi or value & (value - 1):
        return [Problem(prop, value, f"a power of two between {lo} and {hi}")]
    return []


def optional(check: Callable[..., list[Problem]], prop: str, value: Any, *args: Any, **kwargs: Any) -> list[Problem]:
    """Apply ``check`` unless the value is None (an optional prop left at its default)."""
    return [] if value is None else check(prop, value, *args, **kwargs)


def str_mapping(prop: str, value: Any) -> list[Problem]:
    """A (nested) mapping with string keys, e.g. chart value overrides. The mapping itself must be
    known at synth time (its keys are checked); references are fine as values inside it."""
    if is_token(value):
        return known(prop, value, "a mapping whose keys are checked")
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        return [Problem(prop, value, "a mapping with string keys")]
    return []


# --- Kubernetes / CNPG oriented checks (added for dw_constructs.cnpg) ----------------------------

_DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def dns1035_label(prop: str, value: Any, *, max_len: int = 63) -> list[Problem]:
    """A DNS-1035 label (starts with a letter), at most ``max_len`` characters (e.g. Service names)."""
    if is_string_token(value):
        return []
    if (wrong := _wrong_token(prop, value, f"a DNS-1035 label, 1..{max_len} chars")) is not None:
        return wrong
    if not isinstance(value, str) or len(value) > max_len or not _DNS1035_RE.match(value):
        return [
            Problem(
                prop,
                value,
                f"a DNS-1035 label: lowercase letters, digits and '-', 1..{max_len} chars, "
                "starting with a letter and ending alphanumeric",
            )
        ]
    return []


# Kubernetes resource.Quantity, as in k8s.io/apimachinery/pkg/api/resource (suffixes are case-sensitive).
_QUANTITY_RE = re.compile(
    r"^(?P<num>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$"  # an exponent is an integer ("1e1.5" is refused)
)


def k8s_quantity(prop: str, value: Any, *, positive: bool = True) -> list[Problem]:
    """A Kubernetes quantity such as ``10Gi``, ``500m`` or ``1.5``; ``10GB`` is not one."""
    allowed = (
        "a Kubernetes quantity: a number with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei "
        "(binary), n, u, m, k, M, G, T, P, E (decimal), e.g. '10Gi' or '500m'"
    )
    if is_string_token(value):
        return []
    if (wrong := _wrong_token(prop, value, allowed)) is not None:
        return wrong
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
    allowed = (
        "a 6-field cron expression with seconds first: 'second minute hour day-of-month month "
        "day-of-week', e.g. '0 0 2 * * *' (daily at 02:00:00); or @daily, @hourly, ..."
    )
    if is_string_token(value):
        return []
    if (wrong := _wrong_token(prop, value, allowed)) is not None:
        return wrong
    if not isinstance(value, str):
        return [Problem(prop, value, allowed)]
    text = value.strip()
    if text in _CRON_DESCRIPTORS:
        return []
    fields = text.split()
    if len(fields) != 6:
        return [Problem(prop, value, f"{allowed} (got {len(fields)} field(s))")]
    for i, (field, (name, lo, hi, names)) in enumerate(zip(fields, _CRON_FIELDS, strict=True)):
        if not _cron_field_ok(field, lo, hi, names, allow_question=i in (3, 5)):
            return [Problem(prop, value, f"{allowed} (bad {name} field {field!r}: {lo}..{hi})")]
    if fields[5] in _CRON_ANY and fields[3] not in _CRON_ANY:
        # robfig/cron then fires only on those days of those months: "0 0 0 30 2 *" never does
        # (CloudNativePG refuses such a ScheduledBackup: "No time satisfying the schedule")
        days, months = _cron_set(fields[3], *_CRON_FIELDS[3][1:]), _cron_set(fields[4], *_CRON_FIELDS[4][1:])
        if not any(d <= _MONTH_DAYS[m - 1] for d in days for m in months):
            return [
                Problem(
                    prop,
                    value,
                    f"{allowed} (never fires: day-of-month {fields[3]!r} does not occur in month {fields[4]!r})",
                )
            ]
    return []


#: Day-of-week or day-of-month fields that select every day (robfig/cron's "star" fields).
_CRON_ANY = ("*", "?", "*/1", "?/1")
#: Longest length of each month (February: leap years).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _cron_set(field: str, lo: int, hi: int, names: Sequence[str]) -> set[int]:
    """The values a (valid) cron field selects; ``N/step`` runs from N to the maximum."""
    out: set[int] = set()
    for part in field.split(","):
        base, slash, step = part.partition("/")
        start, dash, end = base.partition("-")
        a = lo if base in ("*", "?") else _cron_value(start, lo, hi, names)
        b = hi if base in ("*", "?") or (slash and not dash) else _cron_value(end, lo, hi, names) if dash else a
        if a is not None and b is not None:
            out.update(range(a, b + 1, int(step) if slash else 1))
    return out


def url(prop: str, value: Any, *, schemes: Sequence[str] = ("https", "http")) -> list[Problem]:
    """An absolute URL with one of ``schemes`` and a non-empty host/bucket part, no whitespace."""
    allowed = "a URL starting with " + " or ".join(f"'{s}://'" for s in schemes)
    if is_string_token(value):
        return []
    if (wrong := _wrong_token(prop, value, allowed)) is not None:
        return wrong
    ok = (
        isinstance(value, str)
        and not any(ch.isspace() for ch in value)
        and any(value.startswith(f"{s}://") and len(value) > len(s) + 3 and value[len(s) + 3] != "/" for s in schemes)
    )
    if not ok:
        return [Problem(prop, value, allowed)]
    return []


def duplicates(prop: str, values: Iterable[Any], *, what: str = "unique values") -> list[Problem]:
    """One problem per value that occurs more than once."""
    seen: set[Any] = set()
    dup: list[Any] = []
    for v in values:
        if v in seen and v not in dup:
            dup.append(v)
        seen.add(v)
    return [Problem(prop, v, what) for v in dup]
