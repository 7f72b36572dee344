"""examples/governed: two tenants, one passing and one rejected app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cdktf import App

from dw_constructs.governance.cli import main as cli
from examples.governed.main import CONSTRAINTS, build
from examples.governed.main import main as example_main

SANDBOX_REPORT = """dw-constructs governance: 5 violation(s) for tenant 'sandbox'
  1. [governed-sandbox/GeoPg] construct_type = "CnpgPostgisCluster": CnpgPostgisCluster is denied for this tenant (constraint: allowed: false; rule: CnpgPostgisCluster.allowed, tenant sandbox)
  2. [governed-sandbox/Platform/Warehouse] operational_profile = "Speed": not an allowed value (constraint: allowed "Standard", "Strict", "Paranoid"; rule: DataWarehouseCluster.parameters.operational_profile.allowed, tenant sandbox)
  3. [governed-sandbox/Platform/Warehouse] storage_size_gb = 800: above the maximum (constraint: max 200; rule: DataWarehouseCluster.parameters.storage_size_gb.max, tenant sandbox)
  4. [governed-sandbox/Platform/Warehouse/Scratch] construct_type = "ReplicatedVde": ReplicatedVde is not listed for this tenant (constraint: unlisted_constructs: deny; rule: ReplicatedVde.allowed, tenant sandbox)
  5. [governed-sandbox/Second] max_instances = 2: DataWarehouseCluster number 2 in this app (constraint: max_instances 1; rule: DataWarehouseCluster.max_instances, tenant sandbox)"""


@pytest.fixture(scope="module")
def analytics(tmp_path_factory):
    out = tmp_path_factory.mktemp("analytics")
    app = App(outdir=str(out))
    build(app, "analytics")
    app.synth()
    return out


def test_analytics_app_passes_constraints_and_policies(analytics, capsys):
    assert (analytics / "stacks" / "governed-analytics" / "cdk.tf.json").exists()
    argv = ["check", str(analytics), "--constraints", str(CONSTRAINTS), "--tenant", "analytics"]
    assert cli(argv) == 0
    assert capsys.readouterr().out == "dw-constructs governance: no violations for tenant 'analytics'\n"


def test_sandbox_app_is_rejected_with_one_report(tmp_path):
    from dw_constructs.governance import GovernanceViolations

    app = App(outdir=str(tmp_path))
    build(app, "sandbox")
    with pytest.raises(GovernanceViolations) as err:
        app.synth()
    assert str(err.value) == SANDBOX_REPORT
    assert not (tmp_path / "stacks" / "governed-sandbox" / "cdk.tf.json").exists()


ROOT = Path(__file__).resolve().parents[2]
UNCAUGHT = """
import sys
sys.path.insert(0, {root!r})
from cdktf import App
from examples.governed.main import build
app = App(outdir={out!r})
build(app, {tenant!r}, mode={mode!r})
app.synth()
"""


def _synth_subprocess(tmp_path: Path, tenant: str, mode: str | None = None) -> subprocess.CompletedProcess[str]:
    """An app that calls app.synth() without catching anything, as `python main.py` or `cdktf synth` runs it."""
    script = tmp_path / "app.py"
    script.write_text(UNCAUGHT.format(root=str(ROOT), out=str(tmp_path / "out"), tenant=tenant, mode=mode))
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CHECKPOINT_DISABLE": "1"}
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )


def test_an_uncaught_rejection_prints_the_report_once_without_a_trace(tmp_path):
    proc = _synth_subprocess(tmp_path, "sandbox")
    assert proc.returncode == 1
    assert proc.stderr == SANDBOX_REPORT + "\n"  # once; no jsii error, node frames or Python traceback
    assert proc.stdout == ""


def test_warn_mode_prints_the_report_and_synthesizes(tmp_path):
    proc = _synth_subprocess(tmp_path, "sandbox", "warn")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == SANDBOX_REPORT + "\n(warn mode: synthesis goes on)\n"
    assert (tmp_path / "out" / "stacks" / "governed-sandbox" / "cdk.tf.json").is_file()


def test_example_main_exit_codes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "out"))
    assert example_main(["sandbox"]) == 1
    assert SANDBOX_REPORT in capsys.readouterr().err
    assert example_main(["sandbox", "--warn"]) == 0
    assert example_main(["analytics"]) == 0


def test_constraints_file_validates(capsys):
    assert cli(["validate", str(CONSTRAINTS)]) == 0
    assert capsys.readouterr().out.endswith("tenants: analytics, sandbox\n")


def test_docs_show_the_real_report_and_every_policy():
    from pathlib import Path

    from dw_constructs.governance.policies import POLICY_IDS

    text = (Path(__file__).resolve().parents[2] / "docs" / "governance.md").read_text()
    assert SANDBOX_REPORT in text
    assert [p for p in POLICY_IDS if f"| `{p}` |" not in text] == []
