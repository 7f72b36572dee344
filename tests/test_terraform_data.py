"""``terraform_data`` without ``cdktf.DataResource`` (issue 17): the same JSON as cdktf's own class
(the oracle), but no ``terraform version`` process per instance at synth, so synthesizing needs no
terraform binary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cdktf import DataResource, TerraformOutput, TerraformStack, TerraformVariable, Testing

from dw_constructs._terraform_data import TerraformData

ROOT = Path(__file__).resolve().parents[1]


def _stack(cls) -> dict:
    stack = TerraformStack(Testing.app(), "s")
    pw = TerraformVariable(stack, "pw", type="string", sensitive=True)
    a = cls(stack, "A", triggers_replace={"username": "admin", "password": pw.string_value})
    b = cls(stack, "B", input={"nested": {"list": [1, "two"], "ref": a.id}, "flag": True})
    cls(stack, "Empty")
    TerraformOutput(stack, "Id", value=b.id)
    return json.loads(Testing.synth(stack))


def test_synthesizes_like_cdktf_data_resource():
    ours, cdktf = _stack(TerraformData), _stack(DataResource)
    assert ours == cdktf
    assert ours["resource"]["terraform_data"]["A"]["triggers_replace"] == {"password": "${var.pw}", "username": "admin"}


def test_synth_needs_no_terraform_binary(tmp_path):
    """The default example synthesizes where no terraform is installed (cdktf's DataResource ran
    ``terraform version`` for each instance and failed the synth without it)."""
    env = {**os.environ, "TERRAFORM_BINARY_NAME": str(tmp_path / "no-terraform"), "CDKTF_OUTDIR": str(tmp_path)}
    res = subprocess.run(
        [sys.executable, "examples/single_node/main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads((tmp_path / "stacks" / "single-node" / "cdk.tf.json").read_text())
    assert set(doc["resource"]["terraform_data"]) == {"Warehouse_CredentialsRevision_AD3ADA2E"}
