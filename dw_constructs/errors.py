"""The one error type every construct raises for bad props (plain Python, no jsii)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Problem:
    """One bad prop: where it is, what was given and what is allowed."""

    prop: str
    value: Any
    allowed: str

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
