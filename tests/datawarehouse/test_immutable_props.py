"""Props that cannot change on a running cluster are documented as such (issue 13, item 7).

Oracle: the chart's own list of values an upgrade cannot change (its README, "Upgrading", which its
upgrade guard enforces). Every prop of ours that feeds one of those values must say so in its
docstring (hence the reference page) and be in the guide's table with what to do instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dw_constructs import _docs
from dw_constructs.charts import chart_path
from dw_constructs.datawarehouse import ClusterMode, ProviderEndpoint
from dw_constructs.datawarehouse import cluster_model as m

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "datawarehouse.md").read_text()
BASE = m.ClusterProps(name="dw", endpoint=ProviderEndpoint.in_cluster())
#: Another valid value of each prop that reaches the chart values.
OTHER = {
    "mode": ClusterMode.CLUSTERED,
    "storage_size_gb": 200,
    "storage_class": "fast",
    "plugins": ("geo",),
    "operational_profile": "Strict",
    "tls_enabled": False,
    "tls_secret_name": "pki",
    "anti_affinity": "hard",
    "admin_username": "root",
    "admin_secret_name": "creds",
    "cluster_domain": "corp.example",
    "name": "other",
}


def _chart_immutable_values() -> set[str]:
    readme = chart_path().joinpath("README.md").read_text()
    section = readme.split("## Upgrading", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    # the values of each row's first cell (a parenthesis explains, e.g. "(with `fullnameOverride` set)")
    return {v for row in rows for v in re.findall(r"`([A-Za-z.]+)`", row.split("|")[1].split("(")[0])}


def _leaves(values: dict, prefix: str = "") -> dict:
    out = {}
    for key, val in values.items():
        if isinstance(val, dict) and val:
            out.update(_leaves(val, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = val
    return out


def _immutable_props() -> set[str]:
    import dataclasses

    fixed = _chart_immutable_values()
    assert {"clustering.enabled", "storage.size", "storage.storageClass"} <= fixed, fixed
    base = _leaves(m.chart_values(BASE))
    out = set()
    for prop, value in OTHER.items():
        changed = _leaves(m.chart_values(dataclasses.replace(BASE, **{prop: value})))
        if {k for k in base.keys() | changed.keys() if base.get(k) != changed.get(k)} & fixed:
            out.add(prop)
    return out


IMMUTABLE = sorted(_immutable_props())


def test_the_props_found_are_the_storage_and_mode_ones():
    assert IMMUTABLE == ["mode", "storage_class", "storage_size_gb"]


@pytest.mark.parametrize("prop", IMMUTABLE)
def test_immutable_prop_is_documented(prop):
    doc = _docs.parse_attributes(m.ClusterProps.__doc__)[prop]
    assert "fixed for a running cluster" in doc, doc
    row = next((line for line in GUIDE.splitlines() if line.startswith(f"| `{prop}`")), None)
    assert row is not None, f"docs/datawarehouse.md: no row for {prop} under 'Props that cannot change'"
    assert len(row.split("|")[2].strip()) > 20, "the row says what to do instead"
