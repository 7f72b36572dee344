"""Live tier: CnpgPostgisCluster apply mode with real OpenTofu and the real hashicorp/kubernetes
2.38.0 and hashicorp/helm 3.1.1 providers against the throwaway control plane: the CloudNativePG
operator and the Barman Cloud plugin installed from the **upstream chart archives** (the
air-gapped chart source: a local archive shipped as a cdktf asset), every custom resource through
``kubernetes_manifest``; apply -> a second plan is empty -> destroy leaves nothing of ours.

How the node-less test cluster is handled (chart values and construct props set here, the way a
test cluster should be): the operator's mutating and validating webhooks are not created
(``webhook.*.create=false``: no operator pod runs to answer them) and no release waits for its
pods (``wait=False``); ``prevent_destroy=False`` so destroy may remove the Cluster and namespaces.
Prerequisites a real cluster has, installed here as CRDs only (from the vendored upstream
schemas): cert-manager (the plugin chart creates an Issuer and Certificates) and External
Secrets (the example reads its credentials through ExternalSecrets).

The first apply is two-step, as docs/cnpg.md says for an empty cluster: ``-target`` the operator
releases (they install the CRDs), then everything (``kubernetes_manifest`` reads the CRDs at plan
time).

Not proven here: the webhooks' defaulting and validation, the operator reconciling the Cluster
(no pods, no PostgreSQL, no PostGIS extensions created), cert-manager issuing the plugin's
certificates, ESO fetching secrets, backups reaching S3.
"""

from __future__ import annotations

import json

import pytest
from cdktf import App, LocalBackend, TerraformStack

from dw_constructs.cnpg import BackupProps, CnpgPostgisCluster, EsoProps, HelmChartSource, Mode, OperatorProps
from tests.cnpg.support import chart_archive
from tests.support.crds import crds_for_groups
from tests.support.live import LiveStack, get_or_none, helm_release_secrets, wait_gone

pytestmark = pytest.mark.live

#: Chart values for a cluster without nodes (module docstring).
NODELESS_OPERATOR_VALUES = {"webhook": {"mutating": {"create": False}, "validating": {"create": False}}}


def _operator() -> OperatorProps:
    return OperatorProps(
        chart_source=HelmChartSource(path=str(chart_archive("cloudnative-pg"))),
        plugin_chart_source=HelmChartSource(path=str(chart_archive("plugin-barman-cloud"))),
        values=NODELESS_OPERATOR_VALUES,
        wait=False,
    )


@pytest.fixture(scope="module")
def prerequisites(fresh_kube_api):
    """A control plane of this module's own (the operator chart installs the CNPG CRDs, which other
    modules' tests put into the shared one), with the cert-manager and External Secrets CRDs the
    example's docstring asks the cluster for."""
    fresh_kube_api.apply_crds(crds_for_groups("cert-manager.io", "external-secrets.io"))
    return fresh_kube_api


def _cnpg_crds(api) -> list[str]:
    got = api.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")["items"]
    return sorted(
        c["metadata"]["name"] for c in got if c["spec"]["group"] in ("postgresql.cnpg.io", "barmancloud.cnpg.io")
    )


def _run(live: LiveStack, operator, api, namespaces: list[str]) -> dict:
    """Two-step first apply, checks, a second (empty) plan and destroy; returns what was seen."""
    for ns in namespaces:
        assert get_or_none(api, f"/api/v1/namespaces/{ns}") is None, f"the test needs a fresh namespace {ns}"
    seen: dict = {}
    live.init()
    try:
        releases = operator.target_addresses()
        assert sorted(a.split(".")[0] for a in releases) == ["helm_release", "helm_release"]
        live.apply(targets=releases)
        seen["crds"] = _cnpg_crds(api)
        live.apply()
        seen["state"] = live.state_addresses()
        seen["objects"] = _objects(api, namespaces)
        code, res = live.plan_changes()
        assert code == 0, f"second plan is not empty:\n{res}"
    finally:
        live.destroy()
    assert live.state_addresses() == []
    for ns in namespaces:
        wait_gone(api, f"/api/v1/namespaces/{ns}")
    return seen


