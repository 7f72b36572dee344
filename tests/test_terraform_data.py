"""``terraform_data`` from our bindings of OpenTofu's built-in provider (issue 17): the schema is what
the real tofu reports (re-extracted and compared), the generated TypeScript is reproducible, and the
class synthesizes exactly what ``cdktf.DataResource`` synthesizes for the same arguments (the oracle),
with no ``required_providers``/``provider`` entry, no ``terraform version`` process per instance and
no call back into Python when the app is synthesized, so synthesizing needs no terraform binary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cdktf import DataResource, TerraformOutput, TerraformResource, TerraformStack, TerraformVariable, Testing

from tests.support.bindings import regenerate

ROOT = Path(__file__).resolve().parents[1]
BINDINGS = ROOT / "provider-bindings"
TF = BINDINGS / "terraform"
SOURCE = "terraform.io/builtin/terraform"


def _data():
    from dw_cdktf_provider_terraform.data import Data

    return Data


# --- the bindings --------------------------------------------------------------------------------


def test_schema_source_is_recorded():
    """Re-extraction and the pinned tofu version: tests/test_extracted_schemas.py."""
    src = json.loads((TF / "schema.source.json").read_text())
    assert src["provider"] == SOURCE
    assert src["upstream"]["repository"] == "https://github.com/opentofu/opentofu"
    assert src["upstream"]["tag"] == f"v{src['version']}"
    assert src["resources"] == ["terraform_data"]
    assert src["data_sources"] == [] and src["ephemeral_resources"] == []


def test_only_terraform_data_and_no_provider_class():
    schema = json.loads((TF / "schema.json").read_text())["provider_schemas"]
    assert list(schema) == [SOURCE]
    assert set(schema[SOURCE]["resource_schemas"]) == {"terraform_data"}
    assert schema[SOURCE]["data_source_schemas"] == {}  # terraform_remote_state left out
    assert "provider" not in schema[SOURCE]  # nothing to configure: tofu reports {"version": 0}, no block
    attrs = schema[SOURCE]["resource_schemas"]["terraform_data"]["block"]["attributes"]
    assert set(attrs) == {"id", "input", "output", "triggers_replace"}


def test_generated_sources_reproducible(tmp_path):
    files, diffs = regenerate(TF, tmp_path / "src")
    assert files == {"index.ts", "data/index.ts"}
    assert diffs == []


def test_wheel_holds_one_module():
    (wheel,) = (TF / "dist" / "wheels").glob("dw_cdktf_provider_terraform-1.11.14-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        modules = {n.split("/")[1] for n in zf.namelist() if n.endswith("/__init__.py") and n.count("/") == 2}
    assert modules == {"_jsii", "data"}


# --- the oracle: cdktf.DataResource -------------------------------------------------------------


def _stack(cls) -> TerraformStack:
    stack = TerraformStack(Testing.app(), "s")
    pw = TerraformVariable(stack, "pw", type="string", sensitive=True)
    a = cls(stack, "A", triggers_replace={"username": "admin", "password": pw.string_value})
    b = cls(
        stack,
        "B",
        input={"nested": {"list": [1, "two"], "ref": a.id}, "flag": True},
        lifecycle={"create_before_destroy": True},
        depends_on=[a],
    )
    cls(stack, "Empty")
    TerraformOutput(stack, "Id", value=b.id)
    TerraformOutput(stack, "Output", value=b.output)
    return stack


def test_synthesizes_like_cdktf_data_resource():
    ours, cdktf = Testing.synth(_stack(_data())), Testing.synth(_stack(DataResource))
    assert ours == cdktf  # the JSON text, byte for byte
    doc = json.loads(ours)
    assert doc["resource"]["terraform_data"]["A"]["triggers_replace"] == {"password": "${var.pw}", "username": "admin"}
    assert doc["output"]["Output"] == {"value": "${terraform_data.B.output}"}


def test_writes_no_provider_requirement_and_validates_with_tofu(tools):
    stack = _stack(_data())
    doc = json.loads(Testing.synth(stack))
    assert "provider" not in doc and "required_providers" not in doc.get("terraform", {})
    assert Testing.to_be_valid_terraform(Testing.full_synth(stack))


class _PythonAttributes(TerraformResource):
    """Control: ``terraform_data`` with its attributes supplied from Python (how dw_constructs wrote
    it before these bindings): cdktf calls back into Python for them at synth."""

    def __init__(self, scope, id: str, *, input: Any = None) -> None:
        super().__init__(scope, id, terraform_resource_type="terraform_data")
        self._attributes = {} if input is None else {"input": input}

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return self._attributes


def _callbacks_at_synth(cls, n: int) -> tuple[int, dict]:
    """Callbacks from node into Python while a stack of ``n`` ``cls`` synthesizes, and its JSON."""
    from jsii import _kernel

    stack = TerraformStack(Testing.app(), "s")
    for i in range(n):
        cls(stack, f"D{i}", input={"i": i})
    calls = []
    original = _kernel._handle_callback

    def counting(kernel, callback):
        calls.append(callback.cookie)
        return original(kernel, callback)

    _kernel._handle_callback = counting
    try:
        doc = json.loads(Testing.synth(stack))
    finally:
        _kernel._handle_callback = original
    return len(calls), doc


def test_no_python_callbacks_at_synth():
    ours, doc = _callbacks_at_synth(_data(), 20)
    control, control_doc = _callbacks_at_synth(_PythonAttributes, 20)
    assert doc == control_doc  # the same resources...
    assert ours == 0  # ...without a call into Python
    assert control >= 20  # the counting sees the callbacks a Python-side class causes


@pytest.mark.parametrize(
    "example,stack_name,revisions",
    [("single_node", "single-node", 1), ("deltastream", "deltastream", None)],
)
def test_synth_needs_no_terraform_binary(tmp_path, example, stack_name, revisions):
    """The examples with terraform_data (the cluster's credentials revision, the DeltaStream
    constructs' revisions) synthesize where no terraform is installed (cdktf's DataResource ran
    ``terraform version`` for each instance and failed the synth without it)."""
    env = {**os.environ, "TERRAFORM_BINARY_NAME": str(tmp_path / "no-terraform"), "CDKTF_OUTDIR": str(tmp_path)}
    res = subprocess.run(
        [sys.executable, f"examples/{example}/main.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads((tmp_path / "stacks" / stack_name / "cdk.tf.json").read_text())
    found = doc["resource"]["terraform_data"]
    assert len(found) == revisions if revisions else len(found) > 1


def test_cdktf_data_resource_needs_a_terraform_binary(tmp_path):
    """Control for the test above: the same synth with cdktf's class fails without terraform."""
    code = (
        "from cdktf import App, DataResource, TerraformStack\n"
        "app = App(outdir=__import__('sys').argv[1]); s = TerraformStack(app, 's')\n"
        "DataResource(s, 'D', input={'a': 1})\n"
        "app.synth()\n"
    )
    env = {**os.environ, "TERRAFORM_BINARY_NAME": str(tmp_path / "no-terraform")}
    res = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=300
    )
    assert res.returncode != 0 and "Could not determine version of" in res.stderr, res.stderr
