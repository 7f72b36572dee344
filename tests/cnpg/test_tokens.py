"""Terraform references (cdktf tokens) for CnpgPostgisCluster and CnpgOperator props.

Apply mode: table-driven over every prop that takes a scalar, a reference of the prop's kind is
accepted (and the stack with all of them validates with real OpenTofu), or rejected with "a value
known at synth time" where the construct needs the value itself; a bad literal fails with the same
message as before. Render mode writes the GitOps tree at synth time: every reference is refused."""

from __future__ import annotations

import json

import pytest
import yaml
from cdktf import TerraformStack, TerraformVariable, Testing
from cdktf_cdktf_provider_helm.provider import HelmProvider
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

from dw_constructs import PropsError
from dw_constructs.cnpg import BackupProps, ClusterResources, CnpgPostgisCluster, EsoProps, Mode
from tests.cnpg.support import chart_archive
from tests.support.synth import synth_to

KNOWN = "got '<reference>'; allowed: a value known at synth time, not a Terraform reference"
_TYPES = {"str": "string", "num": "number", "bool": "bool"}


def ref(stack: TerraformStack, kind: str, name: str | None = None):
    var = TerraformVariable(stack, name or f"v{len(stack.node.children)}", type=_TYPES[kind])
    return {"str": var.string_value, "num": var.number_value, "bool": var.boolean_value}[kind]


def _stack() -> TerraformStack:
    stack = TerraformStack(Testing.app(), "s")
    KubernetesProvider(stack, "Kubernetes")
    HelmProvider(stack, "Helm")
    return stack


_BACKUP = {"enabled": True, "destination_path": "s3://backups/pg"}
_ESO = {"enabled": True, "cluster_secret_store_name": "vault"}


def _kwargs(prop: str, value) -> dict:
    """CnpgPostgisCluster keywords with ``prop`` (dotted for a nested prop) set to ``value``."""
    head, _, rest = prop.partition(".")
    if head == "backup":
        return {"backup": BackupProps(**{**_BACKUP, rest: value})}
    if head == "eso":
        return {"eso": EsoProps(**{**_ESO, rest: value})}
    if head == "resources":
        return {"resources": ClusterResources(**{rest: value})}
    if head == "operator":
        if rest == "chart_source.repository":
            return {"operator": {"chart_source": {"repository": value}}}
        return {"operator": {rest: value}}
    return {prop: value}


def _cluster(stack, mode: Mode, prop: str, value):
    kwargs = {"mode": mode, "cluster_name": "pg", **_kwargs(prop, value)}
    return CnpgPostgisCluster(stack, "Pg", **kwargs)


