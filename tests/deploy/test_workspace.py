"""The lifecycle on real OpenTofu, offline: stacks of OpenTofu's built-in ``terraform_data`` (no
provider, no server; tests/deploy/apps.py), so every plan, apply, destroy and failure is real
and takes a second. What is checked comes from OpenTofu's own files (the state file it wrote,
``tofu show -json`` run here), not from the package's view of them.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest

from dw_constructs.deploy import (
    ApprovalDecision,
    DeployUsageError,
    GovernanceRefused,
    PlanRefused,
)
from tests.deploy.apps import SECRET_VARIABLE
from tests.deploy.support import SECRET, files_holding, state_file, state_ids, statuses, variant, workspace

BASE, DEP0, DEP1 = "terraform_data.Base", "terraform_data.Dependent0", "terraform_data.Dependent1"


def _tofu_show(ws, plan_file) -> dict:
    """``tofu show -json`` run here, with the toolchain's binary (the oracle for the artifact)."""
    res = subprocess.run(
        [os.environ["TERRAFORM_BINARY_NAME"], "show", "-json", str(plan_file)],
        cwd=ws.workdir,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, f"TF_VAR_{SECRET_VARIABLE}": SECRET},
    )
    return json.loads(res.stdout)


def test_preview_up_replan_destroy(tmp_path):
    ws = workspace(tmp_path, "open")
    plan = ws.preview()

    # The artifact: binary plan, redacted show JSON, summary, bound to config and state.
    shown = _tofu_show(ws, plan.plan_file)
    planned = sorted(rc["address"] for rc in shown["resource_changes"] if rc["change"]["actions"] == ["create"])
    assert planned == [BASE, DEP0]
    assert [c.address for c in plan.summary.of("create")] == planned
    assert plan.has_changes and plan.state["lineage"] is None
    assert SECRET in json.dumps(shown), "tofu show -json prints the sensitive value (what redaction is for)"
    assert SECRET not in plan.json_file.read_text()
    assert plan.show()["variables"][SECRET_VARIABLE]["value"] == "(sensitive)"
    for f in plan.path.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert "+ terraform_data.Base (prevent_destroy)" in (plan.path / "summary.txt").read_text()

    rec = ws.up(plan)
    ids = state_ids(ws)
    assert rec.status == "succeeded" and sorted(rec.created) == sorted(ids) == [BASE, DEP0]
    assert rec.outputs == {"base_id": ids[BASE], "password": "(sensitive)"}
    assert rec.approval == {"required": False} and rec.actor == ws.actor and rec.plan_hash == plan.plan_hash
    assert statuses(ws, rec.id) == ["pending", "running", "succeeded"]
    assert ws.outputs() == rec.outputs and ws.status().last_operation == rec

    again = ws.preview()
    assert not again.has_changes and again.summary.changes == () and again.state["serial"] >= 1

    # Destroy goes through the gate: the default tenant settings require an approval for it.
    gone = ws.preview(destroy=True)
    assert [k.address for k in gone.summary.kept] == [BASE]  # prevent_destroy: kept, reported
    assert [(c.action, c.address) for c in gone.summary.changes] == [("delete", DEP0)]
    with pytest.raises(PlanRefused) as refused:
        ws.destroy(gone)
    assert refused.value.codes == ["not-approved"] and "approval.destroy: required" in str(refused.value)
    assert sorted(state_ids(ws)) == [BASE, DEP0]  # nothing applied
    approval = ws.approve(gone, actor="alice", comment="decommission")
    rec = ws.destroy(gone)
    assert rec.status == "succeeded" and sorted(state_ids(ws)) == [BASE]
    assert rec.approval["actor"] == "alice" and rec.approval["plan_hash"] == gone.plan_hash == approval.plan_hash
    assert [o.kind for o in ws.history()] == ["destroy", "apply"]
    events = [(e.event, e.status) for e in ws.events()]
    assert ("refused", None) in events and ("approved", None) in events

    # Nothing the package wrote holds the secret (OpenTofu's state and binary plans do, by design).
    assert files_holding(ws.root, SECRET) == []


def test_destroy_without_protected_resources_removes_everything(tmp_path):
    ws = workspace(tmp_path, "strict", variant(protect=False))  # strict: destroy needs no approval
    ws.up(ws.preview())
    assert sorted(state_ids(ws)) == [BASE, DEP0]
    rec = ws.destroy()
    assert rec.status == "succeeded" and rec.approval == {"required": False}
    assert state_ids(ws) == {} and ws.status().resources == ()


def test_stale_configuration_is_refused(tmp_path):
    plan = workspace(tmp_path, "open").preview()
    changed = workspace(tmp_path, "open", variant(version="2"))
    with pytest.raises(PlanRefused) as exc:
        changed.up(plan)
    assert exc.value.codes == ["config-changed"] and exc.value.stale
    assert "configuration changed since the plan was made" in str(exc.value)
    assert not state_file(changed).exists() and changed.history() == []


