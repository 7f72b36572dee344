"""The plain-Python layer of CnpgPostgisCluster: props validation, builders, render plan,
contract. Every manifest goes through the shared schema validation (Kubernetes + vendored CRDs)."""

from __future__ import annotations

import dataclasses
import re
import tarfile

import pytest
import yaml

from dw_constructs import _checks as c
from dw_constructs.cnpg import model
from dw_constructs.cnpg.model import (
    BackupProps,
    ClusterProps,
    ClusterResources,
    EsoProps,
    HelmChartSource,
    Mode,
    OperatorProps,
)
from dw_constructs.validation import validate_manifest, validate_manifests
from tests.cnpg.support import SENTINELS, chart_archive, literal_secrets

BACKUP = BackupProps(enabled=True, destination_path="s3://backups/wildside-pg", endpoint_url="http://minio.minio:9000")
ESO = EsoProps(enabled=True, cluster_secret_store_name="vault-backend")


def props(**kw) -> ClusterProps:
    return ClusterProps(**{"mode": Mode.RENDER, "cluster_name": "wildside-pg", **kw})


VARIANTS = {
    "defaults": props(),
    "backup-managed-secret": props(backup=BACKUP),
    "backup-eso": props(backup=BACKUP, eso=ESO),
    "backup-existing-secret": props(
        backup=dataclasses.replace(BACKUP, existing_credentials_secret="s3-creds", install_plugin=False)
    ),
    "eso-no-backup": props(eso=ESO),
    "no-postgis-no-operator": props(
        postgis_enabled=False,
        install_operator=False,
        storage_class="fast-ssd",
        image_name="registry.example/postgis:16",
        instances=1,
        resources=ClusterResources(cpu_limit="2", memory_limit="4Gi"),
    ),
    "same-namespace": props(operator_namespace="databases"),
    "split-operator-folder": props(operator_render_dir="platform/operators", backup=BACKUP),
}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def variant(request):
    p = VARIANTS[request.param]
    assert model.validate(p) == []
    return p


def test_every_rendered_manifest_passes_schema_validation(variant):
    docs = [yaml.safe_load(text) for text in model.render_tree(variant).values()]
    validate_manifests(docs)  # raises with every problem listed


def test_every_apply_manifest_passes_schema_validation(variant):
    p = dataclasses.replace(variant, mode=Mode.APPLY)
    items = model.plan(p, s3_values=("${var.x_s3_access_key_id}", "${var.x_s3_secret_access_key}"))
    for item in items:
        validate_manifest(item.manifest)
    validate_manifest(model.operator_namespace_manifest(model.operator_of(p).namespace))
    op = model.operator_of(p)
    for args in (model.operator_release_args(op), model.barman_plugin_release_args(op)):
        assert (args["namespace"], args["wait"], args["atomic"]) == (p.operator_namespace or "cnpg-system", True, True)
        assert "values" not in args, "no values by default: the chart's own defaults"


def test_release_args_name_the_pinned_upstream_charts():
    """Chart and version of both releases are those of the pinned upstream archives (their
    Chart.yaml); the repository, for both, is the one the operator chart is published from: the
    GitHub Pages site of its ``sources`` (cloudnative-pg/charts publishes both charts)."""

    def chart_yaml(chart: str) -> dict:
        with tarfile.open(chart_archive(chart)) as tar:
            return yaml.safe_load(tar.extractfile(f"{chart}/Chart.yaml").read())

    owner, repo = re.match(
        r"^https://github\.com/([^/]+)/([^/]+?)/?$", chart_yaml("cloudnative-pg")["sources"][0]
    ).groups()
    op = model.operator_of(VARIANTS["backup-managed-secret"])
    for args, chart in (
        (model.operator_release_args(op), "cloudnative-pg"),
        (model.barman_plugin_release_args(op), "plugin-barman-cloud"),
    ):
        meta = chart_yaml(chart)
        assert (args["chart"], args["version"], args["repository"]) == (
            meta["name"],
            str(meta["version"]),
            f"https://{owner}.github.io/{repo}",
        )


def test_schema_validation_is_real():
    """The validator the tests rely on does reject a broken Cluster (so the checks above can fail)."""
    bad = model.cluster(VARIANTS["backup-eso"])
    bad["spec"]["instances"] = "three"
    bad["spec"]["plugins"][0]["isWalArchiver"] = True
    with pytest.raises(ValueError) as err:
        validate_manifest(bad)
    assert "spec.instances" in str(err.value) and "isWalArchiver" in str(err.value)


def test_no_null_or_empty_values(variant):
    def check(obj, path=""):
        if isinstance(obj, dict):
            assert obj or not path, f"empty mapping at {path}"
            for k, val in obj.items():
                assert val is not None, f"null at {path}.{k}"
                check(val, f"{path}.{k}")
        elif isinstance(obj, list):
            assert obj, f"empty list at {path}"
            for i, val in enumerate(obj):
                check(val, f"{path}[{i}]")

    for item in model.render_plan(variant):
        check(item.manifest)


def test_render_paths_defaults():
    paths = list(model.render_tree(VARIANTS["defaults"]))
    assert paths == [
        "platform/flux/cnpg-sources.yaml",
        "platform/flux/cnpg-operators.yaml",
        "platform/flux/cnpg-databases.yaml",
        "platform/flux/kustomization.yaml",
        "platform/sources/cloudnative-pg-repo.yaml",
        "platform/sources/kustomization.yaml",
        "platform/operators/namespace-cnpg-system.yaml",
        "platform/operators/cnpg-operator-helmrelease.yaml",
        "platform/operators/kustomization.yaml",
        "platform/databases/namespace-databases.yaml",
        "platform/databases/wildside-pg-cluster.yaml",
        "platform/databases/wildside-pg-database.yaml",
        "platform/databases/kustomization.yaml",
    ]


