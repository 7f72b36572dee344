"""Live tier of the deployment lifecycle: :class:`~dw_constructs.deploy.Workspace` and the
``dw-constructs`` CLI driving real OpenTofu with the real hashicorp/kubernetes 2.38.0 and
hashicorp/helm 3.1.1 providers against the throwaway control plane (tests/support/live.py).

The examples run with the overrides of the live tier for a node-less cluster (tests/deploy/apps.py:
the CNPG operator and Barman Cloud plugin from the upstream chart archives, webhooks off, no
waiting; the DataWarehouse release without waiting for pods). The CNPG first apply is two-step,
as on any empty cluster (docs/cnpg.md): a workspace with ``targets`` = the operator releases, then
the whole stack. The ``datawarehouse_*`` resources of the DataWarehouse example need a
DataWarehouse admin API that does not exist here: the workspace leaves them out with
``exclude_providers=("datawarehouse",)`` (recorded in the plan artifact and its summary).

Each test prints the wall time of each lifecycle step and of the whole scenario
(``pytest -s -m live tests/deploy/test_live.py``).

Not proven here: pods starting (no node), the CNPG operator reconciling the Cluster, anything of
the ``datawarehouse_*`` resources (plan and apply need a DataWarehouse server), remote state
backends (none reachable).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dw_constructs.deploy import ApplyFailed, BusyError, PlanRefused, Workspace
from tests.deploy.apps import cnpg_live, single_node_live
from tests.deploy.support import files_holding, write_constraints
from tests.support.crds import crds_for_groups
from tests.support.live import get_or_none, helm_release_secrets, wait_gone

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
CNPG_STACK, DW_STACK = "cnpg-apply", "single-node"


class Clock:
    """Wall time per step, printed as the test goes and as a total."""

    def __init__(self, scenario: str):
        self.scenario, self.steps, self.t0 = scenario, [], time.monotonic()

    @contextlib.contextmanager
    def step(self, name: str):
        t = time.monotonic()
        try:
            yield
        finally:
            self.steps.append((name, time.monotonic() - t))
            print(f"[live-timing] {self.scenario}: {name} {self.steps[-1][1]:.1f}s", flush=True)

    def total(self) -> float:
        total = time.monotonic() - self.t0
        print(
            f"[live-timing] {self.scenario}: TOTAL {total:.1f}s ({', '.join(f'{n} {s:.1f}s' for n, s in self.steps)})",
            flush=True,
        )
        return total


@pytest.fixture(scope="module")
def cluster(fresh_kube_api):
    """A control plane of this module's own (the operator chart installs the CNPG CRDs, which other
    modules put into the shared one), with the cert-manager and External Secrets CRDs the CNPG
    example asks the cluster for."""
    fresh_kube_api.apply_crds(crds_for_groups("cert-manager.io", "external-secrets.io"))
    return fresh_kube_api


def _workspace(api, root: Path, constraints: Path, tenant: str, factory, stack: str, **kw) -> Workspace:
    kubeconfig = str(api.workdir / "kubeconfig")
    return Workspace(
        factory,
        stack,
        tenant=tenant,
        constraints=constraints,
        root=root,
        actor=kw.pop("actor", "ci"),
        variables={"kubeconfig_path": kubeconfig, **kw.pop("variables", {})},
        env={"KUBE_CONFIG_PATH": kubeconfig},
        **kw,
    )


def _releases(factory) -> list[str]:
    """The operator releases' addresses (the first step of a first apply), from a synth of the app."""
    import tempfile

    from cdktf import App

    with tempfile.TemporaryDirectory() as out:
        stack = factory(App(outdir=out))
        return stack.database.operator.target_addresses()


def _objects(api, namespace: str) -> list[str]:
    paths = {
        "Cluster": "/apis/postgresql.cnpg.io/v1/namespaces/{ns}/clusters",
        "ObjectStore": "/apis/barmancloud.cnpg.io/v1/namespaces/{ns}/objectstores",
        "ExternalSecret": "/apis/external-secrets.io/v1/namespaces/{ns}/externalsecrets",
        "Database": "/apis/postgresql.cnpg.io/v1/namespaces/{ns}/databases",
    }
    out = []
    for kind, path in paths.items():
        got = _read(api, path.format(ns=namespace)) or {}
        out += [f"{kind}/{o['metadata']['name']}" for o in got.get("items", [])]
    return sorted(out)


