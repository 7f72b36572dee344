"""CnpgPostgisCluster in render mode: the examples/cnpg_render stack (one synth per module).
No Kubernetes resources in the Terraform JSON; the tree as output, attribute and files."""

from __future__ import annotations

import json

import pytest
import yaml
from cdktf import Testing

from dw_constructs.cnpg import versions
from dw_constructs.validation import validate_manifests
from examples.cnpg_render.main import STACK_NAME, build, main
from tests.cnpg.support import SENTINELS, literal_secrets
from tests.support.synth import assert_deterministic

EXPECTED_PATHS = [
    "platform/sources/cloudnative-pg-repo.yaml",
    "platform/sources/kustomization.yaml",
    "platform/databases/namespace-cnpg-system.yaml",
    "platform/databases/namespace-databases.yaml",
    "platform/databases/cnpg-operator-helmrelease.yaml",
    "platform/databases/barman-cloud-plugin-helmrelease.yaml",
    "platform/databases/wildside-pg-external-secret-superuser.yaml",
    "platform/databases/wildside-pg-external-secret-app.yaml",
    "platform/databases/wildside-pg-external-secret-backup.yaml",
    "platform/databases/wildside-pg-objectstore.yaml",
    "platform/databases/wildside-pg-cluster.yaml",
    "platform/databases/wildside-pg-database.yaml",
    "platform/databases/wildside-pg-scheduled-backup.yaml",
    "platform/databases/kustomization.yaml",
]


@pytest.fixture(scope="module")
def stack():
    return build(Testing.app())


@pytest.fixture(scope="module")
def synth(stack) -> str:
    return Testing.synth(stack)


@pytest.fixture(scope="module")
def doc(synth) -> dict:
    return json.loads(synth)


@pytest.fixture(scope="module")
def tree(stack) -> dict[str, str]:
    return stack.database.rendered_manifests


@pytest.fixture(scope="module")
def docs(tree) -> dict[str, dict]:
    return {path: yaml.safe_load(text) for path, text in tree.items()}


def test_no_kubernetes_resources_in_terraform_json(doc, synth):
    assert "resource" not in doc and "provider" not in doc
    assert not Testing.to_have_resource(synth, "kubernetes_manifest")
    assert not Testing.to_have_resource(synth, "helm_release")
    assert sorted(doc["output"]) == ["wildside_pg_primary_endpoint", "wildside_pg_rendered_manifests",
                                     "wildside_pg_replica_endpoint", "wildside_pg_sync_policy_contract"]


def test_paths(tree):
    assert list(tree) == EXPECTED_PATHS


def test_rendered_manifests_output_equals_attribute(doc, tree):
    out = doc["output"]["wildside_pg_rendered_manifests"]["value"]
    assert sorted(out) == sorted(tree)
    for path, text in tree.items():
        # Terraform template syntax is escaped in the JSON; Terraform turns $${ back into ${
        assert out[path].replace("$${", "${").replace("%%{", "%{") == text


def test_every_rendered_manifest_passes_schema_validation(docs):
    validate_manifests(docs.values())


def test_flux_objects(docs):
    repo = docs["platform/sources/cloudnative-pg-repo.yaml"]
    assert (repo["apiVersion"], repo["kind"]) == ("source.toolkit.fluxcd.io/v1", "HelmRepository")
    assert repo["spec"]["url"] == versions.CNPG_CHART_REPOSITORY
    hr = docs["platform/databases/cnpg-operator-helmrelease.yaml"]
    assert (hr["apiVersion"], hr["kind"]) == ("helm.toolkit.fluxcd.io/v2", "HelmRelease")
    assert hr["metadata"]["namespace"] == "cnpg-system"
    assert hr["spec"]["chart"]["spec"] == {
        "chart": "cloudnative-pg", "version": "0.29.0",
        "sourceRef": {"kind": "HelmRepository", "name": repo["metadata"]["name"],
                      "namespace": repo["metadata"]["namespace"]},
    }
    plugin = docs["platform/databases/barman-cloud-plugin-helmrelease.yaml"]
    assert plugin["spec"]["dependsOn"] == [{"name": hr["metadata"]["name"]}]


def test_kustomizations_list_exactly_the_files(tree, docs):
    for folder in ("platform/sources", "platform/databases"):
        listed = docs[f"{folder}/kustomization.yaml"]["resources"]
        present = [p.rsplit("/", 1)[1] for p in tree if p.startswith(folder + "/") and not p.endswith("kustomization.yaml")]
        assert listed == present


def test_cluster_and_database(docs):
    cluster = docs["platform/databases/wildside-pg-cluster.yaml"]
    assert cluster["spec"]["imageName"] == versions.POSTGIS_IMAGES[16]
    assert cluster["spec"]["superuserSecret"] == {"name": "wildside-pg-superuser"}
    db = docs["platform/databases/wildside-pg-database.yaml"]
    assert [e["name"] for e in db["spec"]["extensions"]] == ["postgis", "postgis_topology", "fuzzystrmatch",
                                                             "postgis_tiger_geocoder"]


def test_contract_same_in_both_modes(doc, stack):
    assert doc["output"]["wildside_pg_sync_policy_contract"]["value"] == stack.database.sync_policy_contract


def test_no_secret_literal_in_json_or_yaml(doc, synth, tree, docs):
    assert literal_secrets(doc) == []
    for path, d in docs.items():
        assert literal_secrets(d) == [], path
    assert not any(s in synth or any(s in t for t in tree.values()) for s in SENTINELS)
    assert not any(d["kind"] == "Secret" for d in docs.values()), "ESO creates the secrets"


def test_yaml_and_json_deterministic(tmp_path, tree):
    """The JSON (which carries every rendered YAML document as an output) is byte-identical."""
    doc = json.loads(assert_deterministic(tmp_path, build))
    (rendered,) = [o["value"] for k, o in doc["output"].items() if k.endswith("_rendered_manifests")]
    assert set(rendered) == set(tree)


def test_cli_writes_the_tree(tmp_path, monkeypatch, tree):
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "out"))
    main(["--write-tree", str(tmp_path / "gitops")])
    written = sorted(p.relative_to(tmp_path / "gitops").as_posix() for p in (tmp_path / "gitops").rglob("*.yaml"))
    assert written == sorted(EXPECTED_PATHS)
    for path, text in tree.items():
        assert (tmp_path / "gitops" / path).read_text() == text
    assert (tmp_path / "out" / "stacks" / STACK_NAME / "cdk.tf.json").is_file()


def test_kustomize_builds_the_written_tree(tmp_path, stack, docs, tools):
    stack.database.write_rendered(tmp_path)
    for folder in ("platform/sources", "platform/databases"):
        res = tools.run(tools.kustomize, "build", tmp_path / folder, check=False)
        assert res.returncode == 0, res.stderr
        built = [d for d in yaml.safe_load_all(res.stdout) if d]
        expected = [d for p, d in docs.items() if p.startswith(folder + "/") and not p.endswith("kustomization.yaml")]
        key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
        assert sorted(map(key, built)) == sorted(map(key, expected))
        validate_manifests(built)


def test_render_stack_is_valid_terraform(stack, tools):
    """Render mode needs no provider, so this runs with the real OpenTofu today."""
    assert Testing.to_be_valid_terraform(Testing.full_synth(stack))