@pytest.mark.parametrize(
    "name,present,absent",
    [
        (
            "backup-managed-secret",
            {
                "wildside-pg-s3-credentials-secret.yaml",
                "wildside-pg-objectstore.yaml",
                "wildside-pg-scheduled-backup.yaml",
                "barman-cloud-plugin-helmrelease.yaml",
            },
            {"wildside-pg-external-secret-backup.yaml", "wildside-pg-external-secret-app.yaml"},
        ),
        (
            "backup-eso",
            {
                "wildside-pg-external-secret-superuser.yaml",
                "wildside-pg-external-secret-app.yaml",
                "wildside-pg-external-secret-backup.yaml",
                "wildside-pg-objectstore.yaml",
                "wildside-pg-scheduled-backup.yaml",
            },
            {"wildside-pg-s3-credentials-secret.yaml"},
        ),
        (
            "backup-existing-secret",
            {"wildside-pg-objectstore.yaml", "wildside-pg-scheduled-backup.yaml"},
            {
                "wildside-pg-s3-credentials-secret.yaml",
                "wildside-pg-external-secret-backup.yaml",
                "barman-cloud-plugin-helmrelease.yaml",
            },
        ),
        (
            "eso-no-backup",
            {"wildside-pg-external-secret-superuser.yaml", "wildside-pg-external-secret-app.yaml"},
            {
                "wildside-pg-objectstore.yaml",
                "wildside-pg-scheduled-backup.yaml",
                "wildside-pg-external-secret-backup.yaml",
                "wildside-pg-s3-credentials-secret.yaml",
            },
        ),
        (
            "no-postgis-no-operator",
            {"namespace-databases.yaml"},
            {"wildside-pg-database.yaml", "cnpg-operator-helmrelease.yaml", "namespace-cnpg-system.yaml"},
        ),
        (
            "same-namespace",
            {"namespace-databases.yaml", "cnpg-operator-helmrelease.yaml"},
            {"namespace-cnpg-system.yaml"},
        ),
    ],
)
def test_render_paths_follow_props(name, present, absent):
    files = {
        p.rsplit("/", 1)[1]
        for p in model.render_tree(VARIANTS[name])
        if p.startswith(("platform/databases/", "platform/operators/"))
    }
    assert present <= files
    assert not absent & files
    if name == "no-postgis-no-operator":
        assert not any(p.startswith("platform/sources/") for p in model.render_tree(VARIANTS[name]))


def test_operator_files_in_their_own_folder():
    tree = model.render_tree(VARIANTS["split-operator-folder"])
    assert [p for p in tree if p.startswith("platform/operators/")] == [
        "platform/operators/namespace-cnpg-system.yaml",
        "platform/operators/cnpg-operator-helmrelease.yaml",
        "platform/operators/barman-cloud-plugin-helmrelease.yaml",
        "platform/operators/kustomization.yaml",
    ]
    assert not any("helmrelease" in p or "cnpg-system" in p for p in tree if p.startswith("platform/databases/"))


def test_paths_use_names_from_props():
    p = props(cluster_name="gis", operator_namespace="cnpg-operator", cluster_namespace="geo")
    paths = set(model.render_tree(p))
    assert {
        "platform/operators/namespace-cnpg-operator.yaml",
        "platform/databases/namespace-geo.yaml",
        "platform/databases/gis-cluster.yaml",
        "platform/databases/gis-database.yaml",
    } <= paths


def test_kustomization_lists_exactly_the_files_of_its_folder(variant):
    tree = model.render_tree(variant)
    folders = {p.rsplit("/", 1)[0] for p in tree}
    for folder in folders:
        kust = yaml.safe_load(tree[f"{folder}/kustomization.yaml"])
        files = [
            p.rsplit("/", 1)[1] for p in tree if p.rsplit("/", 1)[0] == folder and not p.endswith("/kustomization.yaml")
        ]
        assert kust["resources"] == files
        assert len(set(files)) == len(files)


def test_yaml_is_deterministic_and_keeps_builder_order():
    a = model.render_tree(VARIANTS["backup-eso"])
    b = model.render_tree(dataclasses.replace(VARIANTS["backup-eso"]))
    assert a == b
    cluster_yaml = a["platform/databases/wildside-pg-cluster.yaml"]
    assert cluster_yaml.startswith("apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n")
    assert "&id" not in cluster_yaml and "*id" not in cluster_yaml  # no YAML aliases


#: A PostGIS operand image of cloudnative-pg/postgis-containers, pinned by digest:
#: ``<PostgreSQL major>.<minor>-<PostGIS version>-<build>-standard-trixie@sha256:<digest>``.
POSTGIS_IMAGE = re.compile(
    r"^ghcr\.io/cloudnative-pg/postgis:(?P<major>\d+)\.\d+-(?P<postgis>3\.\d+\.\d+)-\d{12}"
    r"-standard-trixie@sha256:[0-9a-f]{64}$"
)


@pytest.mark.parametrize("major", [14, 15, 16, 17, 18])
def test_postgis_image_is_the_major_asked_for(major):
    image = model.cluster(props(postgres_major=major))["spec"]["imageName"]
    m = POSTGIS_IMAGE.match(image)
    assert m and int(m["major"]) == major, image