def _read(api, path: str, timeout: float = 30.0):
    """``get_or_none``, waiting out "storage is (re)initializing" (429) just after a CRD appeared."""
    from tests.support.apiserver import KubeApiError

    deadline = time.monotonic() + timeout
    while True:
        try:
            return get_or_none(api, path)
        except KubeApiError as exc:
            if exc.status != 429 or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _state_doc(ws: Workspace) -> dict:
    path = ws.workdir / f"terraform.{ws.stack}.tfstate"
    return json.loads(path.read_text()) if path.exists() else {}


def _managed(ws: Workspace) -> list[str]:
    return [f"{r['type']}.{r['name']}" for r in _state_doc(ws).get("resources") or [] if r["mode"] == "managed"]


def _part(address: str) -> str:
    """The construct id inside a resource address: ``WildsidePg_Namespace_C1FDC564`` -> ``Namespace``."""
    return address.split(".", 1)[1].split("_")[1]


def _force_destroy(ws: Workspace, env: dict) -> None:
    """Clean up after a failed test: plain ``tofu destroy`` of whatever the state holds."""
    doc = _state_doc(ws)
    targets = [f"-target={r['type']}.{r['name']}" for r in doc.get("resources") or [] if r["mode"] == "managed"]
    if targets:
        subprocess.run(
            [os.environ["TERRAFORM_BINARY_NAME"], "destroy", "-auto-approve", "-input=false", *targets],
            cwd=ws.workdir,
            capture_output=True,
            env={**os.environ, **env},
        )


