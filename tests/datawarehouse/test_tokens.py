"""Terraform references (cdktf tokens) for the DataWarehouse constructs' props.

Table-driven over every prop that takes a scalar (or a list/map of them): a reference of the prop's
kind is accepted, or, where the value must be known at synth time, rejected with a PropsError that
says so; a bad literal fails with the same message as before. One stack with references for every
accepted prop is synthesized and checked by real OpenTofu (``tofu validate``); the chart values it
hands helm are evaluated by ``tofu console`` (Terraform's own interpolation, no plan) and rendered
by the real helm against the chart's values.schema.json."""

from __future__ import annotations

import json

import pytest
import yaml
from cdktf import TerraformStack, TerraformVariable, Testing, Token
from cdktf_cdktf_provider_helm.provider import HelmProvider
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

from dw_constructs import PropsError
from dw_constructs.datawarehouse import ClusterMode, DataWarehouseCluster, Endpoint
from dw_constructs.datawarehouse.cluster_model import ProviderEndpoint
from tests.support.synth import synth_to

KNOWN = "got '<reference>'; allowed: a value known at synth time, not a Terraform reference"
_TYPES = {"str": "string", "num": "number", "list": "list(string)", "bool": "bool", "map": "map(string)"}


def ref(stack: TerraformStack, kind: str, name: str | None = None):
    """A reference of ``kind`` to a new variable of ``stack``."""
    var = TerraformVariable(stack, name or f"v{len(stack.node.children)}", type=_TYPES[kind])
    return {
        "str": var.string_value,
        "num": var.number_value,
        "list": var.list_value,
        "bool": var.boolean_value,
        "map": Token.as_string_map(var.value) if kind == "map" else None,
    }[kind]


def _stack() -> TerraformStack:
    stack = TerraformStack(Testing.app(), "s")
    HelmProvider(stack, "Helm")
    KubernetesProvider(stack, "Kubernetes")
    return stack


def _cluster(stack, **kwargs):
    kwargs.setdefault("endpoint", ProviderEndpoint.in_cluster())
    return DataWarehouseCluster(stack, "Dw", name=kwargs.pop("name", "dw"), **kwargs)


def _make(target: str, stack, prop: str, value):
    """Create the construct ``target`` with ``prop`` (dotted for a nested value) set to ``value``."""
    from dw_constructs.datawarehouse import DataWarehouseInstance, DataWarehouseProvider

    if target == "cluster":
        if prop.startswith("endpoint."):
            return _cluster(stack, endpoint=ProviderEndpoint(**{"host": "dw.example.com", prop[9:]: value}))
        if prop == "replicas":
            return _cluster(stack, mode=ClusterMode.CLUSTERED, replicas=value)
        if prop == "admin_secret_name":
            return _cluster(stack, admin_secret_name=value, admin_password=ref(stack, "str"))
        return _cluster(stack, **{prop: value})
    if target == "instance":
        return DataWarehouseInstance(stack, "I", **{"name": "i", "storage_size_gb": 10, prop: value})
    if target == "provider":
        return DataWarehouseProvider(stack, "P", **{"host": "h", prop: value})
    cluster = _cluster(stack)
    if target == "vde":
        return cluster.add_vde("C", **{"name": "v", prop: value})
    if target == "user":
        return cluster.add_user("C", **{"username": "u", "password": ref(stack, "str"), prop: value})
    if target == "user-no-password":
        return cluster.add_user("C", **{prop: value})
    if target == "policy":
        return cluster.add_policy("C", **{"name": "p", "target_path": "/", "feature": "audit", prop: value})
    if target == "plugin":
        return cluster.add_plugin("C", **{"plugin_id": "geo", prop: value})
    if target == "topology":
        if prop.startswith("peer."):
            peer = Endpoint(**{"host": "b", "role": "replica", prop[5:]: value})
            return cluster.replicate_to("C", peer)
        return cluster.replicate_to("C", Endpoint(host="b", role="replica"), **{prop: value})
    raise AssertionError(target)


