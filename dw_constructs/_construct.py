"""The thin layer between plain-Python props and cdktf: path lookup, one raise, lifecycle."""

from __future__ import annotations

import re
from builtins import id as builtins_id
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from constructs import Construct

from dw_constructs.errors import Problem, PropsError

if TYPE_CHECKING:
    from cdktf import TerraformOutput, TerraformResourceLifecycle, TerraformVariable


def child_path(scope: Construct, id: str) -> str:
    """Path the construct ``id`` will have under ``scope`` (known before it is created)."""
    parent = scope.node.path
    return f"{parent}/{id}" if parent else id


#: Constructs of ours whose constructor is creating their own children now (see
#: :func:`building_children`): an id it gives is free, no need to ask jsii.
_BUILDING_CHILDREN: set[int] = set()


@contextmanager
def building_children(construct: Construct) -> Iterator[None]:
    """``construct``'s constructor creates its children (fixed, distinct ids, each once) inside this
    block: the constructs of ours among them skip the id check (a ``Node.tryFindChild`` round trip
    through jsii each). Only the constructor may use it: verbs called later (e.g. ``add_vde``) take
    ids from the app and are checked."""
    _BUILDING_CHILDREN.add(id(construct))
    try:
        yield
    finally:
        _BUILDING_CHILDREN.discard(id(construct))


def id_problems(scope: Construct, id: str) -> list[Problem]:
    """``id`` must be free under ``scope``: the constructs library would otherwise fail inside jsii
    (``Node.addChild``) with a JavaScript stack trace."""
    from dw_constructs._stack import node_of

    if _BUILDING_CHILDREN and builtins_id(scope) in _BUILDING_CHILDREN:
        return []
    taken = node_of(scope).try_find_child(id) if isinstance(id, str) else None
    if taken is None:
        return []
    return [
        Problem(
            "id",
            id,
            f"an id no other child of '{scope.node.path or '<app>'}' has "
            f"('{taken.node.path}' is a {type(taken).__name__})",
        )
    ]


def raise_problems(
    construct_type: str,
    scope: Construct,
    id: str,
    problems: Iterable[Problem],
    *,
    new: bool = True,
    registers: bool = False,
    checked_id: list[Problem] | None = None,
) -> None:
    """Raise one ``PropsError`` listing every problem, before any child exists. With ``new``
    (the construct ``id`` is about to be created under ``scope``) a taken id is one of them
    (``checked_id``: what the caller's own ``id_problems(scope, id)`` found, not asked again).
    ``registers``: the construct calls ``_stack.register`` at the end of its constructor."""
    from dw_constructs import _stack

    if new and checked_id is None:
        checked_id = id_problems(scope, id)
    found = (checked_id if new and checked_id else []) + list(problems)
    if found:  # the app's code runs next: the stacks may change (_stack.StackIndex)
        _stack.touch(abandoned=registers and not new)
        raise PropsError(construct_type, child_path(scope, id), found)
    if new or not registers:
        _stack.touch(registers=registers)


def provider_problems(prop: str, provider: object, expected: str) -> list[Problem]:
    """An optional provider argument must be a cdktf provider construct (checked here, in Python,
    instead of failing later inside jsii with an opaque type error)."""
    from cdktf import TerraformProvider

    if provider is None or isinstance(provider, TerraformProvider):
        return []
    return [Problem(prop, type(provider).__name__, f"a {expected} construct or None")]


def lifecycle(prevent_destroy: bool) -> TerraformResourceLifecycle | None:
    """Lifecycle for stateful resources: prevent_destroy unless explicitly opted out. One shared
    struct (jsii passes structs by value; building one runs its runtime type checks)."""
    global _PREVENT_DESTROY
    if not prevent_destroy:
        return None
    if _PREVENT_DESTROY is None:
        from cdktf import TerraformResourceLifecycle

        _PREVENT_DESTROY = TerraformResourceLifecycle(prevent_destroy=True)
    return _PREVENT_DESTROY


_PREVENT_DESTROY: TerraformResourceLifecycle | None = None


def tf_name(*parts: str) -> str:
    """A Terraform identifier from construct ids/names: ``("DataWarehouse", "password")`` →
    ``data_warehouse_password``. Used for variable and output names that users type."""
    words = [re.sub(r"[^0-9a-zA-Z]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", p)) for p in parts]
    return "_".join(w.strip("_") for w in words if w.strip("_")).lower()


def sensitive_variable(scope: Construct, id: str, name: str, description: str) -> TerraformVariable:
    """A sensitive, non-nullable string variable with a stable, readable name."""
    from cdktf import TerraformVariable

    from dw_constructs import _stack

    var = TerraformVariable(scope, id, type="string", sensitive=True, nullable=False, description=description)
    var.override_logical_id(name)
    _stack.remember(_stack.element_logical_id, var, name)  # the stack-wide checks need not read it
    return var


def output(
    scope: Construct, id: str, name: str, value: Any, description: str, sensitive: bool = False
) -> TerraformOutput:
    """A TerraformOutput with a stable, readable name (derived by the caller from construct ids)."""
    from cdktf import TerraformOutput

    from dw_constructs import _stack

    out = TerraformOutput(scope, id, value=value, description=description, sensitive=sensitive or None)
    out.override_logical_id(name)
    _stack.remember(_stack.element_logical_id, out, name)  # the stack-wide checks need not read it
    return out