# (prop, reference kind, accepted in apply mode?, bad literal, message for it: the same as before)
PROPS = [
    ("mode", "str", False, "sideways", "mode: got 'sideways'; allowed: one of 'apply', 'render'"),
    ("cluster_name", "str", True, "1pg", "cluster_name: got '1pg'; allowed: a DNS-1035 label"),
    ("operator_namespace", "str", False, "Bad_NS", "operator_namespace: got 'Bad_NS'; allowed: a DNS-1123 label"),
    ("cluster_namespace", "str", True, "Bad_NS", "cluster_namespace: got 'Bad_NS'; allowed: a DNS-1123 label"),
    ("create_namespace", "bool", False, "yes", "create_namespace: got 'yes'; allowed: True or False"),
    ("instances", "num", True, 0, "instances: got 0; allowed: an integer 1..16"),
    ("storage_size", "str", True, "10GB", "storage_size: got '10GB'; allowed: a Kubernetes quantity"),
    ("storage_class", "str", True, "Bad_Class", "storage_class: got 'Bad_Class'; allowed: a DNS-1123 subdomain"),
    ("postgres_major", "num", False, 12, "postgres_major: got 12; allowed: one of 14, 15, 16, 17, 18"),
    ("image_name", "str", True, "a b", "image_name: got 'a b'; allowed: a non-empty string without whitespace"),
    ("postgis_enabled", "bool", False, "yes", "postgis_enabled: got 'yes'; allowed: True or False"),
    (
        "database_name",
        "str",
        False,
        "postgres",
        "database_name: got 'postgres'; allowed: a name other than 'postgres', 'template0', 'template1'",
    ),
    (
        "database_owner",
        "str",
        True,
        "postgres",
        "database_owner: got 'postgres'; allowed: a name other than 'postgres'",
    ),
    ("resources.cpu_request", "str", True, "fast", "resources.cpu_request: got 'fast'; allowed: a Kubernetes quantity"),
    ("resources.memory_limit", "str", True, "1GB", "resources.memory_limit: got '1GB'; allowed: a Kubernetes quantity"),
    ("install_operator", "bool", False, "yes", "install_operator: got 'yes'; allowed: True or False"),
    (
        "operator_chart_version",
        "str",
        True,
        "latest",
        "operator_chart_version: got 'latest'; allowed: a chart version such as '0.29.0'",
    ),
    ("enable_superuser_access", "bool", True, "yes", "enable_superuser_access: got 'yes'; allowed: True or False"),
    ("backup.enabled", "bool", False, "yes", "backup.enabled: got 'yes'; allowed: True or False"),
    (
        "backup.destination_path",
        "str",
        True,
        "https://b",
        "backup.destination_path: got 'https://b'; allowed: a URL starting with 's3://'",
    ),
    ("backup.endpoint_url", "str", True, "minio:9000", "backup.endpoint_url: got 'minio:9000'; allowed: a URL"),
    ("backup.retention_policy", "str", True, "30 days", "backup.retention_policy: got '30 days'; allowed: '<n>d'"),
    ("backup.schedule", "str", True, "0 2 * * *", "backup.schedule: got '0 2 * * *'; allowed: a 6-field cron"),
    (
        "backup.compression",
        "str",
        True,
        "zip",
        "backup.compression: got 'zip'; allowed: one of 'gzip', 'bzip2', 'snappy', 'lz4'",
    ),
    # (the value is hidden in the message since the credentials-secret work: its name says "secret")
    (
        "backup.existing_credentials_secret",
        "str",
        True,
        "Bad_S",
        ("backup.existing_credentials_secret: got ", "; allowed: a DNS-1123 subdomain"),
    ),
    ("backup.access_key_id", "str", True, "AKIAEXAMPLEKEY", "backup.access_key_id: got '<literal hidden>'"),
    ("backup.secret_access_key", "str", True, "hunter2", "backup.secret_access_key: got '<literal hidden>'"),
    ("backup.install_plugin", "bool", False, "yes", "backup.install_plugin: got 'yes'; allowed: True or False"),
    ("eso.enabled", "bool", False, "yes", "eso.enabled: got 'yes'; allowed: True or False"),
    (
        "eso.cluster_secret_store_name",
        "str",
        True,
        "Bad_S",
        "eso.cluster_secret_store_name: got 'Bad_S'; allowed: a DNS-1123 subdomain",
    ),
    ("eso.superuser_remote_key", "str", True, "", "eso.superuser_remote_key: got ''; allowed: a non-empty string"),
    ("eso.app_remote_key", "str", True, "", "eso.app_remote_key: got ''; allowed: a non-empty string"),
    ("eso.password_property", "str", True, " ", "eso.password_property: got ' '; allowed: a non-empty string"),
    ("eso.refresh_interval", "str", True, "hourly", "eso.refresh_interval: got 'hourly'; allowed: a duration"),
    ("flux_namespace", "str", True, "Bad_NS", "flux_namespace: got 'Bad_NS'; allowed: a DNS-1123 label"),
    ("operator_render_dir", "str", False, "../ops", "operator_render_dir: got '../ops'; allowed: a relative folder"),
    ("prevent_destroy", "bool", False, "yes", "prevent_destroy: got 'yes'; allowed: True or False"),
    ("operator.namespace", "str", False, "Bad_NS", "operator.namespace: got 'Bad_NS'; allowed: a DNS-1123 label"),
    ("operator.create_namespace", "bool", False, "yes", "operator.create_namespace: got 'yes'; allowed: True or False"),
    (
        "operator.chart_version",
        "str",
        True,
        "latest",
        "operator.chart_version: got 'latest'; allowed: a chart version such as '0.29.0'",
    ),
    (
        "operator.chart_source.repository",
        "str",
        True,
        "ftp://x",
        "operator.chart_source.repository: got 'ftp://x'; "
        "allowed: a URL starting with 'https://' or 'http://' "
        "or 'oci://'",
    ),
    ("operator.install_plugin", "bool", False, "yes", "operator.install_plugin: got 'yes'; allowed: True or False"),
    (
        "operator.plugin_chart_version",
        "str",
        True,
        "v1",
        "operator.plugin_chart_version: got 'v1'; allowed: a chart version such as '0.7.0'",
    ),
    ("operator.wait", "bool", True, "yes", "operator.wait: got 'yes'; allowed: True or False"),
]
_IDS = [p[0] for p in PROPS]


@pytest.mark.parametrize("prop,kind,accepted,bad,message", PROPS, ids=_IDS)
def test_apply_mode_accepts_a_reference_or_says_it_must_be_known(prop, kind, accepted, bad, message):
    stack = _stack()
    value = ref(stack, kind)
    if accepted:
        assert _cluster(stack, Mode.APPLY, prop, value).node.path == "s/Pg"
    else:
        with pytest.raises(PropsError) as err:
            _cluster(stack, Mode.APPLY, prop, value)
        assert f"{prop}: {KNOWN}" in str(err.value)
        assert "TfToken" not in str(err.value) and "e+298" not in str(err.value)