def _cli(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dw_constructs.governance", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_cnpg_apply_lifecycle(tmp_path, cluster):
    """preview -> approve -> up (two steps) -> second preview empty; a stale plan (configuration,
    state) refused; two concurrent ups (one busy); bad input on the CLI (exit 2, nothing
    applied); destroy through the gate, the CNPG Cluster called out as data at risk."""
    api, clock = cluster, Clock("cnpg-apply lifecycle")
    constraints = write_constraints(
        tmp_path / "constraints.yaml",
        {
            "platform": {
                "approval": {"apply": "required", "destroy": "required"},
                "policies": {"allow_destroy": [f"{CNPG_STACK}/*"]},
            }
        },
    )
    root = tmp_path / "ws"

    def ws(revision: str = "", **kw) -> Workspace:
        return _workspace(
            api, root, constraints, "platform", functools.partial(cnpg_live, revision=revision), CNPG_STACK, **kw
        )

    releases = _releases(cnpg_live)
    namespaces = ["cnpg-system", "databases"]
    for ns in namespaces:
        assert get_or_none(api, f"/api/v1/namespaces/{ns}") is None, "the test needs fresh namespaces"
    base = ws()
    try:
        with clock.step("first apply, step 1 (operator releases): preview+approve+up"):
            step1 = ws(targets=releases)
            plan = step1.preview()
            assert plan.targets == tuple(releases)
            assert sorted(c.address for c in plan.summary.of("create")) == sorted(
                releases + ["kubernetes_namespace_v1.CnpgOperator-cnpg-system_Namespace_D60BA2DE"]
            )
            step1.approve(plan, actor="alice")
            assert step1.up(plan).status == "succeeded"
        with clock.step("first apply, step 2 (the stack): preview+approve+up"):
            plan = base.preview()
            assert {c.action for c in plan.summary.changes} == {"create"} and not plan.summary.data_at_risk
            base.approve(plan, actor="alice")
            rec = base.up(plan)
            assert rec.status == "succeeded" and rec.approval["actor"] == "alice"
            assert "Cluster/wildside-pg" in _objects(api, "databases")
        with clock.step("second preview"):
            again = base.preview()
            assert not again.has_changes and again.summary.changes == (), again.text()

        with clock.step("stale configuration refused"):
            changed = ws("r1")
            with pytest.raises(PlanRefused) as exc:
                changed.up(again)
            assert exc.value.codes == ["config-changed"]
        with clock.step("stale state refused (another apply in between)"):
            first, second = changed.preview(), changed.preview()
            assert [c.action for c in first.summary.changes] == ["update"]
            for p in (first, second):
                changed.approve(p, actor="alice")
            assert changed.up(second).status == "succeeded"
            with pytest.raises(PlanRefused) as exc:
                changed.up(first)
            assert exc.value.codes == ["state-changed"]
            stored = api.get("/apis/postgresql.cnpg.io/v1/namespaces/databases/clusters/wildside-pg")
            assert stored["metadata"]["labels"]["dw-test-revision"] == "r1"

        with clock.step("two concurrent ups: one runs, one is busy"):
            r2, r2b = ws("r2"), ws("r2")
            plan = r2.preview()
            r2.approve(plan, actor="alice")
            result: dict = {}
            runner = threading.Thread(target=lambda: result.update(rec=r2.up(plan)))
            runner.start()
            deadline = time.monotonic() + 120
            while (r2b.status().busy or {}).get("status") != "running":
                assert runner.is_alive() and time.monotonic() < deadline
                time.sleep(0.05)
            with pytest.raises(BusyError) as busy:
                r2b.up(plan)
            runner.join(timeout=300)
            assert result["rec"].status == "succeeded" and f"{result['rec'].id} is running" in str(busy.value)

        with clock.step("bad input on the CLI: exit 2, nothing applied"):
            pending = r2.preview(destroy=True)  # a real plan to corrupt
            serial = _state_doc(base)["serial"]
            ops = len(base.history())
            kubeconfig = str(api.workdir / "kubeconfig")
            env = {"TF_VAR_kubeconfig_path": kubeconfig, "KUBE_CONFIG_PATH": kubeconfig, "DW_TEST_REVISION": "r2"}
            common = ["--app", "tests.deploy.apps:cnpg_live", "--root", root]
            corrupt = tmp_path / "corrupt"
            shutil.copytree(pending.path, corrupt)
            (corrupt / "plan.tfplan").write_bytes(b"PK\x03\x04 not a plan")
            from tests.deploy.support import workspace as demo_workspace

            demo = demo_workspace(tmp_path, "platform", constraints=constraints)
            foreign = demo.preview()  # a plan of another stack in the same root
            cases = [
                (
                    [
                        "apply",
                        pending.path,
                        *common,
                        "--stack",
                        CNPG_STACK,
                        "--constraints",
                        constraints,
                        "--tenant",
                        "nobody",
                    ],
                    "no tenant 'nobody'",
                ),
                (
                    [
                        "apply",
                        pending.path,
                        *common,
                        "--stack",
                        CNPG_STACK,
                        "--constraints",
                        tmp_path / "nope.yaml",
                        "--tenant",
                        "platform",
                    ],
                    "cannot read constraints document",
                ),
                (
                    [
                        "apply",
                        corrupt,
                        *common,
                        "--stack",
                        CNPG_STACK,
                        "--constraints",
                        constraints,
                        "--tenant",
                        "platform",
                    ],
                    "corrupted or replaced",
                ),
                (
                    [
                        "apply",
                        foreign.path,
                        *common,
                        "--stack",
                        CNPG_STACK,
                        "--constraints",
                        constraints,
                        "--tenant",
                        "platform",
                    ],
                    "is a plan of stack 'demo', not of 'cnpg-apply'",
                ),
            ]
            for args, message in cases:
                res = _cli(*args, env=env)
                assert res.returncode == 2 and message in res.stderr, (args, res.stdout, res.stderr)
            assert _state_doc(base)["serial"] == serial and len(base.history()) == ops
            assert "Cluster/wildside-pg" in _objects(api, "databases")

        with clock.step("destroy: preview+approve+up, namespaces gone"):
            gone = r2.preview(destroy=True)
            print(gone.text())
            risky = [(c.action, c.what) for c in gone.summary.data_at_risk]
            assert risky == [("delete", "CNPG Cluster databases/wildside-pg")], gone.text()
            assert gone.summary.changes[0].what == "CNPG Cluster databases/wildside-pg"
            assert gone.text().splitlines()[2].startswith("DATA AT RISK")
            with pytest.raises(PlanRefused):
                r2.up(gone)  # destroy needs an approval too
            r2.approve(gone, actor="bob")
            assert r2.up(gone).status == "succeeded"
            assert _managed(base) == []
            for ns in namespaces:
                wait_gone(api, f"/api/v1/namespaces/{ns}")
    finally:
        _force_destroy(base, {"TF_VAR_kubeconfig_path": str(api.workdir / "kubeconfig")})
    events = [(e.event, e.status) for e in base.events()]
    assert events.count(("operation", "succeeded")) == 5 and ("refused", None) in events
    clock.total()


def test_datawarehouse_release_lifecycle(tmp_path, kube_api):
    """The DataWarehouse chart release of examples/single_node: preview -> approve -> up -> second
    preview empty -> destroy; the datawarehouse_* resources left out and recorded as such."""
    api, clock = kube_api, Clock("datawarehouse release lifecycle")
    constraints = write_constraints(
        tmp_path / "constraints.yaml", {"analytics": {"policies": {"allow_destroy": [f"{DW_STACK}/*"]}}}
    )
    password = "adm1n,pw={{ .Values }}-🔑"
    ws = _workspace(
        api,
        tmp_path / "ws",
        constraints,
        "analytics",
        single_node_live,
        DW_STACK,
        exclude_providers=("datawarehouse",),
        variables={
            "analytics_admin_password": password,
            "analytics_analyst_password": "not-applied-here",
            "analytics_endpoint_host": "localhost",
        },
    )
    assert get_or_none(api, "/api/v1/namespaces/datawarehouse") is None, "the test needs a fresh namespace"
    try:
        with clock.step("preview+approve+up"):
            plan = ws.preview()
            left_out = sorted(a.split(".")[0] for a in plan.summary.left_out)
            assert left_out == ["datawarehouse_instance", "datawarehouse_policy", "datawarehouse_user"]
            assert sorted(c.type for c in plan.summary.of("create")) == [
                "helm_release",
                "kubernetes_namespace_v1",
                "kubernetes_secret_v1",
                "terraform_data",
            ]
            assert plan.exclude_providers == ("datawarehouse",) and "Providers left out: datawarehouse" in plan.text()
            ws.approve(plan, actor="alice")  # not required for this tenant; recorded anyway
            rec = ws.up(plan)
            assert rec.status == "succeeded" and rec.approval == {
                "required": False,
                "actor": "alice",
                "at": rec.approval["at"],
                "via": "approve",
                "plan_id": plan.plan_id,
                "plan_hash": plan.plan_hash,
            }
            assert helm_release_secrets(api, "datawarehouse", "analytics") == ["sh.helm.release.v1.analytics.v1"]
            import base64

            secret = api.get("/api/v1/namespaces/datawarehouse/secrets/analytics-admin")
            assert base64.b64decode(secret["data"]["password"]).decode() == password
        with clock.step("second preview"):
            again = ws.preview()
            assert not again.has_changes, again.text()
        with clock.step("destroy: preview+approve+up"):
            gone = ws.preview(destroy=True)
            first = gone.summary.changes[0]
            assert (first.action, first.type, first.stateful) == ("delete", "helm_release", True), gone.text()
            assert "chart datawarehouse" in first.what
            ws.approve(gone, actor="bob")
            assert ws.up(gone).status == "succeeded"
            wait_gone(api, "/api/v1/namespaces/datawarehouse")
            assert helm_release_secrets(api, "datawarehouse", "analytics") == []
            assert _managed(ws) == []  # (data sources read for the provider may stay)
    finally:
        _force_destroy(ws, {f"TF_VAR_{k}": v for k, v in ws.variables.items()})
    assert files_holding(ws.root, password) == []
    clock.total()


def test_cnpg_compensation_of_a_cluster_the_api_server_rejects(tmp_path, cluster):
    """The operator exists (pre-existing); an apply creates the namespace (prevent_destroy, the
    example's default), the ExternalSecrets and the ObjectStore, then the API server rejects the
    Cluster by a CEL rule. Compensation removes what that apply created and nothing else: once with
    ``compensate_protected: false`` (the protected namespace is kept and reported), once with
    ``true`` (everything it created is gone: status compensated)."""
    api, clock = cluster, Clock("cnpg compensation")
    constraints = tmp_path / "constraints.yaml"

    def settings(compensate_protected: bool) -> None:
        write_constraints(
            constraints,
            {
                "ops": {
                    "approval": {"apply": "none", "destroy": "none", "compensate_protected": compensate_protected},
                    "policies": {"allow_destroy": [f"{CNPG_STACK}/*"]},
                }
            },
        )

    root = tmp_path / "ws"

    def ws(**kw) -> Workspace:
        factory = functools.partial(
            cnpg_live, prevent_destroy=kw.pop("prevent_destroy", True), reject_cluster=kw.pop("reject", False)
        )
        return _workspace(api, root, constraints, "ops", factory, CNPG_STACK, **kw)

    settings(False)

    def operator_objects() -> tuple[list[str], list[str]]:
        return (
            helm_release_secrets(api, "cnpg-system", "cnpg"),
            [d["metadata"]["uid"] for d in api.get("/apis/apps/v1/namespaces/cnpg-system/deployments")["items"]],
        )

    cleanup = ws(prevent_destroy=False)
    try:
        with clock.step("operator releases (pre-existing): preview+up"):
            step1 = ws(targets=_releases(cnpg_live))
            step1.up(step1.preview())
            before = operator_objects()
            assert before[0] and before[1]
        for allowed in (False, True):
            settings(allowed)
            with clock.step(f"failing apply + compensation (compensate_protected: {str(allowed).lower()})"):
                bad = ws(reject=True)
                plan = bad.preview()
                with pytest.raises(ApplyFailed) as exc:
                    bad.up(plan)
                rec = exc.value.record
                assert "imageName and imageCatalogRef are mutually exclusive" in rec.error
                created = sorted(f"{a.split('.')[0]}:{_part(a)}" for a in rec.created)
                assert created == [
                    "kubernetes_manifest:AppExternalSecret",
                    "kubernetes_manifest:BackupExternalSecret",
                    "kubernetes_manifest:ObjectStore",
                    "kubernetes_manifest:SuperuserExternalSecret",
                    "kubernetes_namespace_v1:Namespace",
                ], rec.created
                assert _read(api, "/apis/postgresql.cnpg.io/v1/namespaces/databases/clusters/wildside-pg") is None
                assert operator_objects() == before  # pre-existing: untouched
                audit = [e.status for e in bad.events() if e.operation == rec.id and e.event == "operation"]
                if allowed:
                    assert rec.status == "compensated" and rec.compensation["kept"] == []
                    assert audit == ["pending", "running", "failed", "compensated"]
                    wait_gone(api, "/api/v1/namespaces/databases")
                else:
                    assert rec.status == "failed" and rec.compensation["status"] == "partial"
                    assert [_part(k["address"]) for k in rec.compensation["kept"]] == ["Namespace"]
                    assert audit == ["pending", "running", "failed", "failed"]
                    assert get_or_none(api, "/api/v1/namespaces/databases") is not None
                    assert _objects(api, "databases") == []  # everything else it created: gone
                    # remove the kept namespace before trying the other way (a targeted destroy)
                    (ns,) = [k["address"] for k in rec.compensation["kept"]]
                    ws(prevent_destroy=False, targets=[ns]).destroy()
                    wait_gone(api, "/api/v1/namespaces/databases")
                state = sorted(a.split(".")[0] for a in _managed(bad))
                assert state == ["helm_release", "helm_release", "kubernetes_namespace_v1"]  # the operator's
    finally:
        with clock.step("cleanup: destroy"):
            if _managed(cleanup):
                cleanup.destroy()
            wait_gone(api, "/api/v1/namespaces/cnpg-system")
            wait_gone(api, "/api/v1/namespaces/databases")
    clock.total()