def test_cluster_postgis_image_initdb_and_plugin():
    spec = model.cluster(VARIANTS["backup-eso"])["spec"]
    m = POSTGIS_IMAGE.match(spec["imageName"])
    assert m and m["major"] == "16", "the default is PostgreSQL 16 (docs/cnpg.md)"
    assert spec["instances"] == 3 and spec["storage"] == {"size": "10Gi"}
    assert spec["bootstrap"] == {"initdb": {"database": "app", "owner": "app", "secret": {"name": "wildside-pg-app"}}}
    assert spec["plugins"] == [
        {
            "name": "barman-cloud.cloudnative-pg.io",
            "enabled": True,
            "isWALArchiver": True,
            "parameters": {"barmanObjectName": "wildside-pg-object-store"},
        }
    ]
    assert "backup" not in spec, "the in-tree barmanObjectStore is deprecated (removed in CNPG 1.31)"
    assert "enablePDB" not in spec, "CNPG manages its own PodDisruptionBudgets"


def test_no_pdb_anywhere(variant):
    assert all(item.manifest["kind"] != "PodDisruptionBudget" for item in model.render_plan(variant))


def test_database_cr_manages_postgis_extensions_in_dependency_order():
    db = model.database(VARIANTS["defaults"])
    assert db["metadata"] == {**db["metadata"], "name": "wildside-pg-app", "namespace": "databases"}
    spec = db["spec"]
    assert (spec["name"], spec["owner"], spec["cluster"]) == ("app", "app", {"name": "wildside-pg"})
    assert [e["name"] for e in spec["extensions"]] == [
        "postgis",
        "postgis_topology",
        "fuzzystrmatch",
        "postgis_tiger_geocoder",
    ]
    versions_by_ext = {e["name"]: e.get("version") for e in spec["extensions"]}
    # the PostGIS the image ships (its tag), not a constant of ours; fuzzystrmatch is PostgreSQL's own
    shipped = POSTGIS_IMAGE.match(model.cluster(VARIANTS["defaults"])["spec"]["imageName"])["postgis"]
    assert versions_by_ext == {
        "postgis": shipped,
        "postgis_topology": shipped,
        "fuzzystrmatch": None,
        "postgis_tiger_geocoder": shipped,
    }
    custom = model.database(props(image_name="registry.example/postgis:16"))
    assert all("version" not in e for e in custom["spec"]["extensions"]), "unknown image: versions not pinned"


def test_eso_secret_names_line_up_with_cluster_and_contract():
    p = VARIANTS["backup-eso"]
    spec = model.cluster(p)["spec"]
    contract = model.sync_policy_contract(p)
    su, app, s3 = model.external_secret_superuser(p), model.external_secret_app(p), model.external_secret_backup(p)
    assert spec["enableSuperuserAccess"] is True
    assert (
        spec["superuserSecret"]["name"]
        == su["spec"]["target"]["name"]
        == contract["credentials"]["superuser_secret"]["name"]
        == "wildside-pg-superuser"
    )
    assert (
        spec["bootstrap"]["initdb"]["secret"]["name"]
        == app["spec"]["target"]["name"]
        == contract["credentials"]["app_secret"]["name"]
        == "wildside-pg-app"
    )
    for es in (su, app):
        tmpl = es["spec"]["target"]["template"]
        assert tmpl["type"] == "kubernetes.io/basic-auth"
        assert es["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault-backend"}
    assert su["spec"]["target"]["template"]["data"]["username"] == "postgres"
    assert app["spec"]["target"]["template"]["data"]["username"] == "app"
    creds = model.object_store(p)["spec"]["configuration"]["s3Credentials"]
    assert creds["accessKeyId"]["name"] == creds["secretAccessKey"]["name"] == s3["spec"]["target"]["name"]
    assert {d["secretKey"] for d in s3["spec"]["data"]} == {
        creds["accessKeyId"]["key"],
        creds["secretAccessKey"]["key"],
    }


def test_without_eso_cnpg_generates_the_app_secret():
    spec = model.cluster(VARIANTS["defaults"])["spec"]
    assert spec["enableSuperuserAccess"] is False
    assert "superuserSecret" not in spec and "secret" not in spec["bootstrap"]["initdb"]


def test_scheduled_backup_uses_the_plugin():
    sb = model.scheduled_backup(VARIANTS["backup-managed-secret"])["spec"]
    assert sb == {
        "schedule": "0 0 2 * * *",
        "immediate": True,
        "backupOwnerReference": "self",
        "cluster": {"name": "wildside-pg"},
        "method": "plugin",
        "pluginConfiguration": {"name": "barman-cloud.cloudnative-pg.io"},
    }


def test_render_mode_secret_holds_flux_variables_only():
    tree = model.render_tree(VARIANTS["backup-managed-secret"])
    secret = yaml.safe_load(tree["platform/databases/wildside-pg-s3-credentials-secret.yaml"])
    assert secret["stringData"] == {
        "ACCESS_KEY_ID": "${CNPG_S3_ACCESS_KEY_ID}",
        "ACCESS_SECRET_KEY": "${CNPG_S3_SECRET_ACCESS_KEY}",
    }
    for name, text in tree.items():
        assert literal_secrets(yaml.safe_load(text)) == [], name
        assert not any(s in text for s in SENTINELS)


