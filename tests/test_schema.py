"""The provider schema (source of truth) and its sidecar of defaults/force-new/allowed values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dw_constructs.datawarehouse import enums

DIR = Path(__file__).resolve().parents[1] / "provider-bindings" / "datawarehouse"
SOURCE = "registry.terraform.io/datawarehouse/datawarehouse"
SCHEMA = json.loads((DIR / "schema.json").read_text())
META = json.loads((DIR / "schema.meta.json").read_text())
PROVIDER = SCHEMA["provider_schemas"][SOURCE]

RESOURCES = {
    "datawarehouse_instance",
    "datawarehouse_vde",
    "datawarehouse_user",
    "datawarehouse_policy",
    "datawarehouse_plugin",
    "datawarehouse_replication_topology",
}
DATA_SOURCES = {"datawarehouse_instance_status", "datawarehouse_capabilities", "datawarehouse_plugin_catalog"}


def _blocks():
    """(label, block, meta) for the provider, every resource, data source and nested block."""

    def walk(label, block, meta):
        yield label, block, meta
        for name, bt in block.get("block_types", {}).items():
            yield from walk(f"{label}.{name}", bt["block"], meta.get(name, {}).get("block", {}))

    yield from walk("provider", PROVIDER["provider"]["block"], META["provider"])
    for kind in ("resource_schemas", "data_source_schemas"):
        for name, s in PROVIDER[kind].items():
            yield from walk(name, s["block"], META[kind].get(name, {}))


BLOCKS = list(_blocks())
ATTRS = [(f"{label}.{name}", a, meta.get(name, {})) for label, b, meta in BLOCKS for name, a in b["attributes"].items()]


def test_format_and_exact_sets():
    assert SCHEMA["format_version"] == "1.0"
    assert list(SCHEMA["provider_schemas"]) == [SOURCE]
    assert set(PROVIDER["resource_schemas"]) == RESOURCES
    assert set(PROVIDER["data_source_schemas"]) == DATA_SOURCES
    assert META["source"] == SOURCE and META["version"] == "1.0.0"


def test_provider_attributes():
    attrs = PROVIDER["provider"]["block"]["attributes"]
    assert {k: (a["type"], bool(a.get("required")), bool(a.get("sensitive"))) for k, a in attrs.items()} == {
        "host": ("string", True, False),
        "port": ("number", False, False),
        "username": ("string", True, False),
        "password": ("string", True, True),
        "tls_enabled": ("bool", False, False),
        "tls_skip_verify": ("bool", False, False),
        "ca_cert_pem": ("string", False, False),  # a CA certificate is public
    }
    assert {k: v["default"] for k, v in META["provider"].items() if "default" in v} == {
        "port": 5432,
        "tls_enabled": True,
        "tls_skip_verify": False,
    }


def test_passwords_sensitive_and_only_they():
    sensitive = {label for label, a, _ in ATTRS if a.get("sensitive")}
    assert sensitive == {"provider.password", "datawarehouse_user.password"}


@pytest.mark.parametrize("label,block,meta", BLOCKS, ids=[b[0] for b in BLOCKS])
def test_every_block_and_attribute_described(label, block, meta):
    assert block.get("description"), label
    for name, a in block["attributes"].items():
        assert a.get("description", "").strip(), f"{label}.{name} has no description"
        flags = [f for f in ("required", "optional", "computed") if a.get(f)]
        assert flags in (["required"], ["optional"], ["computed"], ["optional", "computed"]), (label, name, flags)
    assert set(meta) <= set(block["attributes"]) | set(block.get("block_types", {})), (
        f"meta for unknown attrs in {label}"
    )


def test_every_resource_and_data_source_has_computed_id():
    for kind in ("resource_schemas", "data_source_schemas"):
        for name, s in PROVIDER[kind].items():
            assert s["block"]["attributes"]["id"] == {
                **s["block"]["attributes"]["id"],
                "type": "string",
                "computed": True,
            }, name


@pytest.mark.parametrize("label,attr,meta", ATTRS, ids=[a[0] for a in ATTRS])
def test_description_states_meta(label, attr, meta):
    """Each decision of the sidecar is also written into the description, and vice versa."""
    desc = attr["description"]
    if "default" in meta:
        d = meta["default"]
        rendered = d if isinstance(d, str) else json.dumps(d)
        assert f"Default: {rendered}." in desc, label
        assert not attr.get("required"), f"{label}: a required attribute cannot have a default"
    else:
        assert "Default:" not in desc, label
    assert ("Changing this forces a new resource." in desc) == bool(meta.get("force_new")), label
    for value in meta.get("allowed", []):
        assert f"`{value}`" in desc, (label, value)


def test_force_new_decisions():
    res = META["resource_schemas"]
    for name in RESOURCES - {"datawarehouse_instance"}:
        assert res[name]["instance_id"]["force_new"] is True, name
    for name in ("datawarehouse_instance", "datawarehouse_vde", "datawarehouse_policy"):
        assert res[name]["name"]["force_new"] is True, name


def test_topology_nodes_block():
    bt = PROVIDER["resource_schemas"]["datawarehouse_replication_topology"]["block"]["block_types"]["nodes"]
    assert bt["nesting_mode"] == "list" and bt["min_items"] == 2
    assert bt["block"]["attributes"]["host"]["required"] is True
    assert {"port", "role", "priority"} <= set(bt["block"]["attributes"])


@pytest.mark.parametrize(
    "enum_type,resource,attr",
    [
        (enums.OperationalProfile, "datawarehouse_instance", "operational_profile"),
        (enums.CompressionCodec, "datawarehouse_vde", "compression_codec"),
        (enums.VdeReplicationMode, "datawarehouse_vde", "replication_mode"),
        (enums.TopologyMode, "datawarehouse_replication_topology", "mode"),
        (enums.PolicyFeature, "datawarehouse_policy", "feature"),
        (enums.CascadeStrategy, "datawarehouse_policy", "cascade_strategy"),
    ],
)
def test_python_enums_match_schema(enum_type, resource, attr):
    assert [m.value for m in enum_type] == META["resource_schemas"][resource][attr]["allowed"]


def test_node_role_enum_matches_schema():
    nodes = META["resource_schemas"]["datawarehouse_replication_topology"]["nodes"]["block"]
    assert [m.value for m in enums.NodeRole] == nodes["role"]["allowed"]
