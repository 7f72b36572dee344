"""The baselines of benchmarks/bench_process.py are fair: the cdktf-core floor and the naive app
(prebuilt provider packages) rebuild exactly the JSON ours synthesizes (the floor adds only its
``"//"`` record of overrides, a comment Terraform ignores), assets included. No timings here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "benchmarks" / "apps"
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_process import _comparable  # noqa: E402


def _run(args: list[str], outdir: Path) -> None:
    env = {**os.environ, "CDKTF_OUTDIR": str(outdir)}
    res = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> tuple[Path, Path]:
    """Two DataWarehouseClusters (one chart asset) synthesized by ours, and the replay spec."""
    out = tmp_path_factory.mktemp("ours")
    spec = out / "spec.json"
    _run([str(APPS / "dw_clusters.py"), "2", "--describe", str(spec)], out)
    doc = json.loads(spec.read_text())
    doc["json"] = str(out / "stacks" / "dw-clusters" / "cdk.tf.json")
    spec.write_text(json.dumps(doc))
    return out, spec


@pytest.mark.parametrize("mode", ["floor", "naive"])
def test_replay_synthesizes_ours(ours, mode, tmp_path):
    out, spec = ours
    _run([str(APPS / "replay.py"), mode, str(spec)], tmp_path)
    mine = json.loads((out / "stacks" / "dw-clusters" / "cdk.tf.json").read_text())
    theirs = json.loads((tmp_path / "stacks" / "dw-clusters" / "cdk.tf.json").read_text())
    if mode == "naive":
        assert theirs == mine
    else:
        assert theirs != mine and _comparable(theirs) == _comparable(mine)
    assert sorted(p.name for p in (tmp_path / "stacks" / "dw-clusters" / "assets").iterdir()) == sorted(
        p.name for p in (out / "stacks" / "dw-clusters" / "assets").iterdir()
    )


def test_launcher_sums_the_process_tree(tmp_path):
    """python + the two node processes of the jsii runtime, each with its peak resident set."""
    peaks = tmp_path / "peaks.json"
    _run([str(APPS / "launch.py"), str(peaks), str(APPS / "dw_clusters.py"), "1"], tmp_path)
    found = json.loads(peaks.read_text())
    assert sorted(k.split(":", 1)[1] for k in found) == ["node", "node", "python"], found
    assert all(v > 10_000 for v in found.values()), found  # KiB