def test_sync_policy_contract_shape():
    contract = model.sync_policy_contract(VARIANTS["backup-eso"])
    assert contract == {
        "cluster": {"name": "wildside-pg", "namespace": "databases"},
        "endpoints": {
            "primary": {"host": "wildside-pg-rw.databases.svc.cluster.local", "port": 5432},
            "replica": {"host": "wildside-pg-ro.databases.svc.cluster.local", "port": 5432},
        },
        "database": {"name": "app", "owner": "app"},
        "credentials": {
            "superuser_secret": {"name": "wildside-pg-superuser", "namespace": "databases"},
            "app_secret": {"name": "wildside-pg-app", "namespace": "databases"},
        },
        "backup": {"destination_path": "s3://backups/wildside-pg", "schedule": "0 0 2 * * *"},
        "postgis_enabled": True,
    }
    assert model.sync_policy_contract(VARIANTS["defaults"])["backup"] is None


def test_write_rendered(tmp_path):
    tree = model.render_tree(VARIANTS["backup-eso"])
    written = model.write_rendered(tree, tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(tree)
    for rel, text in tree.items():
        assert (tmp_path / rel).read_text() == text
    for bad in ("/etc/passwd", "../escape.yaml", "platform/../../escape.yaml"):
        with pytest.raises(ValueError):
            model.write_rendered({bad: "x"}, tmp_path)


def test_derive_cluster_name():
    assert model.derive_cluster_name("WildsidePg") == "wildside-pg"
    assert model.derive_cluster_name("my_db2") == "my-db2"


# -- validation: table-driven, every message names the prop ----------------------------------------

INVALID = [
    ({"instances": 0}, "instances", "an integer 1..16"),
    ({"instances": True}, "instances", "an integer 1..16"),
    ({"storage_size": "10GB"}, "storage_size", "a Kubernetes quantity"),
    ({"storage_size": "0"}, "storage_size", "greater than zero"),
    ({"mode": "plan"}, "mode", "'apply', 'render'"),
    ({"cluster_name": "1db"}, "cluster_name", "DNS-1035 label"),
    ({"cluster_name": "a" * 51}, "cluster_name", "1..50 chars"),
    ({"cluster_namespace": "Data_Bases"}, "cluster_namespace", "DNS-1123 label"),
    ({"postgres_major": 12}, "postgres_major", "one of 14, 15, 16, 17, 18"),
    ({"database_name": "postgres"}, "database_name", "a name other than 'postgres'"),
    ({"database_owner": "App-User"}, "database_owner", "a PostgreSQL identifier"),
    ({"resources": ClusterResources(memory_limit="1GB")}, "resources.memory_limit", "a Kubernetes quantity"),
    ({"operator_chart_version": "latest"}, "operator_chart_version", "a chart version"),
    ({"backup": BackupProps(enabled=True)}, "backup.destination_path", "required when backup.enabled"),
    ({"backup": BackupProps(enabled=True, destination_path="https://bucket/x")}, "backup.destination_path", "'s3://'"),
    ({"backup": dataclasses.replace(BACKUP, schedule="0 2 * * *")}, "backup.schedule", "6-field cron"),
    ({"backup": dataclasses.replace(BACKUP, schedule="0 0 25 * * *")}, "backup.schedule", "bad hour field"),
    ({"backup": dataclasses.replace(BACKUP, retention_policy="30 days")}, "backup.retention_policy", "'<n>d'"),
    ({"backup": dataclasses.replace(BACKUP, compression="zip")}, "backup.compression", "'gzip'"),
    ({"backup": dataclasses.replace(BACKUP, endpoint_url="minio:9000")}, "backup.endpoint_url", "'https://'"),
    ({"eso": EsoProps(enabled=True)}, "eso.cluster_secret_store_name", "required when eso.enabled"),
    ({"eso": dataclasses.replace(ESO, refresh_interval="hourly")}, "eso.refresh_interval", "a duration"),
    ({"eso": ESO, "enable_superuser_access": False}, "enable_superuser_access", "True or None when eso.enabled"),
    ({"cluster_name": "namespace", "cluster_namespace": "cluster"}, "cluster_name", "render path does not collide"),
    ({"operator_render_dir": "../operators"}, "operator_render_dir", "a relative folder"),
    ({"operator_render_dir": "/platform"}, "operator_render_dir", "a relative folder"),
]


@pytest.mark.parametrize("kw,prop,allowed", INVALID, ids=[f"{p}-{i}" for i, (_, p, _a) in enumerate(INVALID)])
def test_validate_names_the_prop(kw, prop, allowed):
    problems = model.validate(props(**kw))
    assert [p.prop for p in problems] == [prop], problems
    assert allowed in problems[0].allowed, problems[0].allowed


def test_collision_names_the_path():
    (problem,) = model.validate(props(cluster_name="namespace", cluster_namespace="cluster"))
    assert "'platform/databases/namespace-cluster.yaml'" in problem.allowed
    assert "Namespace 'cluster'" in problem.allowed and "Cluster 'namespace'" in problem.allowed
    # apply mode writes no files: the same names are fine there
    assert model.validate(props(mode=Mode.APPLY, cluster_name="namespace", cluster_namespace="cluster")) == []


def test_all_problems_at_once():
    problems = model.validate(
        props(
            instances=0, storage_size="10GB", backup=BackupProps(enabled=True, schedule="x"), eso=EsoProps(enabled=True)
        )
    )
    assert [p.prop for p in problems] == [
        "instances",
        "storage_size",
        "eso.cluster_secret_store_name",
        "backup.destination_path",
        "backup.schedule",
    ]


def test_literal_s3_credentials_are_rejected_without_echo():
    problems = model.validate(props(mode=Mode.APPLY, backup=dataclasses.replace(BACKUP, secret_access_key="hunter2")))
    assert [p.prop for p in problems] == ["backup.secret_access_key"]
    assert "hunter2" not in problems[0].line()


def test_references_are_refused_in_render_mode_and_with_eso():
    ref = "${TfToken[TOKEN.1]}"
    render = model.validate(props(backup=dataclasses.replace(BACKUP, access_key_id=ref)))
    assert [p.prop for p in render] == ["backup.access_key_id"] and "render mode" in render[0].allowed
    eso = model.validate(props(mode=Mode.APPLY, eso=ESO, backup=dataclasses.replace(BACKUP, access_key_id=ref)))
    assert [p.prop for p in eso] == ["backup.access_key_id"] and "ESO" in eso[0].allowed


def test_coerce_accepts_dicts_and_names_unknown_keys():
    value, problems = model.coerce(BackupProps, {"enabled": True, "destination_path": "s3://b"}, "backup")
    assert value == BackupProps(enabled=True, destination_path="s3://b") and problems == []
    _, problems = model.coerce(BackupProps, {"destination": "s3://b"}, "backup")
    assert problems[0].prop == "backup" and problems[0].value == ["destination"]


# -- the generic checks added for this construct ------------------------------------------------------

#: Quantities, valid and not, including the parser's corners (signs, bare suffixes, exponents,
#: case, whitespace, huge and tiny values).
QUANTITIES = [
    "10Gi",
    "500m",
    "1.5",
    "1e3",
    "2T",
    "1",
    "0",
    "0Gi",
    "0.0",
    "-0",
    "-1Gi",
    "+1Gi",
    "+0.5",
    "10GB",
    "10gi",
    "Gi",
    "Ki",
    "",
    "+",
    "-",
    ".",
    "1.",
    ".5Gi",
    "5.Gi",
    "1.5Gi",
    "1e3Mi",
    "1E3",
    "1e-3",
    "1e+3",
    "1e",
    "1ee3",
    "1e3e3",
    "1e1.5",
    "1e.5",
    "1E-2",
    "100n",
    "100u",
    "1k",
    "1K",
    "1Ki",
    "1M",
    "1Mi",
    "1m",
    "1mi",
    "1i",
    "1P",
    "1Pi",
    "1E",
    "1Ei",
    "1Zi",
    "1Y",
    "1b",
    "1B",
    "0x10",
    "1_000",
    "1,5",
    "1.2.3",
    "10 Gi",
    "inf",
    "NaN",
    "007",
    "9223372036854775807",
    "99999999999999999999",
    "1e100",
    "1000000Ei",
    "0.000000001",
    "0.0000000001",
    "1.0000000001",
    " 1Gi",
    "1Gi ",
]
#: Deliberately stricter than the API server, which trims the JSON string: padding is a typo here.
QUANTITIES_REJECTED_ON_PURPOSE = {" 1Gi", "1Gi "}


def _accepted(kube_api, obj: dict) -> bool:
    from tests.support.apiserver import KubeApiError

    try:
        kube_api.dry_run(obj)
        return True
    except KubeApiError as exc:
        assert exc.status in (400, 422), exc  # a decode or validation refusal, nothing else
        return False


def test_k8s_quantity_agrees_with_the_api_server(kube_api):
    """``storage_size`` becomes the size of the instances' PVCs; ``resources.*`` the pods' requests
    and limits: each quantity is offered to the real API server in both places (server-side dry
    run), and our check accepts exactly what a PVC takes (a pod takes at least that)."""
    disagree, pod_refuses = [], []
    for q in QUANTITIES:
        ours = c.k8s_quantity("q", q) == []
        pvc = _accepted(
            kube_api,
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "q"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": q}}},
            },
        )
        pod = _accepted(
            kube_api,
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "q"},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "x",
                            "resources": {"requests": {"cpu": q, "memory": q}, "limits": {"memory": q}},
                        }
                    ]
                },
            },
        )
        if ours != pvc and not (q in QUANTITIES_REJECTED_ON_PURPOSE and pvc and not ours):
            disagree.append((q, ours, pvc))
        if ours and not pod:
            pod_refuses.append(q)
    assert disagree == [] and pod_refuses == []
    assert c.k8s_quantity("q", 10) != [], "a number is not a quantity string"


