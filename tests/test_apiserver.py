"""What we emit, checked by a real Kubernetes API server (kube-apiserver v1.34 + etcd from
scripts/apiserver.sh) with server-side dry-run creates (``dryRun=All&fieldValidation=Strict``):
built-in validation, CRD structural schemas *and* their CEL rules (``x-kubernetes-validations``),
defaulting and admission -- what dw_constructs.validation (JSON schema) cannot fully check.

(a) every object of our Helm chart, rendered single-node, clustered and with each ci/ values file;
(b) every CNPG manifest of examples/cnpg_apply (kubernetes_manifest resources in the synthesized
    JSON) and of examples/cnpg_render (the GitOps tree), with the CRDs (CNPG, Barman Cloud
    ObjectStore, External Secrets, Flux) rebuilt from the vendored schemas installed first;
(c) negative cases proving the server really validates, among them one only a CEL rule catches.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

import pytest
import yaml
from cdktf import Testing

from dw_constructs.charts import chart_path
from dw_constructs.validation import validate_manifest
from examples.cnpg_apply.main import build as build_apply
from examples.cnpg_render.main import build as build_render
from tests.support.apiserver import KubeApi, KubeApiError
from tests.support.crds import build_crds, cel_rule_count

CHART = chart_path()
RELEASE, NAMESPACE = "dw", "data"
CLUSTERED = ["--set", "clustering.enabled=true", "--set", "replicaCount=3"]
CHART_MODES: dict[str, list[str]] = {
    "single": [],
    "clustered": CLUSTERED,
    "clustered-hard": [*CLUSTERED, "--set", "clustering.antiAffinity=hard"],
    **{f"ci/{f.name}": ["-f", str(f)] for f in sorted((CHART / "ci").glob("*.yaml"))},
}
#: Not an API object: the kustomize file format (kustomization.yaml), read by kustomize/Flux only.
KUSTOMIZE_FILE = ("kustomize.config.k8s.io/v1beta1", "Kustomization")


@pytest.fixture(scope="module")
def api(kube_api: KubeApi) -> KubeApi:
    """The session's API server with every vendored CRD installed (idempotent)."""
    kube_api.apply_crds(build_crds())
    return kube_api


def _label(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('apiVersion')} {obj.get('kind')} {where}{meta.get('name')}"


def dry_run_all(api: KubeApi, objs: Iterable[dict], namespace: str | None = None) -> dict[str, dict]:
    """Dry-run every object (namespaces first, as they would be applied); the namespaces the
    others live in are then created for real. Fails with every refusal, in the server's words.
    Returns the server's version of each object by label."""
    objs = list(objs)
    namespaces = [o for o in objs if (o["apiVersion"], o["kind"]) == ("v1", "Namespace")]
    others = [o for o in objs if o not in namespaces]
    failures, accepted = [], {}

    def check(obj: dict) -> None:
        try:
            try:
                accepted[_label(obj)] = api.dry_run(obj, namespace)
            except KubeApiError as exc:
                if exc.reason != "AlreadyExists":
                    raise
                # e.g. a Namespace an earlier test created: a dry-run apply validates it all the same
                accepted[_label(obj)] = api.dry_run_apply(obj, namespace)
        except KubeApiError as exc:
            failures.append(f"{_label(obj)}: HTTP {exc.status} {exc.reason}: {exc.message}")
        else:
            if api.last_warnings:
                failures.append(f"{_label(obj)}: accepted with warnings: {api.last_warnings}")

    for obj in namespaces:
        check(obj)
    for ns in sorted({(o.get("metadata") or {}).get("namespace") or namespace or "default" for o in others}):
        api.create_namespace(ns)
    for obj in others:
        check(obj)
    assert not failures, "the API server refused:\n" + "\n".join(failures)
    return accepted


def _no_terraform_references(objs: list[dict]) -> None:
    text = json.dumps(objs)
    assert "${" not in text, "a manifest holds an unresolved Terraform reference; the server would see it verbatim"


# ------------------------------------------------------------------------------------------------
# (a) the Helm chart


@pytest.fixture(scope="module")
def chart_renders(tools) -> dict[str, list[dict]]:
    out = {}
    for mode, args in CHART_MODES.items():
        res = tools.run(tools.helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE, *args, check=False)
        assert res.returncode == 0, f"helm template ({mode}) failed:\n{res.stderr}"
        out[mode] = [d for d in yaml.safe_load_all(res.stdout) if d]
    return out


