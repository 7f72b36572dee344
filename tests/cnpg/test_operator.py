"""CnpgOperator: one CNPG operator (and Barman Cloud plugin) per Kubernetes cluster, shared by the
CnpgPostgisClusters of a stack; conflicting requests; air-gapped chart sources (mirror repository,
local archive or directory as a cdktf asset); chart values and wait. Render mode: one GitOps tree
per stack with one operator."""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from pathlib import Path

import pytest
import yaml
from cdktf import App, TerraformStack, TerraformVariable, Testing

from dw_constructs import PropsError
from dw_constructs.cnpg import (
    BackupProps,
    CnpgOperator,
    CnpgPostgisCluster,
    HelmChartSource,
    OperatorProps,
    versions,
)
from dw_constructs.validation import validate_manifests
from tests.cnpg.support import chart_archive
from tests.support.synth import synth_to

BACKUP = BackupProps(enabled=True, destination_path="s3://backups/pg")
NO_NODES = {"webhook": {"mutating": {"create": False}, "validating": {"create": False}}}


def _stack(app=None, name: str = "s") -> TerraformStack:
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    stack = TerraformStack(app or Testing.app(), name)
    KubernetesProvider(stack, "k8s", config_path="~/.kube/config")
    HelmProvider(stack, "helm")
    return stack


def _resources(doc: dict, rtype: str) -> dict[str, dict]:
    return doc.get("resource", {}).get(rtype, {})


def _address(doc: dict, rtype: str, **match) -> str:
    (name,) = [
        n
        for n, r in _resources(doc, rtype).items()
        if all(r.get(k) == v or (r.get("metadata") or {}).get(k) == v for k, v in match.items())
    ]
    return f"{rtype}.{name}"


def _manifest_deps(doc: dict, kind: str, name: str) -> set[str]:
    (res,) = [
        r
        for r in _resources(doc, "kubernetes_manifest").values()
        if r["manifest"]["kind"] == kind and r["manifest"]["metadata"]["name"] == name
    ]
    return set(res.get("depends_on", []))


# -- two clusters, one operator (apply) ---------------------------------------------------------------


def build_two_clusters(app: App) -> TerraformStack:
    """Two clusters in one stack: 'geo' with backups in 'databases', 'tiles' in the same namespace
    (it uses geo's), both installing the operator."""
    stack = _stack(app, "two-clusters")
    CnpgPostgisCluster(stack, "Geo", mode="apply", backup=BACKUP, prevent_destroy=False)
    CnpgPostgisCluster(stack, "Tiles", mode="apply", create_namespace=False, instances=1, prevent_destroy=False)
    return stack


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    stack = build_two_clusters(Testing.app())
    return stack, json.loads(Testing.synth(stack))


def test_target_addresses_are_the_release_addresses(two):
    stack, doc = two
    op = stack.node.find_child("CnpgOperator-cnpg-system")
    assert op.target_addresses() == [
        _address(doc, "helm_release", name="cnpg"),
        _address(doc, "helm_release", name="barman-cloud"),
    ]


def test_two_clusters_share_one_operator_release_plugin_and_namespace(two):
    _, doc = two
    releases = sorted(r["name"] for r in _resources(doc, "helm_release").values())
    assert releases == ["barman-cloud", "cnpg"]
    namespaces = sorted(r["metadata"]["name"] for r in _resources(doc, "kubernetes_namespace_v1").values())
    assert namespaces == ["cnpg-system", "databases"]
    clusters = sorted(
        r["manifest"]["metadata"]["name"]
        for r in _resources(doc, "kubernetes_manifest").values()
        if r["manifest"]["kind"] == "Cluster"
    )
    assert clusters == ["geo", "tiles"]