def test_stale_state_is_refused(tmp_path):
    ws = workspace(tmp_path, "open")
    first, second = ws.preview(), ws.preview()
    ws.up(second)
    before = state_ids(ws)
    with pytest.raises(PlanRefused) as exc:
        ws.up(first)
    assert exc.value.codes == ["state-changed"]
    assert "serial 0 -> 1" in str(exc.value) and "0 -> 2 resources" in str(exc.value)
    assert state_ids(ws) == before and len(ws.history()) == 1


def test_a_plan_is_applied_once(tmp_path):
    ws = workspace(tmp_path, "open")
    ws.up(ws.preview())
    noop = ws.preview()
    assert ws.up(noop).status == "succeeded"
    with pytest.raises(PlanRefused) as exc:
        ws.up(noop)
    assert exc.value.codes == ["already-applied"]


def test_approval_gate_binds_the_approval_to_one_plan(tmp_path):
    ws = workspace(tmp_path, "gated")
    plan, other = ws.preview(), ws.preview()
    with pytest.raises(PlanRefused) as exc:
        ws.up(plan)
    assert exc.value.codes == ["not-approved"] and exc.value.plan.plan_hash == plan.plan_hash
    assert "tenant gated requires one for apply" in str(exc.value)
    assert not state_file(ws).exists()
    ws.approve(plan, actor="alice", comment="CHG-42")
    recorded = json.loads((plan.path / "approval.json").read_text())
    assert (recorded["actor"], recorded["plan_hash"], recorded["comment"]) == ("alice", plan.plan_hash, "CHG-42")
    with pytest.raises(PlanRefused) as exc:
        ws.up(other)  # approving one plan approves no other
    assert exc.value.codes == ["not-approved"]
    rec = ws.up(plan)
    assert rec.status == "succeeded"
    assert (rec.approval["required"], rec.approval["actor"], rec.approval["at"]) == (True, "alice", recorded["at"])


def test_approval_hook_can_deny_and_approve(tmp_path):
    asked = []

    def deny(request):
        asked.append((request.stack, request.tenant, request.kind, [c.address for c in request.summary.changes]))
        return ApprovalDecision(False, comment="change freeze")

    ws = workspace(tmp_path, "gated", approval_hook=deny)
    plan = ws.preview()
    with pytest.raises(PlanRefused) as exc:
        ws.approve(plan, actor="bob")
    assert exc.value.codes == ["approval-denied"] and "change freeze" in str(exc.value)
    with pytest.raises(PlanRefused):
        ws.up(plan)
    assert asked == [("demo", "gated", "apply", [BASE, DEP0])] * 2
    assert [e.event for e in ws.events()].count("approval-denied") == 2 and not state_file(ws).exists()

    board = workspace(tmp_path, "gated", approval_hook=lambda request: ApprovalDecision(True, "change-board", "CHG-7"))
    rec = board.up(plan)
    assert rec.status == "succeeded" and (rec.approval["actor"], rec.approval["via"]) == ("change-board", "hook")


def _render_app(app, **cluster):
    from cdktf import LocalBackend, TerraformStack

    from dw_constructs.cnpg import CnpgPostgisCluster, Mode

    stack = TerraformStack(app, "demo")
    LocalBackend(stack, path="terraform.demo.tfstate")
    CnpgPostgisCluster(stack, "GeoPg", mode=Mode.RENDER, instances=3, **cluster)
    return stack


def test_governance_violations_refuse_before_planning(tmp_path):
    from tests.deploy.support import write_constraints

    write_constraints(
        tmp_path / "constraints.yaml",
        {
            "locked": {
                "constructs": {"CnpgPostgisCluster": {"parameters": {"instances": {"max": 2}}}},
                "policies": {"require_backup": True},
            },
            "relaxed": {"mode": "warn", "policies": {"require_backup": True}},
        },
    )
    ws = workspace(tmp_path, "locked", _render_app)
    with pytest.raises(GovernanceRefused) as exc:
        ws.preview()
    rules = sorted(v.rule for v in exc.value.report.violations)
    assert rules == ["CnpgPostgisCluster.parameters.instances.max", "cnpg-backup"]
    assert not ws.plans_dir.exists() or list(ws.plans_dir.iterdir()) == []
    assert [e.event for e in ws.events()][-1] == "governance-refused"

    warned = workspace(tmp_path, "relaxed", _render_app, root="ws2")
    plan = warned.preview()
    assert len(plan.warnings) == 1 and "cnpg-backup" in plan.warnings[0]
    assert "Governance warning" in plan.text()