# (construct, prop, reference kind, accepted?, bad literal, message for it: the same as before)
PROPS = [
    ("cluster", "name", "str", False, "Bad_Name", "name: got 'Bad_Name'; allowed: a DNS-1123 label"),
    ("cluster", "endpoint.host", "str", True, "", "endpoint.host: got ''; allowed: a non-empty string"),
    ("cluster", "endpoint.port", "num", True, 0, "endpoint.port: got 0; allowed: an integer 1..65535"),
    ("cluster", "mode", "str", False, "ha", "mode: got 'ha'; allowed: one of 'single', 'clustered'"),
    ("cluster", "replicas", "num", True, 2, "replicas: got 2; allowed: an integer 3..15 in clustered mode"),
    ("cluster", "storage_size_gb", "num", True, 0, "storage_size_gb: got 0; allowed: an integer 1..65536"),
    ("cluster", "storage_class", "str", True, "", "storage_class: got ''; allowed: a non-empty string"),
    ("cluster", "operational_profile", "str", True, "Turbo", "operational_profile: got 'Turbo'; allowed: one of"),
    ("cluster", "plugins", "list", True, [], "plugins: got []; allowed: a list of non-empty strings with at least 1"),
    ("cluster", "tls_enabled", "bool", False, "yes", "tls_enabled: got 'yes'; allowed: True or False"),
    ("cluster", "tls_secret_name", "str", True, "", "tls_secret_name: got ''; allowed: a non-empty string"),
    ("cluster", "tls_ca_cert_pem", "str", True, None, None),
    ("cluster", "tls_skip_verify", "bool", False, "yes", "tls_skip_verify: got 'yes'; allowed: True or False"),
    ("cluster", "replication_factor", "num", True, 9, "replication_factor: got 9; allowed: an integer 1..7"),
    ("cluster", "namespace", "str", True, "Data_WH", "namespace: got 'Data_WH'; allowed: a DNS-1123 label"),
    ("cluster", "cluster_domain", "str", True, None, None),
    ("cluster", "create_namespace", "bool", False, "yes", "create_namespace: got 'yes'; allowed: True or False"),
    ("cluster", "anti_affinity", "str", True, "strict", "anti_affinity: got 'strict'; allowed: one of 'soft', 'hard'"),
    ("cluster", "admin_username", "str", True, "", "admin_username: got ''; allowed: a non-empty string"),
    ("cluster", "admin_password", "str", True, "hunter2", "admin_password: got '<literal hidden>'"),
    ("cluster", "admin_secret_name", "str", True, "Bad_Name", "admin_secret_name: got 'Bad_Name'; allowed: a DNS-1123"),
    ("cluster", "prevent_destroy", "bool", False, "yes", "prevent_destroy: got 'yes'; allowed: True or False"),
    (
        "cluster",
        "release_timeout_seconds",
        "num",
        True,
        5,
        "release_timeout_seconds: got 5; allowed: an integer 60..3600",
    ),
    ("cluster", "release_wait", "bool", True, "yes", "release_wait: got 'yes'; allowed: True or False"),
    ("instance", "name", "str", True, "Bad_Name", "name: got 'Bad_Name'; allowed: a DNS-1123 label"),
    ("instance", "storage_size_gb", "num", True, 0, "storage_size_gb: got 0; allowed: an integer 1..65536"),
    ("instance", "replication_factor", "num", True, 8, "replication_factor: got 8; allowed: an integer 1..7"),
    ("instance", "plugins", "list", True, "geo", "plugins: got 'geo'; allowed: a list of non-empty strings"),
    ("instance", "operational_profile", "str", True, "Turbo", "operational_profile: got 'Turbo'; allowed: one of"),
    ("instance", "prevent_destroy", "bool", False, "yes", "prevent_destroy: got 'yes'; allowed: True or False"),
    ("provider", "host", "str", True, "", "host: got ''; allowed: a non-empty string"),
    ("provider", "port", "num", True, 70000, "port: got 70000; allowed: an integer 1..65535"),
    ("provider", "username", "str", True, " ", "username: got ' '; allowed: a non-empty string"),
    ("provider", "password", "str", True, "hunter2", "password: got '<literal hidden>'"),
    ("provider", "tls_enabled", "bool", True, 1, "tls_enabled: got 1; allowed: True or False"),
    ("provider", "tls_skip_verify", "bool", True, "no", "tls_skip_verify: got 'no'; allowed: True or False"),
    ("vde", "name", "str", True, "Bad_Name", "name: got 'Bad_Name'; allowed: a DNS-1123 label"),
    ("vde", "block_size", "num", True, 1000, "block_size: got 1000; allowed: a power of two between 512 and 1048576"),
    ("vde", "encryption_enabled", "bool", True, "yes", "encryption_enabled: got 'yes'; allowed: True or False"),
    ("vde", "compression_codec", "str", True, "brotli", "compression_codec: got 'brotli'; allowed: one of"),
    ("vde", "replication_mode", "str", True, "eventual", "replication_mode: got 'eventual'; allowed: one of"),
    ("vde", "prevent_destroy", "bool", False, "yes", "prevent_destroy: got 'yes'; allowed: True or False"),
    ("user", "username", "str", True, "Bad_User", "username: got 'Bad_User'; allowed: a DNS-1123 label"),
    ("user-no-password", "username", "str", False, "Bad_User", "username: got 'Bad_User'; allowed: a DNS-1123"),
    ("user", "roles", "list", True, "admin", "roles: got 'admin'; allowed: a list of non-empty strings"),
    ("user", "mfa_enabled", "bool", True, "yes", "mfa_enabled: got 'yes'; allowed: True or False"),
    ("policy", "name", "str", True, "Bad_Name", "name: got 'Bad_Name'; allowed: a DNS-1123 label"),
    ("policy", "target_path", "str", True, "finance", "target_path: got 'finance'; allowed: an absolute path"),
    ("policy", "feature", "str", True, "speed", "feature: got 'speed'; allowed: one of"),
    ("policy", "intensity_level", "num", True, 11, "intensity_level: got 11; allowed: an integer 1..10"),
    ("policy", "cascade_strategy", "str", True, "sideways", "cascade_strategy: got 'sideways'; allowed: one of"),
    ("plugin", "plugin_id", "str", True, "", "plugin_id: got ''; allowed: a non-empty string"),
    ("plugin", "enabled", "bool", True, "yes", "enabled: got 'yes'; allowed: True or False"),
    (
        "plugin",
        "configuration",
        "map",
        True,
        {"srid": 4326},
        "configuration: got {'srid': 4326}; allowed: a dict of str to str",
    ),
    ("topology", "mode", "str", False, "ring", "mode: got 'ring'; allowed: one of 'active-active', 'active-passive'"),
    ("topology", "sync_interval_seconds", "num", True, 0, "sync_interval_seconds: got 0; allowed: an integer 1..86400"),
    ("topology", "peer.host", "str", True, "", "nodes[1].host: got ''; allowed: a non-empty string"),
    ("topology", "peer.port", "num", True, 0, "nodes[1].port: got 0; allowed: an integer 1..65535"),
    ("topology", "peer.priority", "num", True, 1001, "nodes[1].priority: got 1001; allowed: an integer 0..1000"),
    (
        "topology",
        "peer.role",
        "str",
        False,
        "leader",
        "nodes[1].role: got 'leader'; allowed: one of 'primary', 'replica'",
    ),
]
_IDS = [f"{t}.{p}" for t, p, *_ in PROPS]


