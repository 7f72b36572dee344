"""The lookups' Terraform expressions, evaluated by real ``tofu console`` over literal item lists
standing in for what the DeltaStream service would return (the data sources themselves need the
service): singular lookups pass only with exactly one match and say what they found otherwise;
plural lookups order by name."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformOutput, TerraformStack, Testing

from dw_constructs.deltastream import DeltaStreamProvider, StoreLookup, StoresLookup


def console(tools, tmp_path, expr: str):
    return tools.tofu_console(tmp_path, expr)


def hcl_items(*items: dict) -> str:
    return "[" + ", ".join("{" + ", ".join(f'{k} = "{v}"' for k, v in i.items()) + "}" for i in items) + "]"


@pytest.fixture(scope="module")
def synthesized() -> dict:
    st = TerraformStack(Testing.app(), "look")
    DeltaStreamProvider(st, "P")
    StoreLookup(st, "Kafka", type="kafka", owner="sysadmin")
    stores = StoresLookup(st, "All")
    TerraformOutput(st, "items", value=stores.items)
    TerraformOutput(st, "names", value=stores.names)
    return json.loads(Testing.synth(st))


def _postcondition(doc) -> dict:
    (lookup,) = [v for k, v in doc["data"]["deltastream_stores"].items() if k.startswith("Kafka_")]
    return lookup["lifecycle"]["postcondition"][0]


KAFKA_A = {"name": "a", "type": "Kafka", "owner": "sysadmin", "state": "ready"}
KAFKA_B = {"name": "b", "type": "KAFKA", "owner": "sysadmin", "state": "ready"}
PG = {"name": "c", "type": "PostgreSQL", "owner": "sysadmin", "state": "ready"}
OTHER_OWNER = {"name": "d", "type": "Kafka", "owner": "team", "state": "ready"}


@pytest.mark.parametrize(
    "items,ok,message",
    [
        ((KAFKA_A, PG, OTHER_OWNER), True, None),
        (
            (PG, OTHER_OWNER),
            False,
            "Expected exactly one DeltaStream store with type 'kafka', owner 'sysadmin'; found 0: [].",
        ),
        (
            (KAFKA_B, PG, KAFKA_A),
            False,
            "Expected exactly one DeltaStream store with type 'kafka', owner 'sysadmin'; found 2: [b, a].",
        ),
    ],
)
def test_singular_lookup_postcondition(tools, tmp_path, synthesized, items, ok, message):
    post = _postcondition(synthesized)
    literal = hcl_items(*items)
    condition = post["condition"][2:-1].replace("self.items", literal)
    assert console(tools, tmp_path, condition) is ok
    if message:
        rendered = console(tools, tmp_path, '"' + post["error_message"].replace("self.items", literal) + '"')
        assert rendered == message


def test_plural_lookup_is_sorted_by_name(tools, tmp_path, synthesized):
    addr = [k for k in synthesized["data"]["deltastream_stores"] if k.startswith("All_")][0]
    ref = f"data.deltastream_stores.{addr}.items"
    literal = hcl_items(KAFKA_B, PG, KAFKA_A)
    items = console(tools, tmp_path, synthesized["output"]["items"]["value"][2:-1].replace(ref, literal))
    assert [i["name"] for i in items] == ["a", "b", "c"]
    assert console(tools, tmp_path, synthesized["output"]["names"]["value"][2:-1].replace(ref, literal)) == [
        "a",
        "b",
        "c",
    ]
