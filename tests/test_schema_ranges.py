"""Every range the ``datawarehouse`` provider declares (``schema.meta.json``: ``min``/``max`` per
attribute) is the range our plain-Python validation enforces: both bounds pass, one past either is
refused naming the prop. The provider's file is the source of truth; no range is copied here, and a
range added to it without a check fails ``test_every_range_is_checked``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dw_constructs.datawarehouse import cluster_model as cm
from dw_constructs.datawarehouse import model as m
from dw_constructs.errors import Problem

META = json.loads(
    (Path(__file__).resolve().parents[1] / "provider-bindings" / "datawarehouse" / "schema.meta.json").read_text()
)


def _ranges(node: Any, path: tuple[str, ...] = ()) -> list[tuple[str, int, int]]:
    out = []
    if isinstance(node, dict):
        if "min" in node and "max" in node:
            out.append((".".join(path), node["min"], node["max"]))
        for k, v in sorted(node.items()):
            if isinstance(v, dict):
                out += _ranges(v, (*path, k))
    return out


RANGES = _ranges(META)


def _topology(**node: Any) -> cm.TopologyProps:
    return cm.TopologyProps(nodes=[cm.Endpoint(host="a", **node), cm.Endpoint(host="b", role="replica")])


#: meta path -> (the prop as the validator names it, validate(value) -> problems)
CHECKS: dict[str, tuple[str, Callable[[int], list[Problem]]]] = {
    "provider.port": ("port", lambda v: m.validate_provider(m.ProviderProps(host="h", port=v))),
    "resource_schemas.datawarehouse_instance.replication_factor": (
        "replication_factor",
        lambda v: m.validate_instance(m.InstanceProps(name="ok", storage_size_gb=10, replication_factor=v)),
    ),
    "resource_schemas.datawarehouse_instance.storage_size_gb": (
        "storage_size_gb",
        lambda v: m.validate_instance(m.InstanceProps(name="ok", storage_size_gb=v)),
    ),
    "resource_schemas.datawarehouse_policy.intensity_level": (
        "intensity_level",
        lambda v: cm.validate_policy(
            cm.PolicyProps(name="p", target_path="/x", feature="retention", intensity_level=v)
        ),
    ),
    "resource_schemas.datawarehouse_replication_topology.sync_interval_seconds": (
        "sync_interval_seconds",
        lambda v: cm.validate_topology(cm.TopologyProps(nodes=_topology().nodes, sync_interval_seconds=v)),
    ),
    "resource_schemas.datawarehouse_replication_topology.nodes.block.port": (
        "nodes[0].port",
        lambda v: cm.validate_topology(_topology(port=v)),
    ),
    "resource_schemas.datawarehouse_replication_topology.nodes.block.priority": (
        "nodes[0].priority",
        lambda v: cm.validate_topology(_topology(priority=v)),
    ),
    "resource_schemas.datawarehouse_vde.block_size": (
        "block_size",
        lambda v: cm.validate_vde(cm.VdeProps(name="v", block_size=v)),
    ),
}


def test_every_range_is_checked():
    assert sorted(p for p, _, _ in RANGES) == sorted(CHECKS)


@pytest.mark.parametrize("path,lo,hi", RANGES, ids=[p for p, _, _ in RANGES])
def test_range_is_the_providers(path, lo, hi):
    prop, validate = CHECKS[path]
    for value in (lo, hi):
        assert [p for p in validate(value) if p.prop == prop] == [], (path, value)
    # one past each bound; for a power-of-two range (block_size) the next power of two past each
    outside = (lo - 1, hi + 1, lo // 2, hi * 2) if path.endswith("block_size") else (lo - 1, hi + 1)
    for value in outside:
        problems = [p for p in validate(value) if p.prop == prop]
        assert len(problems) == 1 and str(lo) in problems[0].allowed and str(hi) in problems[0].allowed, (
            path,
            value,
            problems,
        )