def _path(target: str) -> str:
    return {"cluster": "s/Dw", "instance": "s/I", "provider": "s/P"}.get(target, "s/Dw/C")


@pytest.mark.parametrize("target,prop,kind,accepted,bad,message", PROPS, ids=_IDS)
def test_a_reference_is_accepted_or_must_be_known(target, prop, kind, accepted, bad, message):
    stack = _stack()
    value = ref(stack, kind)
    shown = prop.replace("peer.", "nodes[1].") if target == "topology" else prop
    if accepted:
        made = _make(target, stack, prop, value)
        assert made.node.path == _path(target)
    else:
        with pytest.raises(PropsError) as err:
            _make(target, stack, prop, value)
        assert f"{shown}: {KNOWN}" in str(err.value)
        assert "TfToken" not in str(err.value) and "e+298" not in str(err.value)


@pytest.mark.parametrize(
    "target,prop,kind,accepted,bad,message",
    [p for p in PROPS if p[4] is not None],
    ids=[i for i, p in zip(_IDS, PROPS, strict=True) if p[4] is not None],
)
def test_a_bad_literal_fails_as_before(target, prop, kind, accepted, bad, message):
    stack = _stack()
    with pytest.raises(PropsError) as err:
        _make(target, stack, prop, bad)
    assert "Invalid props for " in str(err.value) and f"at '{_path(target)}'" in str(err.value)
    assert message in str(err.value)


