"""The one error type every construct raises for bad props (plain Python, no jsii)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: What a message shows instead of a value that may be a secret (the policy pack's marker).
HIDDEN = "<literal hidden>"


def _secret_key(name: str) -> bool:
    # The policy pack's rule (``password``, ``auth.password``, ``api_key`` are secrets;
    # ``secretName``, ``existingSecret``, ``password_key`` name one), loaded only when a problem exists.
    from dw_constructs.governance.policies import secret_like

    return secret_like(name.rsplit(".", 1)[-1].split("[", 1)[0]) if name else False


def redact(value: Any, key: str = "") -> Any:
    """``value`` with every possible secret replaced by :data:`HIDDEN`: the whole value when ``key``
    (a prop or attribute name) is secret-like, else the values of secret-like keys inside mappings,
    sequences and dataclasses, and PEM private keys anywhere. None, booleans and Terraform
    references (tokens) are not secrets and stay."""
    from dw_constructs import _checks

    if value is None or isinstance(value, bool) or value == HIDDEN or _checks.is_token(value):
        return value
    if key and _secret_key(key):
        return HIDDEN
    if isinstance(value, str):
        return HIDDEN if "PRIVATE KEY-----" in value else value
    if isinstance(value, Mapping):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v) for v in value) if type(value) in (list, tuple) else [redact(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: redact(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
        changed = {k: v for k, v in changed.items() if v is not getattr(value, k)}
        try:
            return dataclasses.replace(value, **changed) if changed else value
        except Exception:  # noqa: BLE001 - a dataclass that refuses the marker: hide it whole
            return HIDDEN
    return value


@dataclass(frozen=True)
class Problem:
    """One bad prop: where it is, what was given and what is allowed. A value that may be a
    secret is replaced by :data:`HIDDEN` when the problem is made (see :func:`redact`), so neither
    the message nor ``PropsError.problems`` ever holds one."""

    prop: str
    value: Any
    allowed: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", redact(self.value, self.prop))

    def line(self) -> str:
        return f"{self.prop}: got {self.value!r}; allowed: {self.allowed}"


class PropsError(ValueError, TypeError):
    """Invalid construct props. Lists every problem of one construct at once.

    It is both a ``ValueError`` and a ``TypeError`` so callers may catch either; ``problems``
    holds the structured list, ``construct_path`` the construct's path in the tree.
    """

    def __init__(self, construct_type: str, construct_path: str, problems: Iterable[Problem]):
        self.construct_type = construct_type
        self.construct_path = construct_path
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p.line()}" for p in self.problems)
        super().__init__(f"Invalid props for {construct_type} at '{construct_path}':\n{lines}")
