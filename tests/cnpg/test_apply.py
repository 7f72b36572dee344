"""CnpgPostgisCluster in apply mode: the examples/cnpg_apply stack (one synth per module) and a
managed-S3-secret variant. Structure via cdktf Testing matchers and the parsed JSON; every
manifest through the shared schema validation."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack, TerraformVariable, Testing

from dw_constructs.cnpg import BackupProps, CnpgPostgisCluster, Mode, versions
from dw_constructs.validation import validate_manifest
from examples.cnpg_apply.main import build
from tests.cnpg.support import SENTINELS, literal_secrets
from tests.support.synth import assert_deterministic, synth_to


@pytest.fixture(scope="module")
def example_stack():
    return build(Testing.app())


@pytest.fixture(scope="module")
def synth(example_stack) -> str:
    return Testing.synth(example_stack)


@pytest.fixture(scope="module")
def doc(synth) -> dict:
    return json.loads(synth)


@pytest.fixture(scope="module")
def manifests(doc) -> dict[str, dict]:
    """kubernetes_manifest resources by kind."""
    return {r["manifest"]["kind"]: r["manifest"] for r in doc["resource"]["kubernetes_manifest"].values()}


def _providers():
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    return KubernetesProvider, HelmProvider


@pytest.fixture(scope="module")
def managed(tmp_path_factory):
    """Backup with the construct's own S3 Secret (sensitive variables), providers from the stack."""
    KubernetesProvider, HelmProvider = _providers()
    stack = TerraformStack(Testing.app(), "managed")
    KubernetesProvider(stack, "k8s")
    HelmProvider(stack, "helm")
    db = CnpgPostgisCluster(
        stack,
        "Gis",
        mode=Mode.APPLY,
        cluster_name="gis",
        instances=2,
        prevent_destroy=False,
        backup=BackupProps(enabled=True, destination_path="s3://b/gis", install_plugin=False),
    )
    return db, json.loads(Testing.synth(stack))


def test_operator_helm_release_is_pinned(synth):
    assert Testing.to_have_resource_with_properties(
        synth,
        "helm_release",
        {
            "name": "cnpg",
            "chart": "cloudnative-pg",
            "repository": "https://cloudnative-pg.github.io/charts",
            "version": versions.CNPG_CHART_VERSION,
            "namespace": "cnpg-system",
        },
    )
    assert versions.CNPG_CHART_VERSION.startswith("0.29.") and versions.CNPG_APP_VERSION.startswith("1.30.")
    assert Testing.to_have_resource_with_properties(
        synth,
        "helm_release",
        {
            "name": "barman-cloud",
            "chart": "plugin-barman-cloud",
            "version": versions.BARMAN_PLUGIN_CHART_VERSION,
            "namespace": "cnpg-system",
        },
    )


def test_namespaces(synth):
    for name in ("cnpg-system", "databases"):
        assert Testing.to_have_resource_with_properties(synth, "kubernetes_namespace_v1", {"metadata": {"name": name}})
    assert not Testing.to_have_resource_with_properties(
        synth, "kubernetes_namespace_v1", {"metadata": {"name": "default"}}
    )


def test_cluster_manifest(synth, manifests):
    assert Testing.to_have_resource_with_properties(
        synth,
        "kubernetes_manifest",
        {
            "manifest": {
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "Cluster",
                "metadata": {"name": "wildside-pg", "namespace": "databases"},
            }
        },
    )
    spec = manifests["Cluster"]["spec"]
    assert spec["instances"] == 3 and spec["storage"] == {"size": "20Gi"}
    assert spec["imageName"] == versions.POSTGIS_IMAGES[16]
    assert spec["enableSuperuserAccess"] is True
    assert spec["superuserSecret"] == {"name": "wildside-pg-superuser"}
    assert spec["bootstrap"]["initdb"] == {"database": "app", "owner": "app", "secret": {"name": "wildside-pg-app"}}
    assert spec["plugins"][0]["name"] == "barman-cloud.cloudnative-pg.io" and spec["plugins"][0]["isWALArchiver"]
    assert "backup" not in spec


def test_kinds_and_api_versions(manifests):
    assert {k: m["apiVersion"] for k, m in manifests.items()} == {
        "Cluster": "postgresql.cnpg.io/v1",
        "Database": "postgresql.cnpg.io/v1",
        "ScheduledBackup": "postgresql.cnpg.io/v1",
        "ObjectStore": "barmancloud.cnpg.io/v1",
        "ExternalSecret": "external-secrets.io/v1",
    }