#: Cron expressions, valid and not: every field's range and names, lists, ranges, steps, '?', the
#: Quartz extensions robfig/cron lacks, descriptors, wrong field counts, time zones, and every
#: day-of-month from 28 to 31 in every month (schedules that never fire).
CRON_EXPRESSIONS = [
    "0 0 2 * * *",
    "*/30 * * * * *",
    "0 15 3 ? JAN-MAR MON,FRI",
    "0 0 0 1 1 *",
    "59 59 23 31 12 6",
    "0 0 0 * * 0",
    "0 0 0 * * 7",
    "0 0 0 * * SUN",
    "0 0 0 * * sun",
    "0 0 0 * * MON-FRI",
    "0 0 0 * * FRI-MON",
    "0 0 0 * JAN *",
    "0 0 0 * jan-dec *",
    "0 0 0 * 0 *",
    "0 0 0 * 13 *",
    "0 0 0 0 * *",
    "0 0 0 32 * *",
    "60 0 0 * * *",
    "0 60 0 * * *",
    "0 0 24 * * *",
    "0 0 5-1 * * *",
    "0 0 1-5 * * *",
    "0 0 1-5/2 * * *",
    "0 0 */0 * * *",
    "0 0 */24 * * *",
    "0 0 */25 * * *",
    "0 0 0 * * */0",
    "0 0 0 ? * *",
    "0 0 0 ? * ?",
    "0 0 0 L * *",
    "0 0 0 * * 5L",
    "0 0 0 15W * *",
    "0 0 0 * * 1#2",
    "* * * * * *",
    "0,30 * * * * *",
    "0-59/15 * * * * *",
    "1/15 * * * * *",
    "  0 0 2 * * *  ",
    "0\t0\t2\t*\t*\t*",
    "0 0 2 * * -1",
    "-1 0 2 * * *",
    "0 0 2 * * 1-",
    "0 0 2 * * ,",
    "0 0 2 */2 */2 */2",
    "00 00 02 * * *",
    "0 0 2 * FEB-JAN *",
    "0 0 2 * * 0-7",
    "0 0 2 * * 6-7",
    "0 0 2 1-31 * *",
    "0 0 2 * 1-12 *",
    "0 0 2 * * MON/2",
    "0 0 2 * * */2",
    "0 0 2 1/2 * *",
    "0 0 2 * * 3-3",
    "0 0 2 * * 1,2-4,SAT",
    "0 0 0 31 4,5 *",
    "0 0 0 30-31 2 *",
    "0 0 0 29 2 *",
    "0 0 0 31 */2 *",
    "0 0 0 31 2 MON",
    "0 0 0 31 2 ?",
    "0 0 0 */15 2 *",
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
    "@reboot",
    "@DAILY",
    "@every",
    "@ daily",
    "",
    "0 0 2 * *",
    "0 2 * * *",
    "0 0 0 0 * * *",
    "0 0 2 * * * 2026",
    *(f"0 0 0 {d} {m} *" for d in range(28, 32) for m in range(1, 13)),
]
#: CloudNativePG parses these too, but they are refused on purpose: five fields (robfig/cron v1
#: reads ``0 2 * * *`` seconds first, i.e. at minute 2 of every hour; the webhook only warns),
#: ``@every <duration>`` (not offered), '?' outside the day fields, empty list items and signs
#: (typos more likely than intent), time zone prefixes (CloudNativePG's parser has none).
CRON_REJECTED_ON_PURPOSE = {
    "0 0 2 * *",
    "0 2 * * *",
    "@every 1h",
    "@every 5m30s",
    "0 0 ? * * *",
    "? 0 0 * * *",
    "0,,30 * * * * *",
    "+1 0 2 * * *",
}


