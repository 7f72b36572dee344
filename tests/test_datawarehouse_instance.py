"""DataWarehouseProvider + DataWarehouseInstance: defaults, protection, errors, the default example."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cdktf import LocalBackend, TerraformStack, TerraformVariable, Testing

from dw_constructs import PropsError
from dw_constructs.datawarehouse import DataWarehouseInstance, DataWarehouseProvider, OperationalProfile
from tests.support.synth import assert_deterministic, synth_to

#: The provider's own facts (defaults, ranges, allowed values): the independent source of truth.
META = json.loads(
    (Path(__file__).resolve().parents[1] / "provider-bindings" / "datawarehouse" / "schema.meta.json").read_text()
)
INSTANCE_META = META["resource_schemas"]["datawarehouse_instance"]


class InstanceStack(TerraformStack):
    """The smallest useful app: the provider (password from a variable) and one instance."""

    def __init__(self, scope, id="instance-only"):
        super().__init__(scope, id)
        LocalBackend(self, path=f"terraform.{id}.tfstate")
        DataWarehouseProvider(self, "DataWarehouse", host="datawarehouse.datawarehouse.svc.cluster.local")
        self.warehouse = DataWarehouseInstance(
            self, "Warehouse", name="analytics", storage_size_gb=100, operational_profile=OperationalProfile.STANDARD
        )


@pytest.fixture(scope="module")
def example_stack():
    return InstanceStack(Testing.app())


@pytest.fixture(scope="module")
def example(example_stack) -> dict:
    return json.loads(Testing.synth(example_stack))


def test_instance_resource(example):
    (inst,) = example["resource"]["datawarehouse_instance"].values()
    assert inst["name"] == "analytics"
    assert inst["storage_size_gb"] == 100
    assert inst["operational_profile"] == "Standard"
    assert inst["plugins_enabled"] == ["*"]
    assert inst["replication_factor"] == 1
    assert inst["lifecycle"] == {"prevent_destroy": True}


def test_address_is_stable(example):
    """Addresses are public API: renaming them replaces real infrastructure."""
    assert list(example["resource"]["datawarehouse_instance"]) == ["Warehouse_50B5FE91"]
    assert list(example["variable"]) == ["data_warehouse_password"]


def test_password_is_a_sensitive_variable(example):
    provider = example["provider"]["datawarehouse"][0]
    assert provider["password"] == "${var.data_warehouse_password}"
    assert example["variable"]["data_warehouse_password"]["sensitive"] is True
    assert provider["host"] == "datawarehouse.datawarehouse.svc.cluster.local" and provider["port"] == 5432


def test_valid_terraform(example_stack, tools):
    assert Testing.to_be_valid_terraform(Testing.full_synth(example_stack))


def test_direct_tofu_validate(tools, tmp_path):
    """The same check without cdktf's matcher: synth to a directory, `tofu init && tofu validate`."""
    result = tools.tofu_validate(synth_to(tmp_path, InstanceStack))
    assert result["valid"] is True, result["diagnostics"]


def test_synth_is_deterministic(tmp_path):
    assert_deterministic(tmp_path, InstanceStack)


def _stack():
    return TerraformStack(Testing.app(), "s")


def test_defaults_and_opt_out_of_protection():
    stack = _stack()
    DataWarehouseProvider(stack, "Dw", host="h")
    DataWarehouseInstance(stack, "Scratch", name="scratch", storage_size_gb=1, prevent_destroy=False)
    doc = json.loads(Testing.synth(stack))
    (inst,) = doc["resource"]["datawarehouse_instance"].values()
    assert "lifecycle" not in inst
    assert inst["operational_profile"] == INSTANCE_META["operational_profile"]["default"]
    assert inst["replication_factor"] == INSTANCE_META["replication_factor"]["default"]
    assert inst["plugins_enabled"] == INSTANCE_META["plugins_enabled"]["default"]