def _objects(api, namespaces: list[str]) -> dict[str, list[str]]:
    """``kind/name`` of our objects per namespace (custom resources and the operators' workloads)."""
    out = {}
    paths = {
        "Cluster": "/apis/postgresql.cnpg.io/v1/namespaces/{ns}/clusters",
        "Database": "/apis/postgresql.cnpg.io/v1/namespaces/{ns}/databases",
        "ScheduledBackup": "/apis/postgresql.cnpg.io/v1/namespaces/{ns}/scheduledbackups",
        "ObjectStore": "/apis/barmancloud.cnpg.io/v1/namespaces/{ns}/objectstores",
        "ExternalSecret": "/apis/external-secrets.io/v1/namespaces/{ns}/externalsecrets",
        "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    }
    for ns in namespaces:
        items = []
        for kind, path in paths.items():
            got = get_or_none(api, path.format(ns=ns)) or {}
            items += [f"{kind}/{o['metadata']['name']}" for o in got.get("items", [])]
        out[ns] = sorted(items)
    return out


def _declared(cluster) -> list[str]:
    kinds = ("Cluster", "Database", "ScheduledBackup", "ObjectStore", "ExternalSecret")
    return sorted(f"{m['kind']}/{m['metadata']['name']}" for m in cluster.manifests if m["kind"] in kinds)


def test_cnpg_apply_example_from_upstream_chart_archives(tmp_path, tools, prerequisites):
    from examples.cnpg_apply import main as example

    api = prerequisites
    app = App(outdir=str(tmp_path / "out"))
    stack = example.build(app, operator=_operator(), prevent_destroy=False)
    app.synth()
    db = stack.database
    stack_dir = tmp_path / "out" / "stacks" / stack.node.id
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    # The charts come from the archives, as assets inside the stack directory: no repository.
    for rel in doc["resource"]["helm_release"].values():
        assert "repository" not in rel and rel["chart"].startswith("assets/"), rel
        assert (stack_dir / rel["chart"]).is_file()
    live = LiveStack(tools, api, stack_dir, tmp_path / "work")
    seen = _run(live, db.operator, api, [db.operator.namespace, db.namespace])

    # The charts installed the CRDs our manifests need (the first, targeted apply).
    assert {
        "clusters.postgresql.cnpg.io",
        "databases.postgresql.cnpg.io",
        "scheduledbackups.postgresql.cnpg.io",
        "objectstores.barmancloud.cnpg.io",
    } <= set(seen["crds"]), seen["crds"]
    # Every object the construct declares was stored by the API server.
    assert seen["objects"][db.namespace] == _declared(db), seen["objects"]
    assert [o for o in seen["objects"][db.operator.namespace] if o.startswith("Deployment/")], seen["objects"]
    assert helm_release_secrets(api, db.operator.namespace, "cnpg") == []


def test_two_clusters_share_one_operator_and_apply(tmp_path, tools, prerequisites):
    """Two CnpgPostgisClusters in one stack: one operator release and namespace, both apply."""
    from cdktf_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    api = prerequisites
    app = App(outdir=str(tmp_path / "out"))
    stack = TerraformStack(app, "two-pg")
    LocalBackend(stack, path="terraform.tfstate")  # relative: state stays in the test's workdir
    kubeconfig = str(api.workdir / "kubeconfig")
    k8s = KubernetesProvider(stack, "Kubernetes", config_path=kubeconfig)
    helm = HelmProvider(stack, "Helm", kubernetes=HelmProviderKubernetes(config_path=kubeconfig))
    common = dict(
        mode=Mode.APPLY,
        instances=1,
        operator=_operator(),
        prevent_destroy=False,
        kubernetes_provider=k8s,
        helm_provider=helm,
    )
    geo = CnpgPostgisCluster(stack, "GeoPg", cluster_namespace="geo-live", **common)
    tiles = CnpgPostgisCluster(
        stack,
        "TilesPg",
        cluster_namespace="tiles-live",
        postgis_enabled=False,
        backup=BackupProps(enabled=True, destination_path="s3://tiles/backups", existing_credentials_secret="tiles-s3"),
        eso=EsoProps(enabled=False),
        **common,
    )
    app.synth()
    assert geo.operator is tiles.operator
    stack_dir = tmp_path / "out" / "stacks" / "two-pg"
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    assert sorted(r["name"] for r in doc["resource"]["helm_release"].values()) == ["barman-cloud", "cnpg"]
    live = LiveStack(tools, api, stack_dir, tmp_path / "work")
    seen = _run(live, geo.operator, api, [geo.operator.namespace, "geo-live", "tiles-live"])
    assert seen["objects"]["geo-live"] == _declared(geo) and "Database" in str(_declared(geo))
    assert seen["objects"]["tiles-live"] == _declared(tiles) and "ObjectStore" in str(_declared(tiles))
    assert sum(a.startswith("helm_release.") for a in seen["state"]) == 2
