"""The readable side of a plan: what ``tofu show -json`` says will change, with the changes that can
lose data (a stateful resource replaced or destroyed) first, and the redaction applied before any
of it is written down (plain Python).

``tofu show -json`` prints sensitive values in clear text (variables, resource attributes,
outputs); :func:`redact` replaces every value the plan itself marks sensitive, and every variable
declared ``sensitive``, by ``"(sensitive)"``.

A resource is **stateful** (its replacement or destruction loses data) when the policy pack says so
for its configuration (``prevent-destroy`` policy: DataWarehouse instances, VDEs and chart
releases, CNPG Clusters, PVCs), or, for a resource no longer in the configuration, by what the
plan shows of it: a ``datawarehouse_instance``/``datawarehouse_vde`` or PVC, a ``kubernetes_manifest``
holding a CNPG ``Cluster``, a ``helm_release`` of the ``datawarehouse`` chart.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dw_constructs.deploy.tofu import MASK

#: Order and symbols of the change kinds in a summary.
KINDS = ("create", "update", "replace", "delete", "forget")
SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "forget": "."}
_WORDS = {
    "create": "to add",
    "update": "to change in place",
    "replace": "to replace",
    "delete": "to destroy",
    "forget": "to forget",
}
_REASONS = {
    "replace_because_tainted": "tainted by a failed apply",
    "replace_because_cannot_update": "an attribute that cannot change in place changed",
    "replace_by_request": "replacement requested",
    "replace_by_triggers": "a replace_triggered_by reference changed",
    "delete_because_no_resource_config": "no longer in the configuration",
    "delete_because_no_module": "its module is no longer in the configuration",
    "delete_because_wrong_repetition": "count/for_each changed",
    "delete_because_count_index": "its count index is gone",
    "delete_because_each_key": "its for_each key is gone",
    "delete_because_no_move_target": "its moved target is missing",
}


# ------------------------------------------------------------------------------------------------
# Redaction


def _mask(value: Any, sensitive: Any) -> Any:
    if sensitive is True:
        return value if value is None else MASK
    if isinstance(sensitive, Mapping) and isinstance(value, Mapping):
        return {k: _mask(v, sensitive.get(k)) for k, v in value.items()}
    if isinstance(sensitive, list) and isinstance(value, list):
        return [_mask(v, sensitive[i] if i < len(sensitive) else None) for i, v in enumerate(value)]
    return value


def _redact_values(module: Any) -> None:
    """``planned_values`` / ``prior_state.values`` shape: outputs and (child) modules' resources."""
    if not isinstance(module, dict):
        return
    for out in (module.get("outputs") or {}).values():
        if isinstance(out, dict) and out.get("sensitive"):
            out["value"] = _mask(out.get("value"), True)
    for mod in [module.get("root_module")] if "root_module" in module else [module]:
        if not isinstance(mod, dict):
            continue
        for res in mod.get("resources") or []:
            if isinstance(res, dict) and "values" in res:
                res["values"] = _mask(res["values"], res.get("sensitive_values"))
        for child in mod.get("child_modules") or []:
            _redact_values(child)


def _redact_change(change: Any) -> None:
    if not isinstance(change, dict):
        return
    for side in ("before", "after"):
        if side in change:
            change[side] = _mask(change[side], change.get(f"{side}_sensitive"))


