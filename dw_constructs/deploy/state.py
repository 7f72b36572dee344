"""What the lifecycle reads from a Terraform state (``tofu state pull``, so any backend): its
identity (lineage, serial, content digest) to bind a plan to the state it was made against, and its
managed resource instances with their dependencies, to find what an apply created.

The state itself is never stored by this package (it holds secrets); only the digest and the
addresses are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def instance_address(resource: Mapping[str, Any], instance: Mapping[str, Any]) -> str:
    base = f"{resource['type']}.{resource['name']}"
    if resource.get("mode") == "data":
        base = f"data.{base}"
    if resource.get("module"):
        base = f"{resource['module']}.{base}"
    key = instance.get("index_key")
    if key is None:
        return base
    return f"{base}[{key}]" if isinstance(key, int) else f"{base}[{json.dumps(key)}]"


def resource_address(address: str) -> str:
    """``type.name`` of an instance address (the index dropped)."""
    return address.split("[", 1)[0]


@dataclass(frozen=True)
class StateSnapshot:
    """One read of a state. An absent or empty state has ``serial`` 0 and no lineage."""

    lineage: str | None = None
    serial: int = 0
    sha256: str | None = None
    #: managed resource instance address -> the resource addresses it depends on
    instances: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    tainted: frozenset[str] = frozenset()

    @classmethod
    def from_pull(cls, text: str) -> StateSnapshot:
        text = text.strip()
        if not text:
            return cls()
        doc = json.loads(text)
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        instances: dict[str, tuple[str, ...]] = {}
        tainted = set()
        for res in doc.get("resources") or []:
            if res.get("mode") != "managed":
                continue
            for inst in res.get("instances") or []:
                addr = instance_address(res, inst)
                instances[addr] = tuple(sorted(inst.get("dependencies") or ()))
                if inst.get("status") == "tainted":
                    tainted.add(addr)
        return cls(doc.get("lineage"), int(doc.get("serial") or 0), digest, instances, frozenset(tainted))

    @property
    def empty(self) -> bool:
        return not self.instances

    def addresses(self) -> list[str]:
        return sorted(self.instances)

    def fingerprint(self) -> dict[str, Any]:
        return {"lineage": self.lineage, "serial": self.serial, "sha256": self.sha256, "resources": len(self.instances)}

    def dependency_closure(self, addresses: Iterable[str], within: Iterable[str] | None = None) -> set[str]:
        """``addresses`` and every instance they depend on, transitively (restricted to ``within``
        when given)."""
        pool = set(self.instances if within is None else within)
        by_resource: dict[str, list[str]] = {}
        for addr in pool:
            by_resource.setdefault(resource_address(addr), []).append(addr)
        out, todo = set(), [a for a in addresses]
        while todo:
            addr = todo.pop()
            if addr in out:
                continue
            out.add(addr)
            for dep in self.instances.get(addr, ()):
                todo += [d for d in by_resource.get(dep, ()) if d not in out]
        return out


def describe_change(before: Mapping[str, Any], now: Mapping[str, Any]) -> str | None:
    """Why a state fingerprint differs from the one a plan was made against, in words; None when
    it does not."""
    if (before.get("lineage"), before.get("serial"), before.get("sha256")) == (
        now.get("lineage"),
        now.get("serial"),
        now.get("sha256"),
    ):
        return None
    if before.get("lineage") and now.get("lineage") and before["lineage"] != now["lineage"]:
        return f"the state was replaced since the plan was made (lineage {before['lineage']} -> {now['lineage']})"
    if not now.get("lineage") and before.get("lineage"):
        return "the state the plan was made against is gone"
    return (
        f"the state changed since the plan was made (serial {before.get('serial', 0)} -> {now.get('serial', 0)}, "
        f"{before.get('resources', 0)} -> {now.get('resources', 0)} resources): another apply, destroy or "
        "import wrote it; make a new plan"
    )