def test_both_clusters_depend_on_the_shared_releases(two):
    _, doc = two
    operator = _address(doc, "helm_release", name="cnpg")
    plugin = _address(doc, "helm_release", name="barman-cloud")
    op_ns = _address(doc, "kubernetes_namespace_v1", name="cnpg-system")
    db_ns = _address(doc, "kubernetes_namespace_v1", name="databases")
    geo, tiles = _manifest_deps(doc, "Cluster", "geo"), _manifest_deps(doc, "Cluster", "tiles")
    assert {operator, plugin, db_ns} <= geo
    assert {operator, db_ns} <= tiles, "tiles waits for the operator and for the namespace geo creates"
    assert plugin not in tiles, "no backups: the plugin is not tiles' business"
    assert {plugin, operator, db_ns} <= _manifest_deps(doc, "ObjectStore", "geo-object-store")
    assert set(_resources(doc, "helm_release")[operator.split(".", 1)[1]]["depends_on"]) == {op_ns}
    assert set(_resources(doc, "helm_release")[plugin.split(".", 1)[1]]["depends_on"]) == {op_ns, operator}


def test_operator_is_a_child_of_the_stack_with_a_namespace_derived_id(two):
    stack, doc = two
    op = stack.node.find_child("CnpgOperator-cnpg-system")
    assert isinstance(op, CnpgOperator)
    assert op.created_for == "two-clusters/Geo" and op.clusters == ["two-clusters/Geo", "two-clusters/Tiles"]
    assert stack.node.find_child("Geo").operator is op and stack.node.find_child("Tiles").operator is op
    assert sorted(a for a in (f"{t}.{n}" for t, rs in doc["resource"].items() for n in rs) if "CnpgOperator" in a) == [
        "helm_release.CnpgOperator-cnpg-system_5E3049F4",
        "helm_release.CnpgOperator-cnpg-system_BarmanCloudPlugin_1F79A0E4",
        "kubernetes_namespace_v1.CnpgOperator-cnpg-system_Namespace_D60BA2DE",
    ]


def test_two_clusters_stack_passes_tofu_validate(tools, tmp_path):
    result = tools.tofu_validate(synth_to(tmp_path, build_two_clusters))
    assert result["valid"] is True, result["diagnostics"]


def test_plugin_release_appears_when_the_first_cluster_with_backups_arrives():
    stack = _stack()
    first = CnpgPostgisCluster(stack, "NoBackup", mode="apply")
    assert first.operator.plugin_release is None
    second = CnpgPostgisCluster(stack, "WithBackup", mode="apply", cluster_namespace="geo", backup=BACKUP)
    assert second.operator is first.operator and first.operator.plugin_release is not None
    doc = json.loads(Testing.synth(stack))
    assert sorted(r["name"] for r in _resources(doc, "helm_release").values()) == ["barman-cloud", "cnpg"]


# -- conflicts -------------------------------------------------------------------------------------------

CONFLICTS = [
    ({"operator_chart_version": "0.28.0"}, "operator_chart_version", "0.28.0", "'0.29.0'"),
    ({"operator": OperatorProps(values=NO_NODES)}, "operator.values", NO_NODES, "{}"),
    ({"operator": {"wait": False}}, "operator.wait", False, "True"),
    (
        {"operator": OperatorProps(chart_source=HelmChartSource(repository="https://charts.example.internal/cnpg"))},
        "operator.chart_source",
        {"repository": "https://charts.example.internal/cnpg"},
        "'upstream repository'",
    ),
    ({"operator_namespace": "cnpg-operator"}, "operator_namespace", "cnpg-operator", "'cnpg-system'"),
    ({"operator": {"install_plugin": True}}, "operator.install_plugin", True, "None"),
    ({"install_operator": False, "backup": BACKUP}, "install_operator", False, "True"),
]


@pytest.mark.parametrize("kwargs,prop,value,theirs", CONFLICTS, ids=[c[1] for c in CONFLICTS])
def test_conflicting_operator_settings_name_both_paths_and_the_setting(kwargs, prop, value, theirs):
    stack = _stack()
    CnpgPostgisCluster(stack, "First", mode="apply")
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "Second", mode="apply", cluster_namespace="other", **kwargs)
    msg = str(err.value)
    assert msg.startswith("Invalid props for CnpgPostgisCluster at 's/Second':"), msg
    line = f"- {prop}: got {value!r}; allowed: {theirs} as 's/First' asks"
    assert line in msg, msg
    assert "'s/CnpgOperator-cnpg-system'" in msg, "the shared operator is named too"
    assert stack.node.try_find_child("Second") is None


