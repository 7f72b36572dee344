"""Stack-level lookups shared by the constructs: providers, and the constructs of ours that already
exist in a stack (plain helpers over the construct tree; no registry state of their own)."""

from __future__ import annotations

from typing import Any, Iterator

from cdktf import TerraformProvider, TerraformStack
from constructs import Construct

from dw_constructs.errors import Problem


def stack_of(scope: Construct) -> TerraformStack | None:
    try:
        return TerraformStack.of(scope)
    except Exception:  # noqa: BLE001 - not inside a stack
        return None


def nodes(scope: Construct, cls: type) -> Iterator[Any]:
    """Every construct of type ``cls`` in the stack of ``scope``, in tree order (preorder)."""
    stack = stack_of(scope)
    if stack is None:
        return iter(())
    return (n for n in stack.node.find_all() if isinstance(n, cls))


def find_provider(scope: Construct, resource_type: str) -> TerraformProvider | None:
    """The stack's provider configuration of ``resource_type`` that resources without an explicit
    ``provider`` use: the one without alias (else the first one)."""
    found = [n for n in nodes(scope, TerraformProvider) if n.terraform_resource_type == resource_type]
    default = [n for n in found if not n.alias]
    return (default or found or [None])[0]


def resolve_provider(scope: Construct, given: Any, resource_type: str) -> TerraformProvider | None:
    return given if given is not None else find_provider(scope, resource_type)


def provider_problems(scope: Construct, prop: str, given: Any, resource_type: str, cls_name: str) -> list[Problem]:
    """A provider the construct needs: the one given (of the right type), or one declared in the
    stack before the construct (our constructs create no provider configuration of their own)."""
    if given is None:
        if find_provider(scope, resource_type) is None:
            return [Problem(prop, None, f"a {cls_name} object, or a {cls_name} created in the stack before this "
                                        "construct (it creates no provider configuration of its own)")]
        return []
    if not isinstance(given, TerraformProvider) or given.terraform_resource_type != resource_type:
        return [Problem(prop, type(given).__name__, f"a {cls_name} (provider '{resource_type}')")]
    return []


def provider_label(provider: TerraformProvider | None) -> str:
    if provider is None:
        return "the default provider"
    alias = provider.alias
    return f"{provider.terraform_resource_type}" + (f".{alias}" if alias else "") + f" ({provider.node.path})"


# --- names Terraform wants unique in a stack -----------------------------------------------------


def logical_id_owner(scope: Construct, cls: type, logical_id: str) -> Any | None:
    """The element of type ``cls`` (e.g. ``TerraformVariable``, ``TerraformOutput``) of the stack
    of ``scope`` whose Terraform name is ``logical_id``, or None. Two elements with one name would
    be merged silently into one JSON key by cdktf."""
    for node in nodes(scope, cls):
        if node.friendly_unique_id == logical_id:
            return node
    return None


def provider_with_alias(scope: Construct, resource_type: str, alias: str) -> TerraformProvider | None:
    """The stack's provider configuration of ``resource_type`` with ``alias``, or None (Terraform
    rejects two: ``Duplicate provider configuration``)."""
    for node in nodes(scope, TerraformProvider):
        if node.terraform_resource_type == resource_type and node.alias == alias:
            return node
    return None

