"""examples/governed: two tenants, one passing and one rejected app."""

from __future__ import annotations

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
    app = App(outdir=str(tmp_path))
    build(app, "sandbox")
    with pytest.raises(RuntimeError) as err:
        app.synth()
    assert f"[governed-sandbox] {SANDBOX_REPORT}\n" in str(err.value)


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