@pytest.mark.parametrize("mode", list(CHART_MODES))
def test_chart_objects_accepted(api, chart_renders, mode):
    objs = chart_renders[mode]
    assert {"StatefulSet", "Service", "ConfigMap"} <= {o["kind"] for o in objs}
    accepted = dry_run_all(api, objs, namespace=NAMESPACE)
    assert len(accepted) == len(objs)


def test_chart_statefulset_defaulted_by_the_server(api, chart_renders):
    """The server's answer is the defaulted object: proof it went through the real create path."""
    (sts,) = [o for o in chart_renders["clustered"] if o["kind"] == "StatefulSet"]
    got = api.dry_run(sts, NAMESPACE)
    assert got["metadata"]["uid"] and got["metadata"]["namespace"] == NAMESPACE
    assert got["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"  # a server default
    assert got["spec"]["replicas"] == 3


# ------------------------------------------------------------------------------------------------
# (b) CNPG: apply mode (kubernetes_manifest) and render mode (GitOps tree)


@pytest.fixture(scope="module")
def apply_manifests() -> list[dict]:
    doc = json.loads(Testing.synth(build_apply(Testing.app())))
    return [r["manifest"] for r in doc["resource"]["kubernetes_manifest"].values()]


@pytest.fixture(scope="module")
def render_tree() -> dict[str, list[dict]]:
    stack = build_render(Testing.app())
    return {
        path: [d for d in yaml.safe_load_all(text) if d] for path, text in stack.database.rendered_manifests.items()
    }


def test_vendored_crds_kept_their_cel_rules():
    by_name = {c["metadata"]["name"]: c for c in build_crds()}
    assert cel_rule_count(by_name["clusters.postgresql.cnpg.io"]) > 0
    assert {
        "clusters.postgresql.cnpg.io",
        "objectstores.barmancloud.cnpg.io",
        "externalsecrets.external-secrets.io",
        "helmreleases.helm.toolkit.fluxcd.io",
        "helmrepositories.source.toolkit.fluxcd.io",
    } <= set(by_name)


def test_cnpg_apply_manifests_accepted(api, apply_manifests):
    assert len(apply_manifests) == 7
    _no_terraform_references(apply_manifests)
    accepted = dry_run_all(api, apply_manifests)
    assert sorted(o["kind"] for o in accepted.values()) == sorted(o["kind"] for o in apply_manifests)


def test_cnpg_render_tree_accepted(api, render_tree):
    objs = [o for docs in render_tree.values() for o in docs if (o["apiVersion"], o["kind"]) != KUSTOMIZE_FILE]
    kinds = {o["kind"] for o in objs}
    assert {
        "Namespace",
        "HelmRepository",
        "HelmRelease",
        "ExternalSecret",
        "ObjectStore",
        "Cluster",
        "Database",
        "ScheduledBackup",
    } <= kinds
    dry_run_all(api, objs)


# ------------------------------------------------------------------------------------------------
# (c) the server really validates


def _cluster(apply_manifests) -> dict[str, Any]:
    (cluster,) = [m for m in apply_manifests if m["kind"] == "Cluster"]
    return copy.deepcopy(cluster)


def test_cluster_with_zero_instances_rejected(api, apply_manifests):
    bad = _cluster(apply_manifests)
    bad["spec"]["instances"] = 0
    with pytest.raises(KubeApiError) as err:
        api.dry_run(bad)
    assert err.value.status == 422 and err.value.reason == "Invalid"
    assert "spec.instances" in err.value.message and "greater than or equal to 1" in err.value.message


def test_cel_rule_rejects_what_json_schema_accepts(api, apply_manifests):
    """CNPG Cluster CEL rule on spec: "imageName and imageCatalogRef are mutually exclusive"."""
    bad = _cluster(apply_manifests)
    bad["spec"]["imageCatalogRef"] = {
        "apiGroup": "postgresql.cnpg.io",
        "kind": "ClusterImageCatalog",
        "name": "postgis",
        "major": 16,
    }
    validate_manifest(bad)  # our JSON-schema validation has no CEL: accepted
    with pytest.raises(KubeApiError) as err:
        api.dry_run(bad)
    assert err.value.status == 422
    assert "imageName and imageCatalogRef are mutually exclusive" in err.value.message


def test_unknown_field_rejected_strictly(api, apply_manifests):
    bad = _cluster(apply_manifests)
    bad["spec"]["instancez"] = 3
    with pytest.raises(KubeApiError) as err:
        api.dry_run(bad)
    assert err.value.status == 400 and 'unknown field "spec.instancez"' in err.value.message


def test_object_in_missing_namespace_rejected(api):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "no-such-namespace"}}
    with pytest.raises(KubeApiError) as err:
        api.dry_run(cm)
    assert err.value.status == 404 and "no-such-namespace" in err.value.message
