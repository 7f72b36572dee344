"""CnpgPostgisCluster in render mode: the examples/cnpg_render stack (one synth per module).
No Kubernetes resources in the Terraform JSON; the tree as output, attribute and files."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import yaml
from cdktf import TerraformStack, Testing

from dw_constructs.cnpg import (
    BackupProps,
    ClusterProps,
    CnpgPostgisCluster,
    EsoProps,
    FluxProps,
    Mode,
    model,
    versions,
    write_rendered,
)
from dw_constructs.errors import PropsError
from dw_constructs.validation import validate_manifests
from examples.cnpg_render.main import STACK_NAME, build, main
from tests.cnpg.support import (
    SENTINELS,
    chart_crd_groups,
    flux_reconcile_order,
    fresh_cluster_problems,
    literal_secrets,
)
from tests.support.synth import assert_deterministic

EXPECTED_PATHS = [
    "platform/flux/cnpg-sources.yaml",
    "platform/flux/cnpg-operators.yaml",
    "platform/flux/cnpg-databases.yaml",
    "platform/flux/kustomization.yaml",
    "platform/sources/cloudnative-pg-repo.yaml",
    "platform/sources/kustomization.yaml",
    "platform/operators/namespace-cnpg-system.yaml",
    "platform/operators/cnpg-operator-helmrelease.yaml",
    "platform/operators/barman-cloud-plugin-helmrelease.yaml",
    "platform/operators/kustomization.yaml",
    "platform/databases/namespace-databases.yaml",
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
    assert sorted(doc["output"]) == [
        "wildside_pg_primary_endpoint",
        "wildside_pg_rendered_manifests",
        "wildside_pg_replica_endpoint",
        "wildside_pg_sync_policy_contract",
    ]


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
    hr = docs["platform/operators/cnpg-operator-helmrelease.yaml"]
    assert (hr["apiVersion"], hr["kind"]) == ("helm.toolkit.fluxcd.io/v2", "HelmRelease")
    assert hr["metadata"]["namespace"] == "cnpg-system"
    assert hr["spec"]["chart"]["spec"] == {
        "chart": "cloudnative-pg",
        "version": "0.29.0",
        "sourceRef": {
            "kind": "HelmRepository",
            "name": repo["metadata"]["name"],
            "namespace": repo["metadata"]["namespace"],
        },
    }
    plugin = docs["platform/operators/barman-cloud-plugin-helmrelease.yaml"]
    assert plugin["spec"]["dependsOn"] == [{"name": hr["metadata"]["name"]}]


def _folders(tree) -> list[str]:
    return list(dict.fromkeys(p.rsplit("/", 1)[0] for p in tree))


def test_kustomizations_list_exactly_the_files(tree, docs):
    assert _folders(tree) == ["platform/flux", "platform/sources", "platform/operators", "platform/databases"]
    for folder in _folders(tree):
        listed = docs[f"{folder}/kustomization.yaml"]["resources"]
        present = [
            p.rsplit("/", 1)[1] for p in tree if p.startswith(folder + "/") and not p.endswith("kustomization.yaml")
        ]
        assert listed == present


def test_cluster_and_database(docs):
    cluster = docs["platform/databases/wildside-pg-cluster.yaml"]
    assert cluster["spec"]["imageName"] == versions.POSTGIS_IMAGES[16]
    assert cluster["spec"]["superuserSecret"] == {"name": "wildside-pg-superuser"}
    db = docs["platform/databases/wildside-pg-database.yaml"]
    assert [e["name"] for e in db["spec"]["extensions"]] == [
        "postgis",
        "postgis_topology",
        "fuzzystrmatch",
        "postgis_tiger_geocoder",
    ]


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
    for folder in _folders(docs):
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


# -- Flux Kustomizations: bootstrap order on a fresh cluster --------------------------------------------

FLUX_API = ("kustomize.toolkit.fluxcd.io/v1", "Kustomization")
BACKUP = BackupProps(enabled=True, destination_path="s3://backups/wildside-pg")


def _render_props(**kw) -> ClusterProps:
    return ClusterProps(**{"mode": Mode.RENDER, "cluster_name": "wildside-pg", **kw})


def _flux_steps(tree: dict[str, str], root: str = "") -> list[tuple[dict, list[dict]]]:
    """(Flux Kustomization, objects of the folder its spec.path names) in reconcile order; the folder
    is read from the tree as Flux reads it from the repository (``root``: where the tree is in it)."""
    docs = {path: yaml.safe_load(text) for path, text in tree.items()}
    flux = [d for d in docs.values() if (d["apiVersion"], d["kind"]) == FLUX_API]
    steps = []
    for ks in flux_reconcile_order(flux):
        folder = ks["spec"]["path"].removeprefix("./")
        assert folder.startswith(root), ks["spec"]["path"]
        folder = folder.removeprefix(root).lstrip("/")
        objs = [d for p, d in docs.items() if p.rsplit("/", 1)[0] == folder and not p.endswith("/kustomization.yaml")]
        assert objs, f"{ks['metadata']['name']}: spec.path {ks['spec']['path']} names no folder of the tree"
        steps.append((ks, objs))
    return steps


def test_flux_kustomizations_reconcile_every_folder_in_bootstrap_order(tree, docs, tools):
    steps = _flux_steps(tree)
    folders = [ks["spec"]["path"] for ks, _ in steps]
    assert folders == ["./platform/sources", "./platform/operators", "./platform/databases"]
    # every folder but the one holding the Kustomizations is reconciled, exactly once
    flux_dir = {p.rsplit("/", 1)[0] for p, d in docs.items() if (d["apiVersion"], d["kind"]) == FLUX_API}
    assert sorted(f.removeprefix("./") for f in folders) == sorted(set(_folders(tree)) - flux_dir)
    for ks, objs in steps:
        assert ks["metadata"]["namespace"] == "flux-system"
        assert ks["spec"]["sourceRef"] == {"kind": "GitRepository", "name": "flux-system"}
        assert ks["spec"]["prune"] is True
        # health checks name objects of the folder itself
        own = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objs}
        assert {(h["kind"], h["namespace"], h["name"]) for h in ks["spec"].get("healthChecks", [])} <= own
    # on a cluster without the CNPG and plugin CRDs (the groups the real charts install), nothing fails
    assert fresh_cluster_problems(steps, chart_crd_groups(tools)) == []


def test_one_folder_layout_is_not_bootstrappable(tools):
    """The layout that was the default (operator and databases in one folder) fails the same check:
    the Cluster is dry-run together with the HelmRelease that would install its CRD."""
    tree = model.render_tree(_render_props(operator_render_dir="platform/databases", backup=BACKUP))
    problems = fresh_cluster_problems(_flux_steps(tree), chart_crd_groups(tools))
    assert problems and all(p.startswith("cnpg-databases: ") for p in problems)
    assert any("Cluster wildside-pg needs the postgresql.cnpg.io CRD" in p for p in problems)


def test_flux_substitution_exactly_where_the_managed_secret_is():
    tree = model.render_tree(_render_props(backup=BACKUP))  # no ESO: the construct writes the S3 Secret
    steps = _flux_steps(tree)
    for ks, objs in steps:
        text = yaml.safe_dump_all(objs)
        variables = set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))
        post = ks["spec"].get("postBuild")
        if variables:
            assert variables == set(model.RENDER_S3_VARIABLES.values())  # the documented names
            assert post == {"substituteFrom": [{"kind": "Secret", "name": "cnpg-s3-credentials"}]}
        else:
            assert post is None, ks["metadata"]["name"]
    assert [ks["metadata"]["name"] for ks, _ in steps if "postBuild" in ks["spec"]] == ["cnpg-databases"]
    # ESO (the example): no substitution anywhere
    eso = model.render_tree(_render_props(backup=BACKUP, eso=EsoProps(enabled=True, cluster_secret_store_name="v")))
    assert all("postBuild" not in ks["spec"] for ks, _ in _flux_steps(eso))


def test_flux_settings_paths_resolve_in_the_repository(tmp_path, tools):
    """A tree written below a folder of the repository: each spec.path, resolved from the repository
    root as Flux does, is a folder kustomize builds; names, source and extra dependencies follow."""
    flux = FluxProps(
        render_dir="clusters/prod/cnpg",
        source_name="gitops",
        path_prefix="tenants/geo",
        name_prefix="geo-",
        depends_on=("cert-manager", "external-secrets"),
        interval="5m",
    )
    p = _render_props(backup=BACKUP, flux=flux, flux_namespace="flux-geo")
    assert model.validate(p) == []
    tree = model.render_tree(p)
    write_rendered(tree, tmp_path / "tenants" / "geo")
    steps = _flux_steps(tree, root="tenants/geo")
    assert [ks["metadata"]["name"] for ks, _ in steps] == ["geo-sources", "geo-operators", "geo-databases"]
    assert sorted(p for p in tree if p.startswith("clusters/prod/cnpg/")) == sorted(
        [
            "clusters/prod/cnpg/kustomization.yaml",
            *(f"clusters/prod/cnpg/geo-{r}.yaml" for r in ("sources", "operators", "databases")),
        ]
    )
    assert steps[0][0]["spec"]["dependsOn"] == [{"name": "cert-manager"}, {"name": "external-secrets"}]
    for ks, objs in steps:
        assert (ks["metadata"]["namespace"], ks["spec"]["sourceRef"]["name"], ks["spec"]["interval"]) == (
            "flux-geo",
            "gitops",
            "5m",
        )
        res = tools.run(tools.kustomize, "build", tmp_path / ks["spec"]["path"], check=False)
        assert res.returncode == 0, res.stderr
        built = [d for d in yaml.safe_load_all(res.stdout) if d]
        assert sorted((d["kind"], d["metadata"]["name"]) for d in built) == sorted(
            (d["kind"], d["metadata"]["name"]) for d in objs
        )
    validate_manifests(yaml.safe_load(t) for t in tree.values())
    # off: only the folders
    off = model.render_tree(_render_props(backup=BACKUP, flux=FluxProps(enabled=False)))
    assert not any(yaml.safe_load(t)["kind"] == "Kustomization" and "kustomize.toolkit" in t for t in off.values())
    assert {p.rsplit("/", 1)[0] for p in off} == {"platform/sources", "platform/operators", "platform/databases"}


def test_prevent_destroy_keeps_flux_from_pruning_the_database():
    annotation = {"kustomize.toolkit.fluxcd.io/prune": "disabled"}

    def annotated(p):
        return sorted(
            (d["kind"], d["metadata"]["name"])
            for d in map(yaml.safe_load, model.render_tree(p).values())
            if (d.get("metadata") or {}).get("annotations") == annotation
        )

    assert annotated(_render_props(backup=BACKUP)) == [("Cluster", "wildside-pg"), ("Namespace", "databases")]
    assert annotated(_render_props(backup=BACKUP, prevent_destroy=False)) == []
    # a protected cluster in the operator's namespace protects that namespace too
    assert annotated(_render_props(cluster_namespace="cnpg-system")) == [
        ("Cluster", "wildside-pg"),
        ("Namespace", "cnpg-system"),
    ]


@pytest.mark.parametrize(
    "flux,prop,allowed",
    [
        ({"render_dir": "platform/databases"}, "flux.render_dir", "a folder of its own"),
        ({"render_dir": "platform/operators"}, "flux.render_dir", "a folder of its own"),
        ({"render_dir": "../flux"}, "flux.render_dir", "a relative folder"),
        ({"path_prefix": "/repo"}, "flux.path_prefix", "relative folder of the Git repository"),
        ({"path_prefix": "a/../b"}, "flux.path_prefix", "no '..'"),
        ({"name_prefix": "Cnpg-"}, "flux.name_prefix", "DNS labels"),
        ({"name_prefix": "x" * 55}, "flux.name_prefix", "at most 54 chars"),
        ({"source_name": "Flux_System"}, "flux.source_name", "DNS-1123 subdomain"),
        ({"depends_on": "cert-manager"}, "flux.depends_on", "a list of Kustomization names"),
        ({"depends_on": ["cnpg-databases"]}, "flux.depends_on", "a cycle"),
        ({"substitute_from": ""}, "flux.substitute_from", "DNS-1123 subdomain"),
        ({"interval": "10 minutes"}, "flux.interval", "a duration"),
        ({"enabled": "yes"}, "flux.enabled", "True or False"),
    ],
)
def test_invalid_flux_props(flux, prop, allowed):
    problems = model.validate(_render_props(flux=FluxProps(**flux)))
    assert [p.prop for p in problems] == [prop], problems
    assert allowed in problems[0].allowed
    # apply mode writes no tree: the same settings are not looked at
    assert model.validate(dataclasses.replace(_render_props(flux=FluxProps(**flux)), mode=Mode.APPLY)) == []


def test_clusters_of_one_tree_share_the_flux_settings():
    stack = TerraformStack(Testing.app(), "two")
    CnpgPostgisCluster(stack, "Geo", mode="render", flux={"path_prefix": "clusters/prod"})
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "Tiles", mode="render", cluster_namespace="tiles")
    (problem,) = err.value.problems
    assert (problem.prop, problem.value) == ("flux.path_prefix", "")
    assert "'clusters/prod' as 'two/Geo' asks" in problem.allowed
    tiles = CnpgPostgisCluster(
        stack, "Tiles", mode="render", cluster_namespace="tiles", flux={"path_prefix": "clusters/prod"}
    )
    paths = {
        yaml.safe_load(t)["spec"]["path"]
        for p, t in tiles.rendered_manifests.items()
        if p.startswith("platform/flux/cnpg-")
    }
    assert paths == {
        "./clusters/prod/platform/sources",
        "./clusters/prod/platform/operators",
        "./clusters/prod/platform/databases",
    }


def test_docs_flux_example_is_what_the_construct_renders():
    """docs/cnpg.md, "Flux layout and bootstrap order": its Python block, run, renders exactly the
    Kustomization objects of its YAML block."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "cnpg.md").read_text()
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "clusters/prod/cnpg" in b]
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("# clusters/prod/cnpg/")]
    stack = TerraformStack(Testing.app(), "docs")
    exec(
        code,
        {
            "stack": stack,
            "CnpgPostgisCluster": CnpgPostgisCluster,
            "Mode": Mode,
            "BackupProps": BackupProps,
            "EsoProps": EsoProps,
            "FluxProps": FluxProps,
        },
    )
    tree = stack.node.find_child("WildsidePg").rendered_manifests
    shown = {part.splitlines()[0].removeprefix("# "): yaml.safe_load(part) for part in block.split("---\n")}
    assert sorted(shown) == ["clusters/prod/cnpg/cnpg-databases.yaml", "clusters/prod/cnpg/cnpg-operators.yaml"]
    assert shown == {path: yaml.safe_load(tree[path]) for path in shown}