def test_same_settings_given_twice_do_not_conflict():
    stack = _stack()
    op = {"values": NO_NODES, "wait": False}
    a = CnpgPostgisCluster(stack, "A", mode="apply", operator=op)
    b = CnpgPostgisCluster(
        stack, "B", mode="apply", cluster_namespace="b", operator=OperatorProps(values=NO_NODES, wait=False)
    )
    assert a.operator is b.operator and a.operator.props.wait is False


def test_plugin_on_and_off_conflict():
    stack = _stack()
    CnpgPostgisCluster(stack, "Installs", mode="apply", backup=BACKUP)
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(
            stack, "Platform", mode="apply", cluster_namespace="b", backup={**BACKUP.__dict__, "install_plugin": False}
        )
    assert "- backup.install_plugin: got False; allowed: True as 's/Installs' says" in str(err.value)


def test_explicit_operator_is_used_and_a_default_cluster_must_match_it():
    stack = _stack()
    op = CnpgOperator(stack, "Cnpg", values=NO_NODES, wait=False)
    db = CnpgPostgisCluster(stack, "Db", mode="apply", operator=op, backup=BACKUP)
    assert db.operator is op and db.props.operator.wait is False and op.plugin_release is not None
    assert stack.node.try_find_child("CnpgOperator-cnpg-system") is None, "no second operator"
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "Other", mode="apply", cluster_namespace="other")
    msg = str(err.value)
    assert "- operator.values: got {}; allowed: " in msg and "as the operator 's/Cnpg' has" in msg
    assert "pass operator= to each" in msg
    doc = json.loads(Testing.synth(stack))
    (release,) = [r for r in _resources(doc, "helm_release").values() if r["name"] == "cnpg"]
    assert release["wait"] is False and release["atomic"] is False


def test_second_operator_for_the_same_helm_provider_is_refused():
    stack = _stack()
    CnpgPostgisCluster(stack, "Db", mode="apply")
    with pytest.raises(PropsError) as err:
        CnpgOperator(stack, "Cnpg", namespace="cnpg-operators")
    assert "helm_provider" in str(err.value) and "'s/CnpgOperator-cnpg-system' installs the operator" in str(err.value)


def test_operator_per_aliased_helm_provider():
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    stack = _stack()
    eu_helm, eu_k8s = HelmProvider(stack, "helm-eu", alias="eu"), KubernetesProvider(stack, "k8s-eu", alias="eu")
    home = CnpgPostgisCluster(stack, "Home", mode="apply")
    eu = CnpgPostgisCluster(stack, "Eu", mode="apply", helm_provider=eu_helm, kubernetes_provider=eu_k8s)
    assert home.operator.node.id == "CnpgOperator-cnpg-system" and eu.operator.node.id == "CnpgOperator-cnpg-system-eu"
    doc = json.loads(Testing.synth(stack))
    assert sorted(r.get("provider", "") for r in _resources(doc, "helm_release").values()) == ["", "helm.eu"]


def test_two_clusters_creating_one_namespace_is_an_error_with_the_way_out():
    stack = _stack()
    CnpgPostgisCluster(stack, "A", mode="apply")
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "B", mode="apply")
    assert "- create_namespace: got True; allowed: False: 's/A' creates namespace 'databases' already" in str(err.value)


def test_cluster_in_the_operator_namespace_uses_and_protects_it():
    stack = _stack()
    db = CnpgPostgisCluster(stack, "Db", mode="apply", cluster_namespace="cnpg-system")
    assert db.namespace_resource is None and "Namespace" not in db.children
    doc = json.loads(Testing.synth(stack))
    (ns_name,) = _resources(doc, "kubernetes_namespace_v1")
    assert _resources(doc, "kubernetes_namespace_v1")[ns_name]["lifecycle"] == {"prevent_destroy": True}
    assert f"kubernetes_namespace_v1.{ns_name}" in _manifest_deps(doc, "Cluster", "db")


# -- install_operator=False -----------------------------------------------------------------------------