def test_password_reference_is_used_as_given():
    stack = _stack()
    secret = TerraformVariable(stack, "from_vault", type="string", sensitive=True)
    p = DataWarehouseProvider(stack, "Dw", host="h", password=secret.string_value)
    doc = json.loads(Testing.synth(stack))
    assert p.password_variable is None
    assert doc["provider"]["datawarehouse"][0]["password"] == "${var.from_vault}"
    assert list(doc["variable"]) == ["from_vault"]


@pytest.mark.parametrize(
    "kwargs,prop,allowed",
    [
        ({"name": "Bad_Name"}, "name", "DNS-1123 label"),
        ({"storage_size_gb": "100"}, "storage_size_gb", "an integer"),
        ({"plugins": []}, "plugins", "at least 1 item"),
        (
            {"operational_profile": "Turbo"},
            "operational_profile",
            ", ".join(repr(v) for v in INSTANCE_META["operational_profile"]["allowed"]),
        ),
        ({"prevent_destroy": "yes"}, "prevent_destroy", "True or False"),
    ],
)
def test_instance_rejects_bad_props(kwargs, prop, allowed):
    stack = _stack()
    props = {"name": "ok", "storage_size_gb": 10, **kwargs}
    with pytest.raises(PropsError) as err:
        DataWarehouseInstance(stack, "Inst", **props)
    msg = str(err.value)
    assert msg.startswith("Invalid props for DataWarehouseInstance at 's/Inst':")
    assert re.search(rf"- {prop}: got {re.escape(repr(kwargs[prop]))}; allowed: .*{re.escape(allowed)}", msg), msg
    assert stack.node.try_find_child("Inst") is None, "nothing is created when props are invalid"


def _ranged(meta: dict) -> list[tuple[str, int, int]]:
    return [(attr, m["min"], m["max"]) for attr, m in sorted(meta.items()) if "min" in m and "max" in m]


@pytest.mark.parametrize("attr,lo,hi", _ranged(INSTANCE_META))
def test_instance_ranges_are_the_providers(attr, lo, hi):
    """Every range schema.meta.json gives a datawarehouse_instance attribute is the one the
    construct enforces: both bounds accepted, one past either refused with the range named."""
    for value in (lo, hi):
        DataWarehouseInstance(_stack(), "Inst", **{"name": "ok", "storage_size_gb": 10, attr: value})
    for value in (lo - 1, hi + 1):
        with pytest.raises(PropsError) as err:
            DataWarehouseInstance(_stack(), "Inst", **{"name": "ok", "storage_size_gb": 10, attr: value})
        assert f"- {attr}: got {value}; allowed: an integer {lo}..{hi}" in str(err.value)


def test_instance_range_table_is_not_empty():
    assert {a for a, _, _ in _ranged(INSTANCE_META)} == {"replication_factor", "storage_size_gb"}


def test_provider_port_range_is_the_providers():
    port = META["provider"]["port"]
    for value in (port["min"], port["max"]):
        DataWarehouseProvider(_stack(), "Dw", host="h", port=value)
    with pytest.raises(PropsError) as err:
        DataWarehouseProvider(_stack(), "Dw", host="h", port=port["max"] + 1)
    assert f"port: got {port['max'] + 1}; allowed: an integer {port['min']}..{port['max']}" in str(err.value)


def test_all_problems_in_one_error():
    with pytest.raises(ValueError) as err:
        DataWarehouseInstance(_stack(), "Inst", name="", storage_size_gb=-1, operational_profile="x")
    assert [p.prop for p in err.value.problems] == ["name", "storage_size_gb", "operational_profile"]
    assert isinstance(err.value, TypeError)


def test_provider_rejects_literal_password_without_echoing_it():
    with pytest.raises(PropsError) as err:
        DataWarehouseProvider(_stack(), "Dw", host="h", password="hunter2", port=70000)
    msg = str(err.value)
    assert "hunter2" not in msg
    assert "password: got '<literal hidden>'; allowed: a reference" in msg
    assert "port: got 70000; allowed: an integer" in msg