def redact(plan: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a ``tofu show -json`` document without sensitive values (module docstring)."""
    doc = copy.deepcopy(dict(plan))
    declared = ((doc.get("configuration") or {}).get("root_module") or {}).get("variables") or {}
    for name, var in (doc.get("variables") or {}).items():
        if (declared.get(name) or {}).get("sensitive") and isinstance(var, dict):
            var["value"] = _mask(var.get("value"), True)
    for var in declared.values():
        if isinstance(var, dict) and var.get("sensitive") and "default" in var:
            var["default"] = _mask(var["default"], True)
    _redact_values(doc.get("planned_values"))
    _redact_values((doc.get("prior_state") or {}).get("values"))
    for key in ("resource_changes", "resource_drift"):
        for rc in doc.get(key) or []:
            if isinstance(rc, dict):
                _redact_change(rc.get("change"))
    for oc in (doc.get("output_changes") or {}).values():
        _redact_change(oc)
    return doc


# ------------------------------------------------------------------------------------------------
# Classification


def config_facts(
    config: Mapping[str, Any], base_dir: Path | None = None, stack: str = "stack"
) -> dict[str, dict[str, Any]]:
    """``type.name`` -> ``{"stateful": bool, "prevent_destroy": bool, "path": construct path}`` for
    every managed resource of a synthesized stack (``cdk.tf.json`` parsed)."""
    from dw_constructs.governance.constraints import PolicyOptions
    from dw_constructs.governance.policies import Context, PolicyInput, TerraformDoc, stateful_resources

    ctx = Context(PolicyInput(terraform=[TerraformDoc(stack, config, base_dir)]), PolicyOptions())
    stateful = {f"{r.type}.{r.name}" for r in stateful_resources(ctx)}
    out = {}
    for rtype, items in (config.get("resource") or {}).items():
        for name, body in (items or {}).items():
            body = body or {}
            addr = f"{rtype}.{name}"
            out[addr] = {
                "stateful": addr in stateful,
                "prevent_destroy": (body.get("lifecycle") or {}).get("prevent_destroy") is True,
                "path": ((body.get("//") or {}).get("metadata") or {}).get("path"),
            }
    return out


def _manifest(values: Any) -> Mapping[str, Any]:
    m = values.get("manifest") if isinstance(values, Mapping) else None
    return m if isinstance(m, Mapping) else {}


def stateful_by_values(rtype: str, values: Any) -> bool:
    """Stateful by what a plan shows of a resource (for resources not in the configuration)."""
    from dw_constructs.governance.policies import DW_CHART_NAME, STATEFUL_RESOURCE_TYPES

    if rtype in STATEFUL_RESOURCE_TYPES:
        return True
    if not isinstance(values, Mapping):
        return False
    if rtype == "kubernetes_manifest":
        m = _manifest(values)
        return str(m.get("apiVersion", "")).startswith("postgresql.cnpg.io/") and m.get("kind") == "Cluster"
    if rtype == "helm_release":
        meta = values.get("metadata")
        chart = meta.get("chart") if isinstance(meta, Mapping) else None
        return chart == DW_CHART_NAME
    return False


def describe(rtype: str, values: Any) -> str:
    """A few words naming the real object (``CNPG Cluster geo/pg``, ``helm release ns/name``)."""
    if not isinstance(values, Mapping):
        return ""
    if rtype == "kubernetes_manifest":
        m = _manifest(values)
        meta: Mapping[str, Any] = m["metadata"] if isinstance(m.get("metadata"), Mapping) else {}
        kind = m.get("kind")
        if str(m.get("apiVersion", "")).startswith("postgresql.cnpg.io/"):
            kind = f"CNPG {kind}"
        name = "/".join(str(x) for x in (meta.get("namespace"), meta.get("name")) if x)
        return f"{kind} {name}".strip() if kind else ""
    if rtype == "helm_release":
        release: Mapping[str, Any] = values["metadata"] if isinstance(values.get("metadata"), Mapping) else {}
        name = "/".join(str(x) for x in (values.get("namespace"), values.get("name")) if isinstance(x, str))
        chart = release.get("chart")
        return f"helm release {name}" + (f" (chart {chart})" if isinstance(chart, str) else "")
    block: Any = values.get("metadata")
    if isinstance(block, list) and block and isinstance(block[0], Mapping):
        block = block[0]
    if isinstance(block, Mapping) and isinstance(block.get("name"), str):
        ns = block.get("namespace")
        return "/".join(x for x in (ns if isinstance(ns, str) else None, block["name"]) if x)
    own = values.get("name")
    return own if isinstance(own, str) and own != MASK else ""


def _path_text(path: Any) -> str:
    out = ""
    for step in path if isinstance(path, list) else []:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _kind(actions: list[str]) -> str | None:
    if actions in (["delete", "create"], ["create", "delete"]):
        return "replace"
    if len(actions) == 1 and actions[0] in KINDS:
        return actions[0]
    return None


@dataclass(frozen=True)
class ResourceChange:
    """One planned change of a managed resource instance."""

    address: str
    type: str
    action: str
    stateful: bool = False
    prevent_destroy: bool = False
    what: str = ""
    reason: str = ""
    replace_paths: tuple[str, ...] = ()

    @property
    def loses_data(self) -> bool:
        return self.stateful and self.action in ("replace", "delete")

    def line(self) -> str:
        notes = [
            n
            for n in (self.what, "stateful" if self.stateful else "", "prevent_destroy" if self.prevent_destroy else "")
            if n
        ]
        text = f"{SYMBOLS[self.action]} {self.address}" + (f" ({', '.join(notes)})" if notes else "")
        why = self.reason
        if self.replace_paths:
            why = (why + ": " if why else "") + ", ".join(self.replace_paths)
        return text + (f": {why}" if why else "")


@dataclass(frozen=True)
class KeptResource:
    """A resource a destroy or a compensation leaves in place, and why."""

    address: str
    reason: str

    def line(self) -> str:
        return f"= {self.address}: {self.reason}"


@dataclass(frozen=True)
class PlanSummary:
    """The changes of one plan. ``kept`` and ``left_out`` are what the plan deliberately does not
    touch: protected resources of a destroy, resources of providers left out by targeting."""

    changes: tuple[ResourceChange, ...] = ()
    drift: tuple[str, ...] = ()
    output_changes: tuple[str, ...] = ()
    kept: tuple[KeptResource, ...] = ()
    left_out: tuple[str, ...] = ()
    errored: bool = False

    def of(self, kind: str) -> list[ResourceChange]:
        return [c for c in self.changes if c.action == kind]

    @property
    def counts(self) -> dict[str, int]:
        return {k: len(self.of(k)) for k in KINDS}

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.output_changes)

    @property
    def data_at_risk(self) -> list[ResourceChange]:
        """Stateful resources replaced or destroyed (listed first in :meth:`text`)."""
        return [c for c in self.changes if c.loses_data]

    def text(self) -> str:
        lines: list[str] = []
        risky = self.data_at_risk
        if risky:
            lines.append(f"DATA AT RISK: {len(risky)} stateful resource(s) replaced or destroyed")
            lines += [f"  {c.line()}" for c in risky]
        if not self.changes:
            lines.append(
                "No changes to resources."
                + (f" {len(self.output_changes)} output(s) change." if self.output_changes else "")
            )
        else:
            counts = self.counts
            lines.append(
                "Changes: " + ", ".join(f"{counts[k]} {_WORDS[k]}" for k in KINDS if counts[k] or k != "forget")
            )
            for kind in KINDS:
                lines += [f"  {c.line()}" for c in self.of(kind)]
            if self.output_changes:
                lines.append(f"Outputs changing: {', '.join(self.output_changes)}")
        if self.kept:
            lines.append(f"Kept in place: {len(self.kept)} resource(s)")
            lines += [f"  {k.line()}" for k in self.kept]
        if self.left_out:
            lines.append(f"Left out by targeting (not planned): {len(self.left_out)} resource(s)")
            lines += [f"  {a}" for a in self.left_out]
        if self.drift:
            lines.append(f"Changed outside OpenTofu since the last apply: {', '.join(self.drift)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["counts"] = self.counts
        d["data_at_risk"] = [c.address for c in self.data_at_risk]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PlanSummary:
        return cls(
            changes=tuple(
                ResourceChange(**{**c, "replace_paths": tuple(c.get("replace_paths") or ())})
                for c in d.get("changes") or ()
            ),
            drift=tuple(d.get("drift") or ()),
            output_changes=tuple(d.get("output_changes") or ()),
            kept=tuple(KeptResource(**k) for k in d.get("kept") or ()),
            left_out=tuple(d.get("left_out") or ()),
            errored=bool(d.get("errored")),
        )


def summarize(
    plan: Mapping[str, Any],
    facts: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    kept: Iterable[KeptResource] = (),
    left_out: Iterable[str] = (),
) -> PlanSummary:
    """The summary of a ``tofu show -json`` document. ``facts``: :func:`config_facts` of the
    synthesized configuration (stateful, prevent_destroy by address); without it, resources are
    classified by what the plan shows of them."""
    from dw_constructs.deploy.state import resource_address

    facts = facts or {}
    changes = []
    for rc in plan.get("resource_changes") or []:
        if rc.get("mode", "managed") != "managed":
            continue
        change = rc.get("change") or {}
        kind = _kind(list(change.get("actions") or []))
        if kind is None:
            continue
        rtype = rc.get("type", "")
        fact = facts.get(resource_address(rc["address"])) or {}
        stateful = (
            bool(fact.get("stateful"))
            or stateful_by_values(rtype, change.get("before"))
            or stateful_by_values(rtype, change.get("after"))
        )
        what = describe(rtype, change.get("after")) or describe(rtype, change.get("before"))
        changes.append(
            ResourceChange(
                address=rc["address"],
                type=rtype,
                action=kind,
                stateful=stateful,
                prevent_destroy=bool(fact.get("prevent_destroy")),
                what=what,
                reason=_REASONS.get(rc.get("action_reason", ""), rc.get("action_reason", "") or ""),
                replace_paths=tuple(
                    _path_text(p) for p in change.get("replace_paths") or rc.get("replace_paths") or ()
                ),
            )
        )
    # data at risk first, then by kind, then by address: stable and readable
    changes.sort(key=lambda c: (not c.loses_data, KINDS.index(c.action), c.address))
    drift = sorted(
        rc["address"]
        for rc in plan.get("resource_drift") or []
        if rc.get("mode", "managed") == "managed" and (rc.get("change") or {}).get("actions") != ["no-op"]
    )
    outputs = sorted(
        name
        for name, oc in (plan.get("output_changes") or {}).items()
        if (oc or {}).get("actions") not in (["no-op"], None)
    )
    return PlanSummary(
        tuple(changes), tuple(drift), tuple(outputs), tuple(kept), tuple(sorted(left_out)), bool(plan.get("errored"))
    )