def test_platform_operator_without_backups_creates_no_operator():
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    stack = TerraformStack(Testing.app(), "s")
    KubernetesProvider(stack, "k8s")
    db = CnpgPostgisCluster(stack, "Db", mode="apply", install_operator=False)
    assert db.operator is None and not [n for n in stack.node.find_all() if isinstance(n, CnpgOperator)]
    assert "helm_release" not in json.loads(Testing.synth(stack))["resource"]


def test_platform_operator_with_backups_installs_only_the_plugin():
    stack = _stack()
    a = CnpgPostgisCluster(stack, "A", mode="apply", install_operator=False, backup=BACKUP)
    CnpgPostgisCluster(stack, "B", mode="apply", install_operator=False, backup=BACKUP, cluster_namespace="b")
    assert a.operator.install_operator is False and a.operator.release is None
    doc = json.loads(Testing.synth(stack))
    (plugin,) = _resources(doc, "helm_release").values()
    assert (plugin["name"], plugin["namespace"]) == ("barman-cloud", "cnpg-system")
    assert sorted(r["metadata"]["name"] for r in _resources(doc, "kubernetes_namespace_v1").values()) == [
        "b",
        "databases",
    ], "the platform's operator namespace is not ours"


# -- chart sources --------------------------------------------------------------------------------------


def _synth_app(tmp_path: Path, build) -> tuple[Path, dict]:
    stack_dir = synth_to(tmp_path, build)
    return stack_dir, json.loads((stack_dir / "cdk.tf.json").read_text())


def test_local_chart_archives_become_assets_with_relative_paths(tmp_path):
    operator_tgz, plugin_tgz = chart_archive("cloudnative-pg"), chart_archive("plugin-barman-cloud")

    def build(app):
        stack = _stack(app, "airgap")
        op = CnpgOperator(
            stack,
            "Cnpg",
            chart_source=HelmChartSource(path=str(operator_tgz)),
            plugin_chart_source=HelmChartSource(path=operator_tgz.parent / plugin_tgz.name),
        )
        CnpgPostgisCluster(stack, "Db", mode="apply", operator=op, backup=BACKUP)
        return stack

    stack_dir, doc = _synth_app(tmp_path / "out", build)
    releases = {r["name"]: r for r in _resources(doc, "helm_release").values()}
    for name, archive in (("cnpg", operator_tgz), ("barman-cloud", plugin_tgz)):
        chart = releases[name]["chart"]
        assert re.fullmatch(r"assets/[^/]+/[0-9A-F]+/" + re.escape(archive.name), chart), chart
        assert "repository" not in releases[name]
        copied = stack_dir / chart
        assert hashlib.sha256(copied.read_bytes()).hexdigest() == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert releases["cnpg"]["version"] == "0.29.0" and releases["barman-cloud"]["version"] == "0.7.0"
    text = (stack_dir / "cdk.tf.json").read_text()
    assert str(tmp_path) not in text and str(operator_tgz.parent) not in text, "no absolute path of this machine"


def test_local_chart_directory_is_a_directory_asset(tmp_path):
    with tarfile.open(chart_archive("cloudnative-pg")) as tar:
        tar.extractall(tmp_path / "charts", filter="data")
    chart_dir = tmp_path / "charts" / "cloudnative-pg"

    def build(app):
        stack = _stack(app, "dir")
        CnpgPostgisCluster(stack, "Db", mode="apply", operator={"chart_source": {"path": str(chart_dir)}})
        return stack

    stack_dir, doc = _synth_app(tmp_path / "out", build)
    (release,) = _resources(doc, "helm_release").values()
    assert release["chart"].startswith("assets/") and "repository" not in release
    assert yaml.safe_load((stack_dir / release["chart"] / "Chart.yaml").read_text())["version"] == "0.29.0"


def test_archive_of_another_version_is_refused():
    stack = _stack()
    archive = chart_archive("cloudnative-pg")
    with pytest.raises(PropsError) as err:
        CnpgOperator(stack, "Cnpg", chart_version="0.28.0", chart_source=HelmChartSource(path=archive))
    msg = str(err.value)
    assert (
        f"- chart_source.path: got {str(archive)!r}; allowed: a chart of version '0.28.0' as chart_version "
        "declares (its Chart.yaml says version '0.29.0')" in msg
    ), msg
    assert stack.node.try_find_child("Cnpg") is None