@pytest.mark.parametrize(
    "prop,kind,accepted,bad,message", [p for p in PROPS if p[2]], ids=[p[0] for p in PROPS if p[2]]
)
def test_render_mode_refuses_every_reference(prop, kind, accepted, bad, message):
    """The tree is written at synth time: no file may hold a reference (its encoding least of all)."""
    stack = TerraformStack(Testing.app(), "s")
    with pytest.raises(PropsError) as err:
        _cluster(stack, Mode.RENDER, prop, ref(stack, kind))
    msg = str(err.value)
    (line,) = [x for x in msg.splitlines() if x.startswith(f"  - {prop}: got ")]
    assert "render mode" in line, msg
    # the value shown is the reference marker (or hidden, for a secret-like name), never its encoding
    assert line.startswith((f"  - {prop}: got '<reference>'", f"  - {prop}: got '<literal hidden>'")), line
    assert "TfToken" not in msg and "e+298" not in msg


@pytest.mark.parametrize("prop,kind,accepted,bad,message", PROPS, ids=_IDS)
def test_a_bad_literal_fails_as_before(prop, kind, accepted, bad, message):
    stack = _stack()
    with pytest.raises(PropsError) as err:
        _cluster(stack, Mode.APPLY, prop, bad)
    assert "Invalid props for CnpgPostgisCluster at 's/Pg'" in str(err.value)
    for fragment in (message,) if isinstance(message, str) else message:
        assert fragment in str(err.value)


# CnpgOperator: (prop, kind, accepted?)
OPERATOR_PROPS = [
    ("namespace", "str", False),
    ("create_namespace", "bool", False),
    ("chart_version", "str", True),
    ("install_plugin", "bool", False),
    ("plugin_chart_version", "str", True),
    ("wait", "bool", True),
    ("install_operator", "bool", False),
]


@pytest.mark.parametrize("prop,kind,accepted", OPERATOR_PROPS, ids=[p[0] for p in OPERATOR_PROPS])
def test_operator_accepts_a_reference_or_says_it_must_be_known(prop, kind, accepted):
    from dw_constructs.cnpg import CnpgOperator

    stack = _stack()
    value = ref(stack, kind)
    if accepted:
        assert CnpgOperator(stack, "Op", **{prop: value}).node.path == "s/Op"
    else:
        with pytest.raises(PropsError) as err:
            CnpgOperator(stack, "Op", **{prop: value})
        assert f"{prop}: {KNOWN}" in str(err.value)


# --- one apply-mode stack with a reference for every accepted prop, checked by real OpenTofu ------


def _build(app):
    stack = TerraformStack(app, "tokens")
    KubernetesProvider(stack, "Kubernetes")
    HelmProvider(stack, "Helm")

    def v(name, kind="str"):
        return ref(stack, kind, name)

    CnpgPostgisCluster(
        stack,
        "Pg",
        mode=Mode.APPLY,
        cluster_name=v("name"),
        cluster_namespace=v("namespace"),
        instances=v("instances", "num"),
        storage_size=v("size"),
        storage_class=v("class"),
        image_name=v("image"),
        database_owner=v("owner"),
        resources=ClusterResources(cpu_request=v("cpu"), memory_limit=v("memory")),
        operator_chart_version=v("chart_version"),
        enable_superuser_access=v("superuser", "bool"),
        flux_namespace=v("flux_ns"),
        prevent_destroy=False,
        backup=BackupProps(
            enabled=True,
            destination_path=v("dest"),
            endpoint_url=v("endpoint"),
            retention_policy=v("retention"),
            schedule=v("schedule"),
            compression=v("compression"),
            existing_credentials_secret=v("s3_secret"),
        ),
        eso=EsoProps(
            enabled=True,
            cluster_secret_store_name=v("store"),
            superuser_remote_key=v("su_key"),
            app_remote_key=v("app_key"),
            password_property=v("pw_prop"),
            refresh_interval=v("refresh"),
        ),
        operator={
            "chart_source": {"repository": v("repo")},
            "plugin_chart_version": v("plugin_version"),
            "wait": v("wait", "bool"),
            "values": {
                "image": {"repository": v("operator_image"), "tag": v("operator_tag")},
                "replicaCount": v("operator_replicas", "num"),
                "podAnnotations": {"note": v("operator_note")},
            },
        },
    )
    CnpgPostgisCluster(
        stack,
        "Managed",
        mode=Mode.APPLY,
        cluster_name="managed",
        install_operator=False,
        create_namespace=False,
        prevent_destroy=False,
        backup=BackupProps(
            enabled=True,
            destination_path="s3://b/managed",
            install_plugin=False,
            access_key_id=v("key_id"),
            secret_access_key=v("secret_key"),
        ),
    )
    return stack


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    stack_dir = synth_to(tmp_path_factory.mktemp("cnpg-tokens"), _build)
    return stack_dir, json.loads((stack_dir / "cdk.tf.json").read_text())


