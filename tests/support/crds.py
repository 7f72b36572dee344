"""CustomResourceDefinition objects (apiextensions.k8s.io/v1) for the test API server, rebuilt from
the vendored schemas in ``dw_constructs/schemas/crds/`` and their ``sources.json`` entries.

The vendored files hold only each served version's ``openAPIV3Schema`` (unchanged, so the CEL
rules in ``x-kubernetes-validations``, defaults, enums, ``x-kubernetes-*`` markers all survive).
What the extraction dropped, and how it is rebuilt here:

* ``spec.names``: ``plural`` is taken from the upstream file name, which controller-gen writes as
  ``<group>_<plural>.yaml`` (checked against the kind); ``singular`` = lower-case kind,
  ``listKind`` = kind + ``List``. Short names and categories are gone (irrelevant to validation).
* ``subresources``: the upstream (kubebuilder) CRDs enable the ``status`` subresource; it is
  restored when the schema has a ``status`` property (then a ``status`` in a create is ignored,
  as on a real cluster). Scale subresources (CNPG Pooler) are not restored.
* Other versions (served-but-not-storage, deprecated) and conversion: only the vendored version
  exists, as served and storage version. ``additionalPrinterColumns`` / ``selectableFields``:
  dropped (display and field selectors only).

Entries that are not CRDs (the Kustomize ``kustomization.yaml`` file format, dialect
``json-schema-draft-07``) are skipped.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dw_constructs.validation import CRD_DIR

STRUCTURAL = "openapi-v3-structural"


@functools.cache
def _sources() -> tuple[dict, ...]:
    return tuple(json.loads((CRD_DIR / "sources.json").read_text())["schemas"])


def _naive_plural(kind: str) -> str:
    k = kind.lower()
    if k.endswith("y") and k[-2:-1] not in "aeiou":
        return k[:-1] + "ies"
    return k + ("es" if k.endswith(("s", "x", "ch", "sh")) else "s")


def plural_of(entry: dict) -> str:
    """The resource's plural from the upstream CRD file name (``<group>_<plural>.yaml``)."""
    group = entry["apiVersion"].split("/")[0]
    fname = Path(entry["upstream"]["path"]).name
    m = re.fullmatch(re.escape(group) + r"_([a-z0-9]+)\.ya?ml", fname)
    if "plural" in entry:  # recorded from the CRD (a CRD read from a chart archive's crds.yaml)
        plural = entry["plural"]
    elif not m:
        raise ValueError(f"cannot derive the plural of {entry['apiVersion']} {entry['kind']} from {fname!r}")
    else:
        plural = m.group(1)
    if plural != _naive_plural(entry["kind"]):
        raise ValueError(f"plural {plural!r} from {fname!r} does not match kind {entry['kind']!r}")
    return plural


def crd_entries() -> list[dict]:
    """sources.json entries that describe CRD versions (structural OpenAPI schemas)."""
    return [e for e in _sources() if e.get("dialect") == STRUCTURAL]


def build_crds(entries: Iterable[dict] | None = None) -> list[dict[str, Any]]:
    """One CRD per (group, kind) with every vendored version of it; ordered as in sources.json."""
    crds: dict[tuple[str, str], dict] = {}
    for entry in crd_entries() if entries is None else entries:
        group, version = entry["apiVersion"].split("/")
        kind = entry["kind"]
        schema = json.loads((CRD_DIR / entry["file"]).read_text())
        plural = plural_of(entry)
        crd = crds.setdefault(
            (group, kind),
            {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {
                    "name": f"{plural}.{group}",
                    "annotations": {
                        "dw-constructs.test/source": f"{entry['upstream']['repo']}@{entry['upstream']['ref']} "
                        f"{entry['upstream']['path']}",
                    },
                },
                "spec": {
                    "group": group,
                    "scope": entry["scope"],
                    "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
                    "versions": [],
                },
            },
        )
        if crd["spec"]["scope"] != entry["scope"]:
            raise ValueError(f"{group} {kind}: versions disagree on the scope")
        v: dict[str, Any] = {
            "name": version,
            "served": True,
            "storage": bool(entry.get("storageVersion", False)),
            "schema": {"openAPIV3Schema": schema},
        }
        if entry.get("deprecated"):
            v["deprecated"] = True
        if "status" in (schema.get("properties") or {}):
            v["subresources"] = {"status": {}}
        crd["spec"]["versions"].append(v)
    for (group, kind), crd in crds.items():
        versions = crd["spec"]["versions"]
        if len(versions) == 1:
            versions[0]["storage"] = True  # the only version must be the storage version
        if sum(v["storage"] for v in versions) != 1:
            raise ValueError(f"{group} {kind}: exactly one vendored version must be the storage version")
    return list(crds.values())


def crds_for_groups(*groups: str) -> list[dict[str, Any]]:
    """The CRDs of the given API groups (all when none given)."""
    return [c for c in build_crds() if not groups or c["spec"]["group"] in groups]


def cel_rule_count(crd: dict) -> int:
    """How many ``x-kubernetes-validations`` rules the CRD's schemas carry."""

    def count(node: Any) -> int:
        if isinstance(node, dict):
            return len(node.get("x-kubernetes-validations") or []) + sum(count(v) for v in node.values())
        if isinstance(node, list):
            return sum(count(v) for v in node)
        return 0

    return sum(count(v["schema"]) for v in crd["spec"]["versions"])
