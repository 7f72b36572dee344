"""Every example app synthesizes three ways (in-process, `python main.py`, `cdktf synth`) and
the result is valid Terraform for real OpenTofu with the providers from our mirror."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
from cdktf import Testing

from tests.support.examples import cdktf_synth, run_main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["single_node", "clustered", "replicated", "cnpg_apply", "cnpg_render"]
STACKS = {name: name.replace("_", "-") for name in EXAMPLES}


def _module(name):
    return importlib.import_module(f"examples.{name}.main")


@pytest.mark.parametrize("name", EXAMPLES)
def test_valid_terraform(name, tools):
    stack = _module(name).build(Testing.app())
    assert Testing.to_be_valid_terraform(Testing.full_synth(stack))


@pytest.mark.parametrize("name", EXAMPLES)
def test_python_main(name, tmp_path):
    doc = run_main(name, tmp_path, STACKS[name])
    assert doc["//"]["metadata"]["stackName"] == STACKS[name]
    assert doc.get("resource") or name == "cnpg_render"  # render mode: outputs only
    assert doc.get("output")


@pytest.mark.parametrize("name", EXAMPLES)
def test_cdktf_synth(name, tools, tmp_path):
    """The real cdktf CLI (pinned, from the tools cache) runs the app; the default one via cdktf.json."""
    out = cdktf_synth(tools, tmp_path, None if name == "single_node" else f"{sys.executable} examples/{name}/main.py")
    assert f"Generated Terraform code for the stacks: {STACKS[name]}" in out
    doc = json.loads((tmp_path / "stacks" / STACKS[name] / "cdk.tf.json").read_text())
    if name != "cnpg_render":  # render mode emits no resources and needs no provider
        assert doc["terraform"]["required_providers"]["helm"] == {"source": "helm", "version": "3.1.1"}


def test_main_job_uses_the_default_example():
    config = json.loads((ROOT / "cdktf.json").read_text())
    assert config["app"] == ".venv/bin/python examples/single_node/main.py"
    assert "examples/single_node/main.py" in (ROOT / "Makefile").read_text()