def test_compensation_keeps_protected_resources_unless_the_tenant_allows(tmp_path):
    """A first apply that fails after creating Base (prevent_destroy) and two dependents."""
    failing = variant(fail=True, dependents=2)
    strict = workspace(tmp_path, "strict", failing, root="strict")
    from dw_constructs.deploy import ApplyFailed

    with pytest.raises(ApplyFailed) as exc:
        strict.up(strict.preview())
    rec = exc.value.record
    assert "creating Bad failed" in rec.error
    assert sorted(rec.created) == ["terraform_data.Bad", BASE, DEP0, DEP1]
    assert rec.status == "failed" and rec.compensation["status"] == "partial"
    assert [k["address"] for k in rec.compensation["kept"]] == [BASE]
    assert "compensate_protected: false" in rec.compensation["kept"][0]["reason"]
    assert sorted(state_ids(strict)) == [BASE]
    assert statuses(strict, rec.id) == ["pending", "running", "failed", "failed"]

    lenient = workspace(tmp_path, "lenient", failing, root="lenient")
    with pytest.raises(ApplyFailed) as exc:
        lenient.up(lenient.preview())
    rec = exc.value.record
    assert rec.status == "compensated" and rec.compensation["status"] == "complete"
    assert sorted(rec.compensation["destroyed"]) == sorted(rec.created) and rec.compensation["kept"] == []
    assert state_ids(lenient) == {}
    assert statuses(lenient, rec.id) == ["pending", "running", "failed", "compensated"]
    assert not (lenient.workdir / "dw_deploy_compensate_override.tf.json").exists()


def test_compensation_never_touches_what_existed_before(tmp_path):
    from dw_constructs.deploy import ApplyFailed

    ws = workspace(tmp_path, "lenient", variant(dependents=1))
    ws.up(ws.preview())
    before = state_ids(ws)
    failing = workspace(tmp_path, "lenient", variant(dependents=3, fail=True))
    with pytest.raises(ApplyFailed) as exc:
        failing.up(failing.preview())
    rec = exc.value.record
    assert sorted(rec.created) == ["terraform_data.Bad", DEP1, "terraform_data.Dependent2"]
    assert rec.status == "compensated"
    assert state_ids(ws) == before  # same resources, same ids: untouched


def test_compensation_refuses_when_it_would_destroy_a_preexisting_resource(tmp_path):
    import functools

    from dw_constructs.deploy import ApplyFailed
    from tests.deploy.apps import entangled

    ws = workspace(tmp_path, "lenient", entangled)
    ws.up(ws.preview())
    old_id = state_ids(ws)["terraform_data.Old"]
    v2 = workspace(tmp_path, "lenient", functools.partial(entangled, version="2"))
    with pytest.raises(ApplyFailed) as exc:
        v2.up(v2.preview())
    comp = exc.value.record.compensation
    assert exc.value.record.status == "failed" and comp["status"] == "failed"
    assert "existed before the failed apply: terraform_data.Old" in comp["error"]
    ids = state_ids(ws)
    assert ids["terraform_data.Old"] == old_id and "terraform_data.New" in ids