def test_a_reference_of_another_type_is_named_not_shown():
    stack = _stack()
    with pytest.raises(PropsError) as err:
        _cluster(stack, storage_size_gb=ref(stack, "str"), namespace=ref(stack, "num"))
    msg = str(err.value)
    assert "storage_size_gb: got '<reference>'; allowed: an integer 1..65536 (a reference of another type" in msg
    assert "namespace: got '<reference>'; allowed: a DNS-1123 label" in msg
    assert "e+298" not in msg and "TfToken" not in msg


def test_tokens_are_named_in_the_docs():
    """Each prop that refuses a reference says so in its reference page (generated from the props)."""
    from dw_constructs import _docs

    pages = _docs.render_all()
    for page, props in {
        "DataWarehouseCluster.md": (
            "name",
            "mode",
            "tls_enabled",
            "tls_skip_verify",
            "create_namespace",
            "prevent_destroy",
        ),
        "ReplicatedVde.md": ("prevent_destroy",),
        "DataWarehouseUser.md": ("username",),
        "DataWarehouseInstance.md": ("prevent_destroy",),
        "ReplicationTopology.md": ("mode",),
    }.items():
        props_table = pages[page].split("\n## Props\n", 1)[1].split("\n## ", 1)[0]
        rows = {line.split("|")[1].strip(" `"): line for line in props_table.splitlines() if line.startswith("| `")}
        for prop in props:
            assert "nown at synth time" in rows[prop], f"{page} {prop}"


# --- one stack with a reference for every accepted prop: real tofu, real interpolation, real helm