@pytest.fixture(scope="module")
def cron_verdicts():
    from tests.cnpg.support import cron_verdicts as verdicts

    return verdicts(CRON_EXPRESSIONS + sorted(CRON_REJECTED_ON_PURPOSE))


def test_cron_with_seconds_agrees_with_cloudnative_pg(cron_verdicts):
    """Our check accepts a schedule exactly when CloudNativePG runs it as written: its parser takes
    it, with six fields (or a descriptor, whose field count the webhook's warning misjudges), and
    it fires (a day-of-month that never occurs in the months given, ``0 0 0 30 2 *``, is refused
    by CloudNativePG's controller). The Go oracle is the real robfig/cron CloudNativePG uses."""
    disagree = []
    for expr, v in cron_verdicts.items():
        runs = v["cnpg"] and v["fires"] and (v["fields"] == 6 or expr.startswith("@"))
        ours = c.cron_with_seconds("backup.schedule", expr) == []
        if expr in CRON_REJECTED_ON_PURPOSE:
            assert v["cnpg"] and not ours, (expr, v)  # still parsed by CloudNativePG: an exception worth keeping
        elif ours != runs:
            disagree.append((expr, ours, v))
    assert disagree == []
    assert c.cron_with_seconds("s", None) != [] and c.cron_with_seconds("s", 6) != []


def test_never_firing_schedule_names_the_fields():
    (problem,) = c.cron_with_seconds("backup.schedule", "0 0 0 30 2 *")
    assert problem.prop == "backup.schedule" and "never fires: day-of-month '30' does not occur in month '2'" in (
        problem.allowed
    )


def test_secret_literal_detector_is_real():
    assert literal_secrets({"stringData": {"ACCESS_KEY_ID": "AKIAEXAMPLEKEY"}}) == [
        "stringData.ACCESS_KEY_ID='AKIAEXAMPLEKEY'"
    ]
    assert literal_secrets({"data": {"password": "hunter2"}}) != []
    assert (
        literal_secrets(
            {
                "data": {"password": "${var.db_password}", "ACCESS_KEY_ID": "${CNPG_S3_ACCESS_KEY_ID}"},
                "template": {"password": "{{ .password }}"},
                "remoteRef": {"property": "password"},
            }
        )
        == []
    )


# -- the shared operator: settings, chart sources, values ------------------------------------------------

NO_NODES = {"webhook": {"mutating": {"create": False}, "validating": {"create": False}}}


def test_operator_of_applies_the_shorthands():
    assert model.operator_of(props()) == OperatorProps()
    p = props(operator_namespace="cnpg-operator", operator_chart_version="0.28.1", operator=OperatorProps(wait=False))
    assert model.operator_of(p) == OperatorProps(namespace="cnpg-operator", chart_version="0.28.1", wait=False)
    assert model.validate(p) == []
    clash = props(operator_namespace="a", operator=OperatorProps(namespace="b"))
    assert [(q.prop, q.value) for q in model.validate(clash)] == [("operator_namespace", "a")]