def test_archive_of_another_chart_and_missing_files_are_refused(tmp_path):
    stack = _stack()
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(
            stack,
            "Db",
            mode="apply",
            backup=BACKUP,
            operator=OperatorProps(
                chart_source=HelmChartSource(path=chart_archive("plugin-barman-cloud")),
                plugin_chart_source=HelmChartSource(path=tmp_path / "nope.tgz"),
            ),
        )
    problems = {p.prop: p.allowed for p in err.value.problems}
    assert (
        "a 'cloudnative-pg' chart (its Chart.yaml says name 'plugin-barman-cloud')"
        in problems["operator.chart_source.path"]
    )
    assert problems["operator.plugin_chart_source.path"] == "an existing chart archive (.tgz) or chart directory"


def test_local_operator_chart_needs_a_plugin_source_when_the_plugin_is_installed():
    stack = _stack()
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(
            stack,
            "Db",
            mode="apply",
            backup=BACKUP,
            operator={"chart_source": HelmChartSource(path=chart_archive("cloudnative-pg"))},
        )
    assert [p.prop for p in err.value.problems] == ["operator.plugin_chart_source"]
    # without backups the plugin is not installed, so no plugin source is needed
    CnpgPostgisCluster(
        stack, "Ok", mode="apply", operator={"chart_source": HelmChartSource(path=chart_archive("cloudnative-pg"))}
    )


@pytest.mark.parametrize(
    "url", ["https://harbor.example.internal/chartrepo/cnpg", "oci://harbor.example.internal/charts"]
)
def test_repository_override_for_both_charts(url):
    stack = _stack()
    CnpgPostgisCluster(
        stack, "Db", mode="apply", backup=BACKUP, operator=OperatorProps(chart_source=HelmChartSource(repository=url))
    )
    doc = json.loads(Testing.synth(stack))
    releases = {r["name"]: r for r in _resources(doc, "helm_release").values()}
    assert {n: (r["repository"], r["chart"], r["version"]) for n, r in releases.items()} == {
        "cnpg": (url, "cloudnative-pg", "0.29.0"),
        "barman-cloud": (url, "plugin-barman-cloud", "0.7.0"),
    }
    assert versions.CNPG_CHART_REPOSITORY not in json.dumps(doc)


def test_repository_may_be_a_terraform_reference():
    stack = _stack()
    mirror = TerraformVariable(stack, "chart_mirror", type="string")
    CnpgOperator(stack, "Cnpg", chart_source=HelmChartSource(repository=mirror.string_value))
    (release,) = _resources(json.loads(Testing.synth(stack)), "helm_release").values()
    assert release["repository"] == "${var.chart_mirror}"


@pytest.mark.parametrize(
    "source,prop,allowed",
    [
        (HelmChartSource(repository="ftp://mirror/charts"), "chart_source.repository", "'oci://'"),
        (HelmChartSource(repository="https://m/charts", path="x.tgz"), "chart_source", "not both"),
        ({"url": "https://m/charts"}, "chart_source", "keys from repository, path"),
    ],
)
def test_bad_chart_sources(source, prop, allowed):
    with pytest.raises(PropsError) as err:
        CnpgOperator(_stack(), "Cnpg", chart_source=source)
    assert [p.prop for p in err.value.problems] == [prop] and allowed in err.value.problems[0].allowed


# -- values and wait ------------------------------------------------------------------------------------


def test_values_are_one_sorted_yaml_document_and_wait_drives_atomic():
    stack = _stack()
    values = {
        "webhook": {"validating": {"create": False}, "mutating": {"create": False}},
        "config": {"data": {"INHERITED_LABELS": "team"}},
    }
    op = CnpgOperator(stack, "Cnpg", values=values, plugin_values={"replicaCount": 2}, install_plugin=True, wait=False)
    doc = json.loads(Testing.synth(stack))
    releases = {r["name"]: r for r in _resources(doc, "helm_release").values()}
    (text,) = releases["cnpg"]["values"]
    assert yaml.safe_load(text) == values
    assert text.index("config:") < text.index("webhook:") and text.index("mutating:") < text.index("validating:")
    assert yaml.safe_load(releases["barman-cloud"]["values"][0]) == {"replicaCount": 2}
    for r in releases.values():
        assert (r["wait"], r["atomic"]) == (False, False)
    assert op.plugin_installed