def _build(app):
    stack = TerraformStack(app, "tokens")
    HelmProvider(stack, "Helm")
    KubernetesProvider(stack, "Kubernetes")

    def v(name, kind):
        return ref(stack, kind, name)

    a = DataWarehouseCluster(
        stack,
        "A",
        name="dw-a",
        mode=ClusterMode.CLUSTERED,
        endpoint=ProviderEndpoint(host=v("endpoint_host", "str"), port=v("endpoint_port", "num")),
        replicas=v("replicas", "num"),
        storage_size_gb=v("storage_gb", "num"),
        storage_class=v("storage_class", "str"),
        operational_profile=v("profile", "str"),
        plugins=v("plugins", "list"),
        tls_ca_cert_pem=v("ca_pem", "str"),
        replication_factor=v("rf", "num"),
        namespace=v("namespace", "str"),
        cluster_domain=v("cluster_domain", "str"),
        anti_affinity=v("anti_affinity", "str"),
        admin_username=v("admin_username", "str"),
        admin_password=v("admin_password", "str"),
        chart_values={
            "podAnnotations": {"note": v("note", "str")},
            "podLabels": {"tier": v("tier", "str")},
            "extraConfig": {
                "cacheMb": v("cache_mb", "num"),
                "audit": v("audit", "bool"),
                "tags": v("tags", "list"),
                "labels": v("labels", "map"),
            },
        },
        release_timeout_seconds=v("timeout", "num"),
        release_wait=v("wait", "bool"),
        prevent_destroy=False,
    )
    b = DataWarehouseCluster(
        stack,
        "B",
        name="dw-b",
        endpoint=ProviderEndpoint.in_cluster(),
        namespace=v("namespace_b", "str"),
        tls_secret_name=v("tls_secret", "str"),
        admin_secret_name=v("admin_secret", "str"),
        admin_password=v("admin_password_b", "str"),
        create_namespace=False,
        prevent_destroy=False,
    )
    a.add_vde(
        "Vde",
        name=v("vde_name", "str"),
        block_size=v("block", "num"),
        encryption_enabled=v("enc", "bool"),
        compression_codec=v("codec", "str"),
        replication_mode=v("repl_mode", "str"),
        prevent_destroy=False,
    )
    a.add_user(
        "User",
        username=v("user", "str"),
        password=v("user_password", "str"),
        roles=v("roles", "list"),
        mfa_enabled=v("mfa", "bool"),
    )
    a.add_policy(
        "Policy",
        name=v("policy", "str"),
        target_path=v("path", "str"),
        feature=v("feature", "str"),
        intensity_level=v("intensity", "num"),
        cascade_strategy=v("cascade", "str"),
    )
    a.add_plugin(
        "Plugin", plugin_id=v("plugin_id", "str"), enabled=v("plugin_on", "bool"), configuration=v("plugin_conf", "map")
    )
    a.replicate_to(
        "Replication",
        b,
        Endpoint(
            host=v("peer_host", "str"), port=v("peer_port", "num"), role="replica", priority=v("peer_priority", "num")
        ),
        sync_interval_seconds=v("sync", "num"),
    )
    from dw_constructs.datawarehouse import DataWarehouseInstance, DataWarehouseProvider

    provider = DataWarehouseProvider(
        stack,
        "Standalone",
        host=v("p_host", "str"),
        port=v("p_port", "num"),
        username=v("p_user", "str"),
        password=v("p_password", "str"),
        tls_enabled=v("p_tls", "bool"),
        tls_skip_verify=v("p_skip", "bool"),
        alias="standalone",
    )
    DataWarehouseInstance(
        stack,
        "Instance",
        name=v("i_name", "str"),
        storage_size_gb=v("i_gb", "num"),
        replication_factor=v("i_rf", "num"),
        plugins=v("i_plugins", "list"),
        operational_profile=v("i_profile", "str"),
        prevent_destroy=False,
        provider=provider.resource,
    )
    return stack


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    stack_dir = synth_to(tmp_path_factory.mktemp("tokens"), _build)
    return stack_dir, json.loads((stack_dir / "cdk.tf.json").read_text())


def _by_path(doc: dict, rtype: str, path: str) -> dict:
    (res,) = [r for r in doc["resource"][rtype].values() if r["//"]["metadata"]["path"] == path]
    return res


def test_references_synthesize_to_valid_terraform(synthesized, tools):
    stack_dir, doc = synthesized
    result = tools.tofu_validate(stack_dir)
    assert result["valid"] is True, result["diagnostics"]
    assert "TfToken" not in json.dumps(doc) and "e+298" not in json.dumps(doc)


def test_references_reach_the_resources_unchanged(synthesized):
    _, doc = synthesized
    inst = _by_path(doc, "datawarehouse_instance", "tokens/A/Instance/Resource")
    assert (
        inst["storage_size_gb"],
        inst["replication_factor"],
        inst["plugins_enabled"],
        inst["operational_profile"],
    ) == ("${var.storage_gb}", "${var.rf}", "${var.plugins}", "${var.profile}")
    rel = _by_path(doc, "helm_release", "tokens/A/Release")
    assert (rel["namespace"], rel["timeout"], rel["wait"]) == ("${var.namespace}", "${var.timeout}", "${var.wait}")
    provider = next(p for p in doc["provider"]["datawarehouse"] if p["alias"] == "dw-a")
    assert (provider["host"], provider["port"], provider["username"]) == (
        "${var.endpoint_host}",
        "${var.endpoint_port}",
        "${var.admin_username}",
    )
    vde = _by_path(doc, "datawarehouse_vde", "tokens/A/Vde/Resource")
    assert (vde["name"], vde["block_size"], vde["encryption_enabled"]) == (
        "${var.vde_name}",
        "${var.block}",
        "${var.enc}",
    )
    plugin = _by_path(doc, "datawarehouse_plugin", "tokens/A/Plugin/Resource")
    assert plugin["configuration"] == "${var.plugin_conf}"
    topo = _by_path(doc, "datawarehouse_replication_topology", "tokens/A/Replication/Resource")
    assert topo["sync_interval_seconds"] == "${var.sync}"
    assert topo["nodes"][0]["host"] == "dw-a.${var.namespace}.svc.${var.cluster_domain}"
    assert topo["nodes"][2] == {
        "host": "${var.peer_host}",
        "port": "${var.peer_port}",
        "priority": "${var.peer_priority}",
        "role": "replica",
    }
    b = _by_path(doc, "helm_release", "tokens/B/Release")
    assert b["namespace"] == "${var.namespace_b}"