def test_real_chart_archives_and_directories_are_read(tmp_path):
    meta, err = model.read_chart_metadata(chart_archive("cloudnative-pg"))
    assert err is None and (meta["name"], meta["version"], meta["appVersion"]) == ("cloudnative-pg", "0.29.0", "1.30.0")
    meta, err = model.read_chart_metadata(chart_archive("plugin-barman-cloud"))
    assert err is None and (meta["name"], meta["version"]) == ("plugin-barman-cloud", "0.7.0")
    # the archive holds the sub-chart 'cluster' too: its Chart.yaml must not be taken for the chart's
    with tarfile.open(chart_archive("cloudnative-pg")) as tar:
        assert "cloudnative-pg/charts/cluster/Chart.yaml" in tar.getnames()
        tar.extractall(tmp_path, filter="data")
    meta, err = model.read_chart_metadata(tmp_path / "cloudnative-pg")
    assert err is None and meta["version"] == "0.29.0"


@pytest.mark.parametrize(
    "name,content,allowed",
    [
        ("missing.tgz", None, "an existing chart archive (.tgz) or chart directory"),
        ("chart.zip", b"PK", "a chart archive ('.tgz')"),
        ("broken.tgz", b"not gzip at all", "a readable chart archive"),
        ("empty", "dir", "a chart directory with a Chart.yaml"),
    ],
)
def test_unreadable_local_charts(tmp_path, name, content, allowed):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    meta, err = model.read_chart_metadata(path)
    assert meta is None and allowed in err


OPERATOR_INVALID = [
    (OperatorProps(namespace="CNPG"), "namespace", "DNS-1123 label"),
    (OperatorProps(chart_version="latest"), "chart_version", "a chart version"),
    (OperatorProps(plugin_chart_version="~0.7"), "plugin_chart_version", "a chart version"),
    (OperatorProps(wait="yes"), "wait", "True or False"),
    (OperatorProps(install_plugin="auto"), "install_plugin", "True or False"),
    (
        OperatorProps(chart_source=HelmChartSource(repository="cloudnative-pg.github.io/charts")),
        "chart_source.repository",
        "'https://' or 'http://' or 'oci://'",
    ),
    (OperatorProps(chart_source="https://mirror/charts"), "chart_source", "a HelmChartSource"),
    (
        OperatorProps(plugin_chart_source=HelmChartSource(repository="https://m", path="p.tgz")),
        "plugin_chart_source",
        "not both",
    ),
    (OperatorProps(values=["webhook"]), "values", "a mapping of chart values"),
    (OperatorProps(values={"webhook": {1: True}}), "values.webhook", "string keys"),
    (OperatorProps(plugin_values={"resources": {"limits": object()}}), "plugin_values.resources.limits", "YAML values"),
]


@pytest.mark.parametrize(
    "op,prop,allowed", OPERATOR_INVALID, ids=[f"{p}-{i}" for i, (_, p, _a) in enumerate(OPERATOR_INVALID)]
)
def test_validate_operator_names_the_prop(op, prop, allowed):
    problems = model.validate_operator(op, Mode.APPLY, prefix="operator.")
    assert [p.prop for p in problems] == [f"operator.{prop}"], problems
    assert allowed in problems[0].allowed


def test_local_chart_checks_name_and_version():
    archive = chart_archive("cloudnative-pg")
    assert model.validate_operator(OperatorProps(chart_source=HelmChartSource(path=archive)), Mode.APPLY) == []
    (wrong_version,) = model.validate_operator(
        OperatorProps(chart_version="0.30.0", chart_source=HelmChartSource(path=archive)), Mode.APPLY
    )
    assert wrong_version.prop == "chart_source.path" and "its Chart.yaml says version '0.29.0'" in wrong_version.allowed
    (wrong_chart,) = model.validate_operator(
        OperatorProps(plugin_chart_source=HelmChartSource(path=archive)), Mode.APPLY
    )
    assert wrong_chart.prop == "plugin_chart_source.path"
    assert wrong_chart.allowed == "a 'plugin-barman-cloud' chart (its Chart.yaml says name 'cloudnative-pg')"


def test_render_mode_needs_repositories_and_plain_values():
    ref = "${TfToken[TOKEN.7]}"
    problems = model.validate_operator(
        OperatorProps(
            chart_source=HelmChartSource(path=chart_archive("cloudnative-pg")), values={"image": {"repository": ref}}
        ),
        Mode.RENDER,
    )
    assert [p.prop for p in problems] == ["chart_source.path", "values.image.repository"]
    assert model.validate_operator(OperatorProps(values={"image": {"repository": ref}}), Mode.APPLY) == []
    (repo,) = model.validate_operator(OperatorProps(chart_source=HelmChartSource(repository=ref)), Mode.RENDER)
    assert repo.prop == "chart_source.repository"


def test_release_args_for_local_oci_and_values():
    local = OperatorProps(
        chart_source=HelmChartSource(path="/abs/cloudnative-pg-0.29.0.tgz"),
        plugin_chart_source=HelmChartSource(repository="oci://registry.internal/charts"),
        values={"b": 1, "a": {"d": [], "c": False}},
        wait=False,
    )
    args = model.operator_release_args(local, chart_path="assets/x/HASH/cloudnative-pg-0.29.0.tgz")
    assert "repository" not in args and args["chart"] == "assets/x/HASH/cloudnative-pg-0.29.0.tgz"
    assert (args["version"], args["wait"], args["atomic"]) == ("0.29.0", False, False)
    assert args["values"] == ["a:\n  c: false\n  d: []\nb: 1\n"], "sorted keys, empty list and false kept"
    plugin = model.barman_plugin_release_args(local)
    assert (plugin["repository"], plugin["chart"], plugin["version"]) == (
        "oci://registry.internal/charts",
        "plugin-barman-cloud",
        "0.7.0",
    )
    with pytest.raises(ValueError):
        model.barman_plugin_release_args(OperatorProps(chart_source=HelmChartSource(path="/abs/c.tgz")))