def test_production_defaults_wait_and_no_values(two):
    _, doc = two
    for r in _resources(doc, "helm_release").values():
        assert (r["wait"], r["atomic"]) == (True, True) and "values" not in r


# -- render mode: one tree, one operator ------------------------------------------------------------------


def _render_stack():
    stack = TerraformStack(Testing.app(), "gitops")
    a = CnpgPostgisCluster(stack, "Geo", mode="render", backup=BACKUP)
    b = CnpgPostgisCluster(stack, "Tiles", mode="render", cluster_namespace="tiles", backup=BACKUP)
    return stack, a, b


def test_render_two_clusters_one_tree_one_operator():
    stack, a, b = _render_stack()
    tree = a.rendered_manifests
    assert tree == b.rendered_manifests
    docs = {path: yaml.safe_load(text) for path, text in tree.items()}
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs.values() if d.get("kind") != "Kustomization"]
    assert kinds.count(("HelmRelease", "cnpg")) == 1 and kinds.count(("HelmRelease", "barman-cloud")) == 1
    assert kinds.count(("HelmRepository", "cloudnative-pg")) == 1
    assert ("Cluster", "geo") in kinds and ("Cluster", "tiles") in kinds
    assert ("ObjectStore", "geo-object-store") in kinds and ("ObjectStore", "tiles-object-store") in kinds
    listed = docs["platform/databases/kustomization.yaml"]["resources"]
    assert sorted(listed) == sorted(
        p.rsplit("/", 1)[1]
        for p in tree
        if p.startswith("platform/databases/") and not p.endswith("kustomization.yaml")
    )
    validate_manifests([d for d in docs.values() if d.get("kind") != "Kustomization"])
    out = json.loads(Testing.synth(stack))["output"]
    assert out["geo_rendered_manifests"]["value"] == out["tiles_rendered_manifests"]["value"]
    assert set(out["geo_rendered_manifests"]["value"]) == set(tree), "the first cluster's output was refreshed"


def test_render_conflicts_and_shared_namespace():
    stack, _, _ = _render_stack()
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "Other", mode="render", cluster_namespace="other", operator={"values": NO_NODES})
    assert "- operator.values: got " in str(err.value) and "as 'gitops/Geo' asks" in str(err.value)
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "Same", mode="render")
    assert [p.prop for p in err.value.problems] == ["create_namespace"]
    assert "'gitops/Geo'" in err.value.problems[0].allowed
    CnpgPostgisCluster(stack, "Same", mode="render", create_namespace=False)


def test_render_refuses_a_cnpg_operator_and_local_charts():
    stack = _stack()
    op = CnpgOperator(stack, "Cnpg")
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "R", mode="render", operator=op)
    assert [p.prop for p in err.value.problems] == ["operator"]
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(
            stack, "R", mode="render", operator={"chart_source": {"path": str(chart_archive("cloudnative-pg"))}}
        )
    assert [p.prop for p in err.value.problems] == ["operator.chart_source.path"]
    assert "None in render mode" in err.value.problems[0].allowed