#: Values a user might set through the variables: with YAML-significant characters, a "-" class,
#: a username YAML 1.1 would read as a boolean, a plugin named "true".
VARS = {
    "replicas": "5",
    "storage_gb": "250",
    "storage_class": "-",
    "profile": "Speed",
    "plugins": '["geo", "true"]',
    "rf": "3",
    "namespace": "dw-prod",
    "cluster_domain": "cluster.local",
    "anti_affinity": "hard",
    "admin_username": "yes",
    "note": 'it\'s "quoted": a\nb',
    "tier": "0123",
    "cache_mb": "512",
    "audit": "true",
    "tags": '["x", "1"]',
    "labels": '{team = "data"}',
}


def _evaluate(tools, tmp_path, doc: dict, expressions: dict[str, str]) -> dict:
    """Terraform's own evaluation of ``expressions`` (JSON-syntax strings from the synthesized
    JSON) with :data:`VARS`, by ``tofu console``: no plan, no provider."""
    cfg = {"variable": doc["variable"], "locals": expressions}
    (tmp_path / "main.tf.json").write_text(json.dumps(cfg))
    return tools.tofu_console(tmp_path, "{" + ", ".join(f"{k} = local.{k}" for k in expressions) + "}", VARS)


def test_chart_values_are_evaluated_with_their_types_and_render(synthesized, tools, tmp_path):
    stack_dir, doc = synthesized
    rel = _by_path(doc, "helm_release", "tokens/A/Release")
    got = _evaluate(tools, tmp_path, doc, {"values": rel["values"][0], "namespace": rel["namespace"]})
    values = yaml.safe_load(got["values"])
    assert values["replicaCount"] == 5 and values["storage"] == {"size": "250Gi", "storageClass": "-"}
    assert values["plugins"]["enabled"] == ["geo", "true"] and values["operationalProfile"] == "Speed"
    assert values["auth"]["username"] == "yes" and values["clustering"]["antiAffinity"] == "hard"
    assert values["podAnnotations"] == {"note": VARS["note"]} and values["podLabels"] == {"tier": "0123"}
    # The real helm renders the chart with these values (values.schema.json checks their types).
    (tmp_path / "values.yaml").write_text(got["values"])
    res = tools.run(
        tools.helm,
        "template",
        rel["name"],
        stack_dir / rel["chart"],
        "--namespace",
        got["namespace"],
        "-f",
        tmp_path / "values.yaml",
        check=False,
    )
    assert res.returncode == 0, res.stderr
    objs = [o for o in yaml.safe_load_all(res.stdout) if o]
    (sts,) = [o for o in objs if o["kind"] == "StatefulSet"]
    assert sts["metadata"]["namespace"] == "dw-prod" and sts["spec"]["replicas"] == 5
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "250Gi"
    assert sts["spec"]["template"]["metadata"]["annotations"]["note"] == VARS["note"]
    (config,) = [o for o in objs if o["kind"] == "ConfigMap" and "datawarehouse.yaml" in (o.get("data") or {})]
    server = yaml.safe_load(config["data"]["datawarehouse.yaml"])
    assert server["plugins"]["enabled"] == ["geo", "true"] and server["operationalProfile"] == "Speed"
    # chart_values leaves of every kind: number, boolean (an IResolvable), list and map references
    assert (server["cacheMb"], server["audit"], server["tags"], server["labels"]) == (
        512,
        True,
        ["x", "1"],
        {"team": "data"},
    )