def test_references_synthesize_to_valid_terraform(synthesized, tools):
    stack_dir, doc = synthesized
    result = tools.tofu_validate(stack_dir)
    assert result["valid"] is True, result["diagnostics"]
    text = json.dumps(doc)
    assert "TfToken" not in text and "e+298" not in text


def test_references_reach_the_manifests_and_releases(synthesized):
    _, doc = synthesized
    manifests = {
        (r["manifest"]["kind"], r["manifest"]["metadata"]["name"]): r["manifest"]
        for r in doc["resource"]["kubernetes_manifest"].values()
    }
    cluster = manifests[("Cluster", "${var.name}")]
    assert cluster["metadata"]["namespace"] == "${var.namespace}"
    spec = cluster["spec"]
    assert (spec["instances"], spec["imageName"], spec["enableSuperuserAccess"]) == (
        "${var.instances}",
        "${var.image}",
        "${var.superuser}",
    )
    assert spec["storage"] == {"size": "${var.size}", "storageClass": "${var.class}"}
    assert spec["resources"]["requests"]["cpu"] == "${var.cpu}"
    assert spec["bootstrap"]["initdb"]["owner"] == "${var.owner}"
    store = manifests[("ObjectStore", "${var.name}-object-store")]["spec"]
    assert store["retentionPolicy"] == "${var.retention}"
    assert store["configuration"]["destinationPath"] == "${var.dest}"
    assert store["configuration"]["s3Credentials"]["accessKeyId"]["name"] == "${var.s3_secret}"
    assert manifests[("ScheduledBackup", "${var.name}-scheduled")]["spec"]["schedule"] == "${var.schedule}"
    releases = {r["name"]: r for r in doc["resource"]["helm_release"].values()}
    assert (releases["cnpg"]["version"], releases["cnpg"]["repository"], releases["cnpg"]["wait"]) == (
        "${var.chart_version}",
        "${var.repo}",
        "${var.wait}",
    )
    assert releases["barman-cloud"]["version"] == "${var.plugin_version}"
    (secret,) = doc["resource"]["kubernetes_secret_v1"].values()
    assert set(secret["data"].values()) == {"${var.key_id}", "${var.secret_key}"}


#: Operator values a user might pass as references: an image tag YAML 1.1 reads as a number, a note
#: with quotes, a colon and a hash (a comment, written as it is).
OPERATOR_VARS = {
    "operator_image": "registry.example.internal:5000/cloudnative-pg",
    "operator_tag": "1.20",
    "operator_replicas": "2",
    "operator_note": 'it\'s "quoted": a #b',
}


def test_operator_values_are_evaluated_with_their_types_and_render(synthesized, tools, tmp_path):
    """Terraform's own evaluation (``tofu console``) of the operator release's values, read as YAML,
    holds each reference's value with its type; the upstream chart renders them (real helm)."""
    _, doc = synthesized
    (rel,) = [r for r in doc["resource"]["helm_release"].values() if r["name"] == "cnpg"]
    cfg = {
        "variable": {k: doc["variable"][k] for k in OPERATOR_VARS},
        "locals": {"values": rel["values"][0]},
    }
    (tmp_path / "main.tf.json").write_text(json.dumps(cfg))
    text = tools.tofu_console(tmp_path, "local.values", OPERATOR_VARS)
    values = yaml.safe_load(text)
    assert values == {
        "image": {"repository": OPERATOR_VARS["operator_image"], "tag": "1.20"},
        "replicaCount": 2,
        "podAnnotations": {"note": OPERATOR_VARS["operator_note"]},
    }
    (tmp_path / "values.yaml").write_text(text)
    out = tools.run(
        tools.helm, "template", "cnpg", chart_archive("cloudnative-pg"), "-f", tmp_path / "values.yaml"
    ).stdout
    (deploy,) = [o for o in yaml.safe_load_all(out) if o and o["kind"] == "Deployment"]
    assert deploy["spec"]["replicas"] == 2
    (container,) = deploy["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "registry.example.internal:5000/cloudnative-pg:1.20"
    assert deploy["spec"]["template"]["metadata"]["annotations"]["note"] == OPERATOR_VARS["operator_note"]
