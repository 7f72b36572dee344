"""The DeltaStream example apps run as scripts and through the real cdktf CLI, deterministically,
and `import dw_constructs.deltastream` stays cheap (no jsii runtime, no bindings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.examples import cdktf_synth, run_main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"deltastream": "deltastream", "deltastream_cnpg": "deltastream-cnpg"}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_python_main(name, tmp_path):
    doc = run_main(name, tmp_path, EXAMPLES[name])
    assert doc["terraform"]["required_providers"]["deltastream"] == {
        "source": "deltastreaminc/deltastream",
        "version": "1.0.3",
    }
    assert doc["terraform"]["backend"]["local"]["path"] == f"terraform.{EXAMPLES[name]}.tfstate"
    assert doc["variable"]["delta_stream_api_key"]["sensitive"] is True


def test_examples_are_deterministic(tmp_path):
    from examples.deltastream.main import build
    from tests.support.synth import assert_deterministic

    assert_deterministic(tmp_path, build)


def test_cdktf_synth(tools, tmp_path):
    out = cdktf_synth(tools, tmp_path, f"{sys.executable} examples/deltastream/main.py")
    assert "Generated Terraform code for the stacks: deltastream" in out


def test_import_is_cheap():
    code = (
        "import sys, dw_constructs.deltastream as d; d.KafkaProps; "
        "print(sorted(m for m in ('cdktf', 'jsii', 'dw_cdktf_provider_deltastream') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