def test_bad_input_is_refused_before_anything_runs(tmp_path):
    from tests.deploy.apps import demo_other

    with pytest.raises(DeployUsageError, match=r"no tenant 'nobody'; tenants: gated, lenient, open, strict"):
        workspace(tmp_path, "nobody")
    with pytest.raises(DeployUsageError, match="cannot read constraints document"):
        workspace(tmp_path, "open", constraints=tmp_path / "missing.yaml")

    ws = workspace(tmp_path, "open")
    plan = ws.preview()
    other = workspace(tmp_path, "open", demo_other, stack="other")
    with pytest.raises(DeployUsageError, match="is a plan of stack 'demo', not of 'other'"):
        other.up(plan)
    with pytest.raises(DeployUsageError, match="not a plan artifact"):
        ws.up(tmp_path)
    elsewhere = workspace(tmp_path, "open", root="elsewhere")
    with pytest.raises(DeployUsageError, match="was not made by this workspace"):
        elsewhere.up(plan)
    with pytest.raises(DeployUsageError, match="governed as tenant 'open'"):
        workspace(tmp_path, "gated").preview()

    data = bytearray(plan.plan_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    plan.plan_file.write_bytes(bytes(data))
    with pytest.raises(DeployUsageError, match="corrupted or replaced"):
        ws.up(plan)
    assert not state_file(ws).exists() and ws.history() == []


def test_excluded_provider_is_left_out_and_recorded(tmp_path):
    """A stack holding a datawarehouse provider and instance: with ``exclude_providers`` the plan
    leaves them out (the provider is never configured), the summary and the artifact say so."""
    from tests.deploy.apps import with_warehouse

    ws = workspace(
        tmp_path,
        "open",
        with_warehouse,
        exclude_providers=("datawarehouse",),
        variables={"warehouse_password": "unused-here"},
    )
    plan = ws.preview()
    assert [a.split(".")[-2] for a in plan.summary.left_out] == ["datawarehouse_capabilities", "datawarehouse_instance"]
    assert json.loads((plan.path / "artifact.json").read_text())["exclude_providers"] == ["datawarehouse"]
    assert "Left out by targeting (not planned): 2 resource(s)" in plan.text()
    shown = _tofu_show(ws, plan.plan_file)
    assert not [rc for rc in shown["resource_changes"] if rc["type"].startswith("datawarehouse_")]
    ws.up(plan)
    assert sorted(state_ids(ws)) == [BASE, DEP0]


def test_a_backend_the_configuration_names_is_used_as_is(tmp_path):
    """Here a local backend at an absolute path outside the workspace: the state goes there."""
    elsewhere = tmp_path / "states" / "demo.tfstate"
    elsewhere.parent.mkdir()
    ws = workspace(tmp_path, "open", variant(state_path=str(elsewhere)))
    ws.up(ws.preview())
    doc = json.loads(elsewhere.read_text())
    assert sorted(f"{r['type']}.{r['name']}" for r in doc["resources"]) == [BASE, DEP0]
    assert not state_file(ws).exists() and not list(ws.workdir.glob("*.tfstate"))
    stale = ws.preview()
    doc["serial"] += 1  # another writer of that state
    elsewhere.write_text(json.dumps(doc))
    with pytest.raises(PlanRefused) as exc:
        ws.up(stale)
    assert exc.value.codes == ["state-changed"]


def test_destroy_when_every_resource_is_protected_changes_nothing(tmp_path):
    ws = workspace(tmp_path, "strict", variant(dependents=0))
    ws.up(ws.preview())
    before = state_ids(ws)
    plan = ws.preview(destroy=True)
    assert not plan.has_changes and plan.summary.changes == () and plan.targets == ()
    assert [(k.address, k.reason) for k in plan.summary.kept] == [(BASE, "prevent_destroy")]
    assert ws.up(plan).status == "succeeded"
    assert state_ids(ws) == before


def test_compensation_can_be_turned_off(tmp_path):
    from dw_constructs.deploy import ApplyFailed

    ws = workspace(tmp_path, "lenient", variant(fail=True), compensate=False)
    with pytest.raises(ApplyFailed) as exc:
        ws.up(ws.preview())
    rec = exc.value.record
    assert rec.status == "failed" and rec.compensation["status"] == "disabled"
    assert sorted(rec.compensation["left"]) == sorted(state_ids(ws)) == ["terraform_data.Bad", BASE, DEP0]


def test_a_provider_that_cannot_apply_fails_the_apply_and_is_compensated(tmp_path):
    """Without ``exclude_providers``: the datawarehouse instance plans (from the provider schema),
    its apply fails with the provider's own error, and what the apply created before it goes."""
    import functools

    from dw_constructs.deploy import ApplyFailed
    from tests.deploy.apps import with_warehouse

    ws = workspace(
        tmp_path,
        "lenient",
        functools.partial(with_warehouse, lookup=False),
        variables={"warehouse_password": "unused-here"},
    )
    plan = ws.preview()
    (instance,) = [c for c in plan.summary.of("create") if c.type == "datawarehouse_instance"]
    assert instance.stateful and instance.what == "analytics"
    with pytest.raises(ApplyFailed) as exc:
        ws.up(plan)
    rec = exc.value.record
    assert "No DataWarehouse admin API is reachable" in rec.error
    assert BASE in rec.created  # the instance depends on it: created first
    assert rec.status == "compensated" and sorted(rec.compensation["destroyed"]) == sorted(rec.created)
    assert state_ids(ws) == {}


def test_an_app_that_enforces_its_own_constraints_is_refused_cleanly(tmp_path):
    """An app factory that calls governance.enforce() itself: its rejection (raised by app.synth()
    before anything is written) becomes a DeployError carrying the report; nothing is planned."""
    from dw_constructs.deploy.errors import DeployError
    from dw_constructs.governance import enforce
    from tests.deploy.support import write_constraints

    write_constraints(
        tmp_path / "own.yaml",
        {"strict": {"constructs": {"CnpgPostgisCluster": {"parameters": {"instances": {"max": 2}}}}}},
    )

    def app_factory(app):
        stack = _render_app(app)
        enforce(app, tmp_path / "own.yaml", "strict")
        return stack

    ws = workspace(tmp_path, None, app_factory, stack="demo")
    with pytest.raises(DeployError) as exc:
        ws.preview()
    assert "CnpgPostgisCluster.parameters.instances.max" in str(exc.value)
    assert "nothing planned" in str(exc.value)
    assert not ws.plans_dir.exists() or list(ws.plans_dir.iterdir()) == []