def test_every_manifest_in_the_json_passes_schema_validation(doc, example_stack):
    for resource in doc["resource"]["kubernetes_manifest"].values():
        validate_manifest(resource["manifest"])
    for manifest in example_stack.database.manifests:  # namespaces and secrets too, as built
        validate_manifest(manifest)
    assert (
        len(doc["resource"]["kubernetes_manifest"]) == 7
    )  # 3 ExternalSecrets, ObjectStore, Cluster, Database, ScheduledBackup


def test_dependencies_order_the_apply(doc):
    res = doc["resource"]
    address = {f"{t}.{n}": r for t, rs in res.items() for n, r in rs.items()}
    kind = {
        a: (r.get("manifest", {}).get("kind") or r.get("name") or r["metadata"]["name"]) for a, r in address.items()
    }
    by_kind = {v: a for a, v in kind.items()}
    deps = {kind[a]: {kind[d] for d in r.get("depends_on", [])} for a, r in address.items()}
    assert deps["cnpg"] == {"cnpg-system"}
    assert deps["barman-cloud"] == {"cnpg-system", "cnpg"}
    assert {"cnpg", "barman-cloud", "databases", "ObjectStore"} <= deps["Cluster"]
    assert deps["Database"] == {"Cluster"} and deps["ScheduledBackup"] == {"Cluster"}
    assert {"barman-cloud", "databases"} <= deps["ObjectStore"]
    assert by_kind["Cluster"].startswith("kubernetes_manifest.WildsidePg_")
    assert address[by_kind["Cluster"]]["lifecycle"] == {"prevent_destroy": True}
    assert address[by_kind["databases"]]["lifecycle"] == {"prevent_destroy": True}


def test_addresses_are_stable(doc):
    """Addresses are public API: renaming them replaces the database. Changed on purpose once
    (docs/cnpg.md, "Changes"): the operator release, the plugin release and the operator namespace
    moved from under the cluster (``WildsidePg_Operator_…``, ``WildsidePg_BarmanCloudPlugin_…``,
    ``WildsidePg_OperatorNamespace_…``) to the stack's shared ``CnpgOperator-cnpg-system``."""
    assert sorted(f"{t}.{n}" for t, rs in doc["resource"].items() for n in rs) == [
        "helm_release.CnpgOperator-cnpg-system_5E3049F4",
        "helm_release.CnpgOperator-cnpg-system_BarmanCloudPlugin_1F79A0E4",
        "kubernetes_manifest.WildsidePg_AppExternalSecret_68575F28",
        "kubernetes_manifest.WildsidePg_BackupExternalSecret_AA4B6799",
        "kubernetes_manifest.WildsidePg_Database_7FB519A5",
        "kubernetes_manifest.WildsidePg_EA6F4244",
        "kubernetes_manifest.WildsidePg_ObjectStore_FB184991",
        "kubernetes_manifest.WildsidePg_ScheduledBackup_CDD04700",
        "kubernetes_manifest.WildsidePg_SuperuserExternalSecret_103F74C1",
        "kubernetes_namespace_v1.CnpgOperator-cnpg-system_Namespace_D60BA2DE",
        "kubernetes_namespace_v1.WildsidePg_Namespace_C1FDC564",
    ]
    assert sorted(doc["output"]) == [
        "wildside_pg_primary_endpoint",
        "wildside_pg_replica_endpoint",
        "wildside_pg_sync_policy_contract",
    ]


def test_outputs(doc, example_stack):
    out = doc["output"]
    assert out["wildside_pg_primary_endpoint"]["value"] == "wildside-pg-rw.databases.svc.cluster.local"
    assert out["wildside_pg_replica_endpoint"]["value"] == "wildside-pg-ro.databases.svc.cluster.local"
    assert out["wildside_pg_sync_policy_contract"]["value"] == example_stack.database.sync_policy_contract


def test_sync_policy_contract_shape_exactly(doc):
    contract = doc["output"]["wildside_pg_sync_policy_contract"]["value"]
    assert set(contract) == {"cluster", "endpoints", "database", "credentials", "backup", "postgis_enabled"}
    assert set(contract["cluster"]) == {"name", "namespace"}
    assert contract["endpoints"] == {
        "primary": {"host": "wildside-pg-rw.databases.svc.cluster.local", "port": 5432},
        "replica": {"host": "wildside-pg-ro.databases.svc.cluster.local", "port": 5432},
    }
    assert contract["database"] == {"name": "app", "owner": "app"}
    assert contract["credentials"] == {
        "superuser_secret": {"name": "wildside-pg-superuser", "namespace": "databases"},
        "app_secret": {"name": "wildside-pg-app", "namespace": "databases"},
    }
    assert contract["backup"] == {"destination_path": "s3://wildside-backups/wildside-pg", "schedule": "0 0 2 * * *"}
    assert contract["postgis_enabled"] is True