def test_render_kustomize_builds_the_shared_tree(tmp_path, tools):
    _, a, _ = _render_stack()
    a.write_rendered(tmp_path)
    built = []
    for folder in ("operators", "databases"):
        res = tools.run(tools.kustomize, "build", tmp_path / "platform" / folder, check=False)
        assert res.returncode == 0, res.stderr
        built += [(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(res.stdout) if d]
    assert built.count(("HelmRelease", "cnpg")) == 1
    assert {("Cluster", "geo"), ("Cluster", "tiles"), ("Namespace", "tiles")} <= set(built)


# -- real tools on the air-gapped stack -----------------------------------------------------------------


def build_airgapped(app: App) -> TerraformStack:
    """An air-gapped stack: both charts from the local upstream archives, test-cluster values."""
    stack = _stack(app, "airgapped")
    op = CnpgOperator(
        stack,
        "Cnpg",
        chart_source=HelmChartSource(path=chart_archive("cloudnative-pg")),
        plugin_chart_source=HelmChartSource(path=chart_archive("plugin-barman-cloud")),
        values=NO_NODES,
        wait=False,
    )
    CnpgPostgisCluster(stack, "Db", mode="apply", operator=op, backup=BACKUP, prevent_destroy=False)
    return stack


def test_airgapped_stack_is_deterministic_and_valid(tools, tmp_path):
    from tests.support.synth import assert_deterministic

    (tmp_path / "det").mkdir()
    json_text = assert_deterministic(tmp_path / "det", build_airgapped)
    assert str(chart_archive("cloudnative-pg").parent).encode() not in json_text
    result = tools.tofu_validate(synth_to(tmp_path / "validate", build_airgapped))
    assert result["valid"] is True, result["diagnostics"]


def test_values_reach_the_real_chart(tools, tmp_path):
    """helm renders the shipped asset with the release's own values document: the test-cluster
    values really remove the operator's webhook configurations (and the defaults keep them)."""
    stack_dir, doc = _synth_app(tmp_path / "out", build_airgapped)
    (release,) = [r for r in _resources(doc, "helm_release").values() if r["name"] == "cnpg"]
    (tmp_path / "values.yaml").write_text(release["values"][0])
    chart = stack_dir / release["chart"]

    def kinds(*args):
        res = tools.run(tools.helm, "template", "cnpg", chart, "--namespace", "cnpg-system", *args, check=False)
        assert res.returncode == 0, res.stderr
        return {d["kind"] for d in yaml.safe_load_all(res.stdout) if d}

    with_values = kinds("-f", tmp_path / "values.yaml")
    assert "Deployment" in with_values
    assert not {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} & with_values
    assert {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} <= kinds()


# -- the examples of docs/cnpg.md run -------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "cnpg.md"


def _doc_blocks(heading: str) -> list[str]:
    text = DOC.read_text()
    start = text.index(f"\n{heading}\n")
    end = min(i for i in (text.find("\n## ", start + 1), text.find("\n### ", start + 1), len(text)) if i > 0)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


def test_doc_example_shared_operator():
    (block,) = _doc_blocks("## The shared operator (`CnpgOperator`)")
    stack = _stack()
    exec(block, {"stack": stack})
    doc = json.loads(Testing.synth(stack))
    releases = {r["name"]: r for r in _resources(doc, "helm_release").values()}
    assert sorted(releases) == ["barman-cloud", "cnpg"]
    assert yaml.safe_load(releases["cnpg"]["values"][0]) == {
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}}
    }
    assert sorted(r["metadata"]["name"] for r in _resources(doc, "kubernetes_namespace_v1").values()) == [
        "cnpg-system",
        "databases",
    ]


def test_doc_examples_air_gapped(tmp_path, monkeypatch):
    local, mirror = _doc_blocks("### Air-gapped chart sources")
    (tmp_path / "vendor" / "charts").mkdir(parents=True)
    for chart in ("cloudnative-pg", "plugin-barman-cloud"):
        archive = chart_archive(chart)
        (tmp_path / "vendor" / "charts" / archive.name).symlink_to(archive)
    monkeypatch.chdir(tmp_path)
    namespace = {"stack": _stack()}
    exec(local, namespace)  # its imports serve the second block too
    releases = {
        r["name"]: r for r in _resources(json.loads(Testing.synth(namespace["stack"])), "helm_release").values()
    }
    assert sorted(releases) == ["barman-cloud", "cnpg"]
    assert all(r["chart"].startswith("assets/") and "repository" not in r for r in releases.values())
    namespace["stack"] = stack = TerraformStack(Testing.app(), "mirror")
    exec(mirror, namespace)
    tree = stack.node.find_child("GeoPg").rendered_manifests
    repo = yaml.safe_load(tree["platform/sources/cloudnative-pg-repo.yaml"])
    assert repo["spec"] == {"interval": "1h", "type": "oci", "url": "oci://harbor.internal/charts"}
