"""The thin layer between plain-Python props and cdktf: path lookup, one raise, lifecycle."""

from __future__ import annotations

from typing import Iterable

from constructs import Construct

from dw_constructs.errors import Problem, PropsError


def child_path(scope: Construct, id: str) -> str:
    """Path the construct ``id`` will have under ``scope`` (known before it is created)."""
    parent = scope.node.path
    return f"{parent}/{id}" if parent else id


def raise_problems(construct_type: str, scope: Construct, id: str, problems: Iterable[Problem]) -> None:
    """Raise one :class:`PropsError` listing every problem, before any child exists."""
    problems = list(problems)
    if problems:
        raise PropsError(construct_type, child_path(scope, id), problems)


def lifecycle(prevent_destroy: bool):
    """Lifecycle for stateful resources: prevent_destroy unless explicitly opted out."""
    from cdktf import TerraformResourceLifecycle

    return TerraformResourceLifecycle(prevent_destroy=True) if prevent_destroy else None