def test_contract_backup_is_null_when_off():
    KubernetesProvider, HelmProvider = _providers()
    stack = TerraformStack(Testing.app(), "nobackup")
    KubernetesProvider(stack, "k8s")
    HelmProvider(stack, "helm")
    CnpgPostgisCluster(stack, "Db", mode="apply")
    value = json.loads(Testing.synth(stack))["output"]["db_sync_policy_contract"]["value"]
    assert "backup" in value and value["backup"] is None


def test_no_secret_literal_in_json(doc, synth):
    assert literal_secrets(doc) == []
    assert not any(s in synth for s in SENTINELS)


def test_managed_s3_secret_from_sensitive_variables(managed):
    db, doc = managed
    (secret,) = doc["resource"]["kubernetes_secret_v1"].values()
    assert secret["metadata"]["name"] == "gis-s3-credentials" and secret["metadata"]["namespace"] == "databases"
    assert secret["data"] == {
        "ACCESS_KEY_ID": "${var.gis_s3_access_key_id}",
        "ACCESS_SECRET_KEY": "${var.gis_s3_secret_access_key}",
    }
    for name in ("gis_s3_access_key_id", "gis_s3_secret_access_key"):
        assert doc["variable"][name]["sensitive"] is True and "default" not in doc["variable"][name]
    assert db.s3_access_key_id_variable is not None
    assert literal_secrets(doc) == []
    assert "helm_release" in doc["resource"] and len(doc["resource"]["helm_release"]) == 1  # no plugin chart
    assert "lifecycle" not in json.dumps(doc["resource"]), "prevent_destroy=False"
    objstore = next(
        r["manifest"] for r in doc["resource"]["kubernetes_manifest"].values() if r["manifest"]["kind"] == "ObjectStore"
    )
    assert objstore["spec"]["configuration"]["s3Credentials"]["accessKeyId"] == {
        "name": "gis-s3-credentials",
        "key": "ACCESS_KEY_ID",
    }
    for m in db.manifests:
        validate_manifest(m)


def test_references_are_used_as_given():
    KubernetesProvider, HelmProvider = _providers()
    stack = TerraformStack(Testing.app(), "refs")
    KubernetesProvider(stack, "k8s")
    HelmProvider(stack, "helm")
    key = TerraformVariable(stack, "from_vault_key", type="string", sensitive=True)
    secret = TerraformVariable(stack, "from_vault_secret", type="string", sensitive=True)
    db = CnpgPostgisCluster(
        stack,
        "Db",
        mode="apply",
        backup={
            "enabled": True,
            "destination_path": "s3://b/db",
            "access_key_id": key.string_value,
            "secret_access_key": secret.string_value,
        },
    )
    doc = json.loads(Testing.synth(stack))
    assert db.s3_access_key_id_variable is None
    assert sorted(doc["variable"]) == ["from_vault_key", "from_vault_secret"]
    (s,) = doc["resource"]["kubernetes_secret_v1"].values()
    assert s["data"] == {"ACCESS_KEY_ID": "${var.from_vault_key}", "ACCESS_SECRET_KEY": "${var.from_vault_secret}"}


def test_explicit_providers_are_wired(doc):
    assert doc["provider"]["kubernetes"][0]["config_path"] == "${var.kubeconfig_path}"
    assert all(r["provider"] == "helm" for r in doc["resource"]["helm_release"].values())
    assert all(r["provider"] == "kubernetes" for r in doc["resource"]["kubernetes_manifest"].values())


def test_synth_is_deterministic(tmp_path):
    assert_deterministic(tmp_path, build)


def test_apply_example_valid_terraform(example_stack, tools):
    assert Testing.to_be_valid_terraform(Testing.full_synth(example_stack))


def test_apply_example_direct_tofu_validate(tools, tmp_path):
    """The same check without cdktf's matcher: `tofu init && tofu validate` on the synthesized stack."""
    result = tools.tofu_validate(synth_to(tmp_path, build))
    assert result["valid"] is True, result["diagnostics"]
