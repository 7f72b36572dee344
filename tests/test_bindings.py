"""The generated datawarehouse bindings, end to end: every resource and data source synthesizes
with the generated Python classes, and the result validates with real OpenTofu against the
schema-serving provider binary built from the same schema.json."""

from __future__ import annotations

import filecmp
import json
import subprocess
from pathlib import Path

import pytest
from cdktf import TerraformStack, TerraformVariable, Testing
from dw_cdktf_provider_datawarehouse.data_datawarehouse_capabilities import DataDatawarehouseCapabilities
from dw_cdktf_provider_datawarehouse.data_datawarehouse_instance_status import DataDatawarehouseInstanceStatus
from dw_cdktf_provider_datawarehouse.data_datawarehouse_plugin_catalog import DataDatawarehousePluginCatalog
from dw_cdktf_provider_datawarehouse.instance import Instance
from dw_cdktf_provider_datawarehouse.plugin import Plugin
from dw_cdktf_provider_datawarehouse.policy import Policy
from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider
from dw_cdktf_provider_datawarehouse.replication_topology import ReplicationTopology, ReplicationTopologyNodes
from dw_cdktf_provider_datawarehouse.user import User
from dw_cdktf_provider_datawarehouse.vde import Vde

BINDINGS = Path(__file__).resolve().parents[1] / "provider-bindings" / "datawarehouse"


def _all_types_stack(scope) -> TerraformStack:
    stack = TerraformStack(scope, "bindings")
    pw = TerraformVariable(stack, "admin_password", type="string", sensitive=True)
    user_pw = TerraformVariable(stack, "user_password", type="string", sensitive=True)
    ca = TerraformVariable(stack, "ca_cert_pem", type="string")
    DatawarehouseProvider(
        stack,
        "dw",
        host="dw.example.internal",
        port=15432,
        username="admin",
        password=pw.string_value,
        ca_cert_pem=ca.string_value,
    )
    inst = Instance(
        stack,
        "inst",
        name="analytics",
        storage_size_gb=250,
        replication_factor=3,
        plugins_enabled=["geo", "ml"],
        operational_profile="Strict",
    )
    Vde(
        stack,
        "vde",
        instance_id=inst.id,
        name="finance",
        block_size=8192,
        encryption_enabled=True,
        compression_codec="lz4",
        replication_mode="semi-sync",
    )
    User(
        stack,
        "user",
        instance_id=inst.id,
        username="analyst",
        password=user_pw.string_value,
        roles=["reader"],
        mfa_enabled=True,
    )
    Policy(
        stack,
        "policy",
        instance_id=inst.id,
        name="keep-1y",
        target_path="/finance/*",
        feature="retention",
        intensity_level=7,
        cascade_strategy="override",
    )
    Plugin(stack, "plugin", instance_id=inst.id, plugin_id="geo", enabled=True, configuration={"srid": "4326"})
    ReplicationTopology(
        stack,
        "topology",
        instance_id=inst.id,
        mode="active-passive",
        sync_interval_seconds=60,
        nodes=[
            ReplicationTopologyNodes(host="a.example", port=5432, role="primary", priority=10),
            ReplicationTopologyNodes(host="b.example", role="replica"),
        ],
    )
    DataDatawarehouseInstanceStatus(stack, "status", instance_id=inst.id)
    DataDatawarehouseCapabilities(stack, "caps")
    DataDatawarehousePluginCatalog(stack, "catalog")
    return stack


@pytest.fixture(scope="module")
def stack():
    return _all_types_stack(Testing.app())


@pytest.fixture(scope="module")
def synthesized(stack) -> str:
    return Testing.synth(stack)


@pytest.mark.parametrize(
    "resource,props",
    [
        (
            Instance,
            {
                "name": "analytics",
                "storage_size_gb": 250,
                "replication_factor": 3,
                "plugins_enabled": ["geo", "ml"],
                "operational_profile": "Strict",
            },
        ),
        (
            Vde,
            {
                "name": "finance",
                "block_size": 8192,
                "encryption_enabled": True,
                "compression_codec": "lz4",
                "replication_mode": "semi-sync",
                "instance_id": "${datawarehouse_instance.inst.id}",
            },
        ),
        (User, {"username": "analyst", "password": "${var.user_password}", "roles": ["reader"], "mfa_enabled": True}),
        (
            Policy,
            {
                "name": "keep-1y",
                "target_path": "/finance/*",
                "feature": "retention",
                "intensity_level": 7,
                "cascade_strategy": "override",
            },
        ),
        (Plugin, {"plugin_id": "geo", "enabled": True, "configuration": {"srid": "4326"}}),
        (
            ReplicationTopology,
            {
                "mode": "active-passive",
                "sync_interval_seconds": 60,
                "nodes": [
                    {"host": "a.example", "port": 5432, "role": "primary", "priority": 10},
                    {"host": "b.example", "role": "replica"},
                ],
            },
        ),
    ],
    ids=lambda v: getattr(v, "TF_RESOURCE_TYPE", None),
)
def test_resource_with_properties(synthesized, resource, props):
    assert Testing.to_have_resource_with_properties(synthesized, resource.TF_RESOURCE_TYPE, props)


def test_wrong_property_is_not_matched(synthesized):
    assert not Testing.to_have_resource_with_properties(
        synthesized, Instance.TF_RESOURCE_TYPE, {"storage_size_gb": 251}
    )


@pytest.mark.parametrize(
    "data_source", [DataDatawarehouseInstanceStatus, DataDatawarehouseCapabilities, DataDatawarehousePluginCatalog]
)
def test_data_sources(synthesized, data_source):
    assert Testing.to_have_data_source(synthesized, data_source.TF_RESOURCE_TYPE)


def test_provider_block(synthesized):
    assert Testing.to_have_provider_with_properties(
        synthesized, DatawarehouseProvider.TF_RESOURCE_TYPE, {"host": "dw.example.internal", "port": 15432}
    )
    doc = json.loads(synthesized)
    assert doc["terraform"]["required_providers"]["datawarehouse"] == {
        "source": "datawarehouse/datawarehouse",
        "version": "~> 1.0",
    }
    assert doc["provider"]["datawarehouse"][0]["password"] == "${var.admin_password}"
    assert doc["provider"]["datawarehouse"][0]["ca_cert_pem"] == "${var.ca_cert_pem}"


def test_valid_terraform_with_real_tofu(stack, tools):
    """Real OpenTofu init (from our mirror) + validate against the schema-serving provider."""
    assert Testing.to_be_valid_terraform(Testing.full_synth(stack))


def test_generated_sources_reproducible(tmp_path):
    """Regenerating from schema.json gives byte-identical TypeScript to what was built."""
    out = tmp_path / "src"
    subprocess.run(
        ["node", str(BINDINGS / "generate.js"), str(out)],
        check=True,
        capture_output=True,
        env={
            "PATH": __import__("os").environ["PATH"],
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_CONFIG_FILE": str(tmp_path / "empty.tfrc"),
        },
    )
    cmp = filecmp.dircmp(BINDINGS / "src", out)

    def diffs(c):
        return c.left_only + c.right_only + c.diff_files + [d for sub in c.subdirs.values() for d in diffs(sub)]

    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "instance/index.ts" in files and len(files) == 22, files
    assert diffs(cmp) == []