def _tree_docs(clusters) -> dict[str, dict]:
    return {path: yaml.safe_load(text) for path, text in model.render_tree_of(clusters).items()}


def test_render_mirror_repositories_values_and_wait():
    op = OperatorProps(
        chart_source=HelmChartSource(repository="oci://registry.internal/cnpg"),
        plugin_chart_source=HelmChartSource(repository="https://charts.internal/cnpg"),
        values=NO_NODES,
        plugin_values={"replicaCount": 1},
        wait=False,
    )
    docs = _tree_docs([props(backup=BACKUP, operator=op)])
    validate_manifests(d for d in docs.values() if d["kind"] != "Kustomization")
    repos = {d["metadata"]["name"]: d["spec"] for d in docs.values() if d["kind"] == "HelmRepository"}
    assert repos == {
        "cloudnative-pg": {"interval": "1h", "type": "oci", "url": "oci://registry.internal/cnpg"},
        "plugin-barman-cloud": {"interval": "1h", "url": "https://charts.internal/cnpg"},
    }
    operator = docs["platform/operators/cnpg-operator-helmrelease.yaml"]["spec"]
    plugin = docs["platform/operators/barman-cloud-plugin-helmrelease.yaml"]["spec"]
    assert operator["values"] == NO_NODES and plugin["values"] == {"replicaCount": 1}
    assert plugin["chart"]["spec"]["sourceRef"]["name"] == "plugin-barman-cloud"
    assert operator["install"]["disableWait"] is True and operator["upgrade"]["disableWait"] is True
    assert docs["platform/sources/kustomization.yaml"]["resources"] == [
        "cloudnative-pg-repo.yaml",
        "plugin-barman-cloud-repo.yaml",
    ]


def test_render_plugin_without_our_operator_keeps_its_repository():
    """install_operator=False with backups: the plugin HelmRelease needs a HelmRepository in the tree
    (an earlier version left it out) and does not wait for an operator release of ours."""
    docs = _tree_docs([props(install_operator=False, backup=BACKUP)])
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs.values() if d["kind"] != "Kustomization")
    assert ("HelmRepository", "cloudnative-pg") in kinds and ("HelmRelease", "barman-cloud") in kinds
    assert ("HelmRelease", "cnpg") not in kinds and ("Namespace", "cnpg-system") not in kinds
    assert "dependsOn" not in docs["platform/operators/barman-cloud-plugin-helmrelease.yaml"]["spec"]


def test_render_tree_of_two_clusters():
    a, b = props(backup=BACKUP), props(cluster_name="tiles", cluster_namespace="tiles", eso=ESO)
    tree = model.render_tree_of([a, b])
    assert [p for p in tree if "helmrelease" in p or p.endswith("-repo.yaml")] == [
        "platform/sources/cloudnative-pg-repo.yaml",
        "platform/operators/cnpg-operator-helmrelease.yaml",
        "platform/operators/barman-cloud-plugin-helmrelease.yaml",
    ]
    assert "platform/databases/tiles-external-secret-app.yaml" in tree
    assert "platform/databases/wildside-pg-objectstore.yaml" in tree
    # a tree with one cluster is exactly that cluster's tree
    assert model.render_tree_of([a]) == model.render_tree(a)


def test_tree_problems():
    geo = ("s/Geo", props(backup=BACKUP))
    tiles = props(cluster_name="tiles", cluster_namespace="tiles", operator=OperatorProps(wait=False))
    (conflict,) = model.tree_problems(tiles, [geo], "s/Tiles")
    assert (conflict.prop, conflict.value) == ("operator.wait", False) and "True as 's/Geo' asks" in conflict.allowed
    (ns,) = model.tree_problems(props(cluster_name="other"), [geo], "s/Other")
    assert ns.prop == "create_namespace" and "'s/Geo'" in ns.allowed
    assert model.tree_problems(props(cluster_name="other", create_namespace=False), [geo], "s/Other") == []
    refuses = props(
        cluster_name="other", cluster_namespace="o", backup=dataclasses.replace(BACKUP, install_plugin=False)
    )
    (plugin,) = model.tree_problems(refuses, [geo], "s/Other")
    assert plugin.prop == "backup.install_plugin" and "'s/Geo'" in plugin.allowed
    # a platform-operator cluster without backups does not touch the operator: no conflict
    assert (
        model.tree_problems(
            props(cluster_name="p", cluster_namespace="p", install_operator=False, operator=OperatorProps(wait=False)),
            [geo],
            "s/P",
        )
        == []
    )


def test_operator_namespace_shared_with_the_cluster():
    p = props(cluster_namespace="cnpg-system")
    assert not model.creates_namespace(p) and model.creates_namespace(dataclasses.replace(p, install_operator=False))
    tree = model.render_tree(p)
    assert sum(1 for t in tree.values() if "kind: Namespace" in t) == 1


def test_values_with_references_need_an_encoder():
    """A reference among the operator values is written as ``encode(reference)`` (apply mode:
    ``Fn.jsonencode``; tests/cnpg/test_tokens.py evaluates it with real tofu and helm), never as it is."""
    token = "${TfToken[TOKEN.7]}"
    with pytest.raises(ValueError, match="pass encode"):
        model.values_yaml({"image": {"tag": token}})
    text = model.values_yaml({"image": {"tag": token}, "n": 1}, encode=lambda ref: f"ENC({ref})")
    assert text == "image:\n  tag: ENC(${TfToken[TOKEN.7]})\nn: 1\n"
