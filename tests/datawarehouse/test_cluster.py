"""DataWarehouseCluster and the objects attached to it, through the three examples."""

from __future__ import annotations

import base64
import dataclasses
import json
import re

import pytest
import yaml
from cdktf import TerraformOutput, TerraformStack, Testing

from dw_constructs import PropsError
from dw_constructs.charts import chart_path
from dw_constructs.datawarehouse import (
    ClusterMode,
    DataWarehouseCluster,
    Endpoint,
    NodeRole,
    ProviderEndpoint,
    ReplicatedVde,
    TopologyMode,
)
from dw_constructs.validation import validate_manifest
from examples.clustered.main import build as build_clustered
from examples.replicated.main import build as build_replicated
from examples.single_node.main import build as build_single
from tests.support.synth import assert_deterministic, synth_to

#: Terraform runs inside the cluster: the explicit choice most tests here make.
IN_CLUSTER = ProviderEndpoint.in_cluster()


def _synth(build) -> dict:
    return json.loads(Testing.synth(build(Testing.app())))


@pytest.fixture(scope="module")
def single() -> dict:
    return _synth(build_single)


@pytest.fixture(scope="module")
def clustered() -> dict:
    return _synth(build_clustered)


@pytest.fixture(scope="module")
def replicated() -> dict:
    return _synth(build_replicated)


def _one(doc: dict, rtype: str) -> dict:
    (res,) = doc["resource"][rtype].values()
    return res


def _values(release: dict) -> dict:
    (text,) = release["values"]
    return yaml.safe_load(text)


def test_single_node_release(single):
    rel = _one(single, "helm_release")
    assert rel["name"] == "analytics" and rel["namespace"] == "datawarehouse"
    # The namespace is ours (helm never deletes one it created), and so is the admin Secret.
    assert rel["create_namespace"] is False and rel["wait"] is True
    assert re.fullmatch(r"assets/Warehouse_Chart_[0-9A-F]{8}/[0-9A-F]{32}", rel["chart"]), rel["chart"]
    assert rel["lifecycle"] == {"prevent_destroy": True}
    assert rel["depends_on"] == [
        "kubernetes_namespace_v1.Warehouse_Namespace_78ED5B58",
        "kubernetes_secret_v1.Warehouse_AuthSecret_993FE280",
    ]
    # No password through helm's --set parser (it split 'a,b' and typed 'true'/'1234'); the only
    # `set` is the non-secret credentials revision, a string, which rolls the pods.
    assert "set_sensitive" not in rel
    assert rel["set"] == [
        {
            "name": "auth.existingSecretVersion",
            "type": "string",
            "value": "${terraform_data.Warehouse_CredentialsRevision_AD3ADA2E.id}",
        }
    ]
    (rev,) = single["resource"]["terraform_data"].values()
    assert rev["triggers_replace"] == {"username": "admin", "password": "${var.analytics_admin_password}"}
    values = _values(rel)
    assert values["auth"]["existingSecret"] == "analytics-admin"
    assert values["replicaCount"] == 1 and values["clustering"]["enabled"] is False
    assert values["fullnameOverride"] == "analytics"
    assert values["operationalProfile"] == "Standard" and values["storage"]["size"] == "100Gi"
    assert "password" not in values["auth"]


def test_single_node_namespace_and_admin_secret(single):
    ns = _one(single, "kubernetes_namespace_v1")
    assert ns["metadata"]["name"] == "datawarehouse" and ns["lifecycle"] == {"prevent_destroy": True}
    secret = _one(single, "kubernetes_secret_v1")
    assert secret["metadata"]["name"] == "analytics-admin" and secret["metadata"]["namespace"] == "datawarehouse"
    # The chart's auth.secretKeys defaults name the keys the pods read.
    chart_keys = yaml.safe_load(chart_path().joinpath("values.yaml").read_text())["auth"]["secretKeys"]
    assert secret["data"] == {
        chart_keys["username"]: "admin",
        chart_keys["password"]: "${var.analytics_admin_password}",
    }
    assert secret["depends_on"] == ["kubernetes_namespace_v1.Warehouse_Namespace_78ED5B58"]


def test_existing_namespace_and_admin_secret_create_nothing():
    from cdktf import TerraformVariable
    from cdktf_cdktf_provider_helm.provider import HelmProvider

    stack = TerraformStack(Testing.app(), "s")
    HelmProvider(stack, "Helm")
    pw = TerraformVariable(stack, "pw", type="string", sensitive=True)
    ca = TerraformVariable(stack, "ca", type="string")
    DataWarehouseCluster(
        stack,
        "Dw",
        name="dw",
        endpoint=IN_CLUSTER,
        create_namespace=False,
        admin_secret_name="dw-creds",
        admin_password=pw.string_value,
        release_wait=False,
        tls_ca_cert_pem=ca.string_value,
    )
    doc = json.loads(Testing.synth(stack))
    # No kubernetes provider needed: nothing of Kubernetes is written or read (the CA is given).
    assert sorted(doc["resource"]) == ["datawarehouse_instance", "helm_release", "terraform_data"]
    assert "data" not in doc and doc["provider"]["datawarehouse"][0]["ca_cert_pem"] == "${var.ca}"
    rel = _one(doc, "helm_release")
    assert _values(rel)["auth"]["existingSecret"] == "dw-creds" and rel["wait"] is False
    assert "depends_on" not in rel


def test_single_node_provider_and_instance(single):
    (provider,) = single["provider"]["datawarehouse"]
    # Where Terraform reaches the server is the deployer's choice (variables, no silent in-cluster
    # default), and the chart's self-signed certificate is verified against the CA read from the
    # chart's Secret once the release exists (test_release_renders_with_real_helm: that Secret).
    (ca_source,) = single["data"]["kubernetes_secret_v1"]
    assert provider == {
        "alias": "analytics",
        "host": "${var.analytics_endpoint_host}",
        "port": "${var.analytics_endpoint_port}",
        "username": "admin",
        "password": "${var.analytics_admin_password}",
        "tls_enabled": True,
        "tls_skip_verify": False,
        "ca_cert_pem": f'${{data.kubernetes_secret_v1.{ca_source}.data["ca.crt"]}}',
    }
    assert "default" not in single["variable"]["analytics_endpoint_host"]
    assert single["data"]["kubernetes_secret_v1"][ca_source]["depends_on"] == [
        "helm_release.Warehouse_Release_21FA0990"
    ]
    inst = _one(single, "datawarehouse_instance")
    assert inst["provider"] == "datawarehouse.analytics"
    assert inst["depends_on"] == ["helm_release.Warehouse_Release_21FA0990"]
    assert inst["lifecycle"] == {"prevent_destroy": True}
    assert inst["replication_factor"] == 1 and inst["storage_size_gb"] == 100


def test_single_node_user_policy_outputs(single):
    user = _one(single, "datawarehouse_user")
    assert user["password"] == "${var.analytics_analyst_password}"
    assert single["variable"]["analytics_analyst_password"]["sensitive"] is True
    assert user["instance_id"] == "${datawarehouse_instance.Warehouse_Instance_800BFA9A.id}"
    policy = _one(single, "datawarehouse_policy")
    assert (policy["feature"], policy["intensity_level"], policy["cascade_strategy"]) == ("retention", 7, "inherit")
    assert sorted(single["output"]) == [
        "warehouse_admin_secret",
        "warehouse_endpoint_host",
        "warehouse_endpoint_port",
        "warehouse_instance_id",
    ]
    assert single["output"]["warehouse_admin_secret"]["value"]["name"] == "analytics-admin"


def test_addresses_are_stable(single):
    """Resource addresses are API: a rename replaces real infrastructure."""
    assert {t: sorted(v) for t, v in single["resource"].items()} == {
        "helm_release": ["Warehouse_Release_21FA0990"],
        "kubernetes_namespace_v1": ["Warehouse_Namespace_78ED5B58"],
        "kubernetes_secret_v1": ["Warehouse_AuthSecret_993FE280"],
        "terraform_data": ["Warehouse_CredentialsRevision_AD3ADA2E"],
        "datawarehouse_instance": ["Warehouse_Instance_800BFA9A"],
        "datawarehouse_user": ["Warehouse_Analyst_12396630"],
        "datawarehouse_policy": ["Warehouse_Retention_9590C1C0"],
    }
    assert {t: sorted(v) for t, v in single["data"].items()} == {"kubernetes_secret_v1": ["Warehouse_TlsCa_39F3E8E2"]}


def test_clustered_values(clustered):
    rel = _one(clustered, "helm_release")
    values = _values(rel)
    assert values["replicaCount"] == 3
    assert values["clustering"] == {"enabled": True, "antiAffinity": "hard"}
    assert values["storage"] == {"size": "500Gi", "storageClass": "fast-ssd"}
    assert values["resources"] == {"requests": {"cpu": "2", "memory": "8Gi"}}
    assert _one(clustered, "datawarehouse_instance")["replication_factor"] == 3
    assert Testing.to_have_resource_with_properties(
        json.dumps(clustered), "datawarehouse_plugin", {"plugin_id": "geo", "configuration": {"srid": "4326"}}
    )
    vde = _one(clustered, "datawarehouse_vde")
    assert (vde["block_size"], vde["compression_codec"], vde["encryption_enabled"]) == (65536, "lz4", True)
    assert vde["lifecycle"] == {"prevent_destroy": True}


def test_replicated_topology(replicated):
    topo = _one(replicated, "datawarehouse_replication_topology")
    assert topo["mode"] == "active-passive" and topo["sync_interval_seconds"] == 15
    assert topo["provider"] == "datawarehouse.dw-primary"
    assert topo["nodes"] == [
        {"host": "dw-primary.dw-primary.svc.cluster.local", "port": 5432, "role": "primary", "priority": 10},
        {"host": "dw-standby.dw-standby.svc.cluster.local", "port": 5432, "role": "replica", "priority": 100},
    ]
    assert [p["alias"] for p in replicated["provider"]["datawarehouse"]] == ["dw-primary", "dw-standby"]
    users = replicated["resource"]["datawarehouse_user"]
    assert sorted(u["password"] for u in users.values()) == [
        "${var.dw_primary_auditor_password}",
        "${var.dw_primary_etl_password}",
        "${var.dw_standby_etl_password}",
    ]
    assert len(replicated["output"]) == 8


@pytest.mark.parametrize("doc_name", ["single", "clustered", "replicated"])
def test_no_secret_literals(doc_name, request):
    """Every password-like attribute is a variable reference."""
    doc = request.getfixturevalue(doc_name)

    def walk(node, path=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if re.search(r"password|secret|token", k) and isinstance(v, str):
                    yield path + "." + k, v
                if k == "set_sensitive":
                    yield from ((path + ".set_sensitive", s["value"]) for s in v)
                yield from walk(v, path + "." + k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, f"{path}[{i}]")

    found = list(walk(doc))
    assert found, "expected password attributes to check"
    for path, value in found:
        if path.endswith("_key") or path.endswith("existingSecret"):
            continue
        assert re.fullmatch(r"\$\{var\.[a-z0-9_]+\}", value), (path, value)


@pytest.mark.parametrize("build", [build_single, build_clustered, build_replicated])
def test_deterministic(build, tmp_path):
    assert_deterministic(tmp_path, build)


@pytest.mark.parametrize("build,mode", [(build_single, "single"), (build_clustered, "clustered")])
def test_release_renders_with_real_helm(build, mode, tools, tmp_path):
    """The chart the release points at, with the values it passes, renders valid manifests."""
    stack_dir = synth_to(tmp_path, build)
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    rel = _one(doc, "helm_release")
    (stack_dir / "values.yaml").write_text(rel["values"][0])
    out = tools.run(
        tools.helm,
        "template",
        rel["name"],
        stack_dir / rel["chart"],
        "--namespace",
        rel["namespace"],
        "-f",
        stack_dir / "values.yaml",
    ).stdout
    objs = [o for o in yaml.safe_load_all(out) if o]
    for obj in objs:
        validate_manifest(obj)
    (sts,) = [o for o in objs if o["kind"] == "StatefulSet"]
    assert sts["metadata"]["name"] == rel["name"]
    assert sts["spec"]["replicas"] == _values(rel)["replicaCount"]
    services = {o["metadata"]["name"] for o in objs if o["kind"] == "Service"}
    assert rel["name"] in services, "the provider host <name>.<namespace>.svc must exist"
    # The chart makes no credentials Secret of its own: it reads the one the construct writes.
    (ours,) = doc["resource"]["kubernetes_secret_v1"].values()
    assert not [o for o in objs if o["kind"] == "Secret" and "password" in (o.get("data") or {})]
    refs = {
        (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
        for c in sts["spec"]["template"]["spec"]["containers"]
        for e in c.get("env") or []
        if "secretKeyRef" in (e.get("valueFrom") or {})
    }
    assert {(ours["metadata"]["name"], k) for k in ours["data"]} <= refs
    # The CA the provider verifies with is read from a Secret this chart renders, in the release's
    # namespace, holding a CA certificate under the key read (independent of our naming).
    (ca_source,) = doc["data"]["kubernetes_secret_v1"].values()
    (key,) = re.fullmatch(
        r'\$\{data\.kubernetes_secret_v1\.\w+\.data\["([^"]+)"\]\}', doc["provider"]["datawarehouse"][0]["ca_cert_pem"]
    ).groups()
    (tls,) = [o for o in objs if o["kind"] == "Secret" and o["metadata"]["name"] == ca_source["metadata"]["name"]]
    assert tls["metadata"]["namespace"] == ca_source["metadata"]["namespace"] == rel["namespace"]
    assert tls["type"] == "kubernetes.io/tls"
    ca_pem = base64.b64decode(tls["data"][key]).decode()
    assert ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert ca_pem != base64.b64decode(tls["data"]["tls.crt"]).decode()  # the CA, not the server certificate


# --- invalid input ---------------------------------------------------------------------------


def _stack(providers: bool = True):
    """A stack with the stack-default helm and kubernetes providers the cluster needs."""
    stack = TerraformStack(Testing.app(), "s")
    if providers:
        from cdktf_cdktf_provider_helm.provider import HelmProvider
        from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

        stack.helm, stack.kubernetes = HelmProvider(stack, "Helm"), KubernetesProvider(stack, "Kubernetes")
    return stack


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        (
            {"mode": ClusterMode.CLUSTERED, "replicas": 2},
            "replicas: got 2; allowed: an integer 3..15 in clustered mode",
        ),
        ({"replicas": 3}, "replicas: got 3; allowed: an integer 1..1 in single mode"),
        ({"mode": "ha"}, "mode: got 'ha'; allowed: one of 'single', 'clustered'"),
        ({"storage_size_gb": 0}, "storage_size_gb: got 0; allowed: an integer 1..65536"),
        ({"operational_profile": "Turbo"}, "operational_profile: got 'Turbo'"),
        (
            {"chart_values": {"replicaCount": 5}},
            "chart_values.replicaCount: got 5; allowed: a key the construct does not manage",
        ),
        (
            {"chart_values": {"auth": {"password": "hunter2"}}},
            "chart_values.auth.password: got '<literal hidden>'; allowed: a key the construct does not manage",
        ),
        ({"admin_password": "hunter2"}, "admin_password: got '<literal hidden>'"),
        (
            {"admin_secret_name": "dw-creds"},
            "admin_password: got None; allowed: a reference to the password in admin_secret_name",
        ),
        ({"replication_factor": 2}, "replication_factor: got 2; allowed: at most replicas (1)"),
        ({"namespace": "Data_WH"}, "namespace: got 'Data_WH'; allowed: a DNS-1123 label"),
        ({"anti_affinity": "strict"}, "anti_affinity: got 'strict'; allowed: one of 'soft', 'hard'"),
        ({"release_timeout_seconds": 5}, "release_timeout_seconds: got 5; allowed: an integer 60..3600"),
        ({"helm_provider": "helm"}, "helm_provider: got 'str'; allowed: a HelmProvider (provider 'helm')"),
        ({"kubernetes_provider": object()}, "kubernetes_provider: got 'object'; allowed: a KubernetesProvider"),
    ],
)
def test_cluster_rejects(kwargs, expected):
    stack = _stack()
    with pytest.raises(PropsError) as err:
        DataWarehouseCluster(stack, "Dw", name="dw", **{"endpoint": IN_CLUSTER, **kwargs})
    msg = str(err.value)
    assert msg.startswith("Invalid props for DataWarehouseCluster at 's/Dw':"), msg
    assert expected in msg
    assert "hunter2" not in msg
    assert stack.node.try_find_child("Dw") is None


def test_cluster_rejects_a_provider_of_another_type():
    stack = _stack()
    with pytest.raises(PropsError) as err:
        DataWarehouseCluster(
            stack, "Dw", name="dw", endpoint=IN_CLUSTER, helm_provider=stack.kubernetes, kubernetes_provider=stack.helm
        )
    msg = str(err.value)
    assert "helm_provider: got 'KubernetesProvider'; allowed: a HelmProvider (provider 'helm')" in msg
    assert "kubernetes_provider: got 'HelmProvider'; allowed: a KubernetesProvider (provider 'kubernetes')" in msg


def test_cluster_needs_the_providers_of_what_it_creates():
    """cdktf cannot synthesize a resource without its provider construct; say so at construction."""
    with pytest.raises(PropsError) as err:
        DataWarehouseCluster(_stack(providers=False), "Dw", name="dw", endpoint=IN_CLUSTER)
    msg = str(err.value)
    assert "helm_provider: got None; allowed: a HelmProvider object, or a HelmProvider created in the stack" in msg
    assert "kubernetes_provider: got None; allowed: a KubernetesProvider object" in msg


@pytest.fixture()
def cluster():
    return DataWarehouseCluster(_stack(), "Dw", name="dw", endpoint=IN_CLUSTER)


@pytest.mark.parametrize(
    "verb,kwargs,expected",
    [
        (
            "add_vde",
            {"name": "v", "block_size": 1000},
            "block_size: got 1000; allowed: a power of two between 512 and 1048576",
        ),
        ("add_vde", {"name": "v", "compression_codec": "brotli"}, "compression_codec: got 'brotli'"),
        ("add_vde", {"name": "v", "replication_mode": "eventual"}, "replication_mode: got 'eventual'"),
        ("add_user", {"username": "u", "password": "pw"}, "password: got '<literal hidden>'"),
        ("add_user", {"username": "u", "roles": "admin"}, "roles: got 'admin'"),
        (
            "add_policy",
            {"name": "p", "target_path": "finance", "feature": "audit"},
            "target_path: got 'finance'; allowed: an absolute path",
        ),
        (
            "add_policy",
            {"name": "p", "target_path": "/", "feature": "audit", "intensity_level": 11},
            "intensity_level: got 11; allowed: an integer 1..10",
        ),
        ("add_policy", {"name": "p", "target_path": "/", "feature": "speed"}, "feature: got 'speed'"),
        (
            "add_plugin",
            {"plugin_id": "geo", "configuration": {"srid": 4326}},
            "configuration: got {'srid': 4326}; allowed: a dict of str to str",
        ),
    ],
)
def test_children_reject(cluster, verb, kwargs, expected):
    with pytest.raises(PropsError) as err:
        getattr(cluster, verb)("Child", **kwargs)
    assert "at 's/Dw/Child'" in str(err.value)
    assert expected in str(err.value)


def test_topology_rejects(cluster):
    with pytest.raises(PropsError, match=r"nodes: got .*; allowed: at least 2 endpoints"):
        cluster.replicate_to("Alone")
    with pytest.raises(PropsError, match=r"nodes: got .*; allowed: distinct host:port pairs"):
        cluster.replicate_to("Self", Endpoint(host="dw.datawarehouse.svc.cluster.local"))
    with pytest.raises(PropsError, match=r"sync_interval_seconds: got 0"):
        cluster.replicate_to("Fast", Endpoint(host="b"), sync_interval_seconds=0)
    with pytest.raises(PropsError, match=r"exactly one 'primary' in active-passive mode"):
        cluster.replicate_to("TwoPrimaries", Endpoint(host="b", role=NodeRole.PRIMARY))


def test_active_active_makes_every_member_primary(cluster):
    topo = cluster.replicate_to("AA", Endpoint(host="b"), Endpoint(host="c"), mode=TopologyMode.ACTIVE_ACTIVE)
    assert [n.role for n in topo.props.nodes] == [NodeRole.PRIMARY] * 3


def test_vde_requires_a_cluster():
    with pytest.raises(PropsError, match=r"cluster: got 'str'; allowed: a DataWarehouseCluster"):
        ReplicatedVde(_stack(), "Vde", cluster="dw", name="v")


# --- subclassing, opt-outs and lookups -------------------------------------------------------


class TunedCluster(DataWarehouseCluster):
    """A platform team's subclass: extra pod annotations, instance replication forced to 2."""

    def build_chart_values(self, props):
        values = super().build_chart_values(props)
        values["podAnnotations"] = {"team": "platform"}
        return values

    def build_instance_props(self, props):
        return dataclasses.replace(super().build_instance_props(props), replication_factor=2)


def test_subclass_hooks_and_children():
    stack = _stack()
    dw = TunedCluster(stack, "Dw", name="dw", endpoint=IN_CLUSTER, mode=ClusterMode.CLUSTERED)
    dw.add_vde("Vde", name="v")
    doc = json.loads(Testing.synth(stack))
    assert _values(_one(doc, "helm_release"))["podAnnotations"] == {"team": "platform"}
    assert _one(doc, "datawarehouse_instance")["replication_factor"] == 2
    assert _one(doc, "datawarehouse_vde")["instance_id"].startswith("${datawarehouse_instance.Dw_Instance_")


def test_subclass_hook_result_is_validated():
    class Broken(DataWarehouseCluster):
        def build_instance_props(self, props):
            return dataclasses.replace(super().build_instance_props(props), replication_factor=0)

    with pytest.raises(PropsError, match=r"instance\.replication_factor: got 0"):
        Broken(_stack(), "Dw", name="dw", endpoint=IN_CLUSTER)


def test_prevent_destroy_opt_out_and_existing_secret():
    stack = _stack()
    from cdktf import TerraformVariable

    pw = TerraformVariable(stack, "pw", type="string", sensitive=True)
    DataWarehouseCluster(
        stack,
        "Dw",
        name="dw",
        endpoint=IN_CLUSTER,
        prevent_destroy=False,
        admin_secret_name="dw-creds",
        admin_password=pw.string_value,
        tls_secret_name="dw-tls",
    )
    doc = json.loads(Testing.synth(stack))
    rel = _one(doc, "helm_release")
    assert "lifecycle" not in rel and "lifecycle" not in _one(doc, "datawarehouse_instance")
    assert "set_sensitive" not in rel
    assert _values(rel)["auth"]["existingSecret"] == "dw-creds"
    # A certificate of the user's PKI: verified against the system trust store, nothing read.
    assert doc["provider"]["datawarehouse"][0]["tls_skip_verify"] is False
    assert "ca_cert_pem" not in doc["provider"]["datawarehouse"][0] and "data" not in doc
    assert list(doc["variable"]) == ["pw"]


def test_lookups():
    stack = _stack()
    dw = DataWarehouseCluster(stack, "Dw", name="dw", endpoint=IN_CLUSTER)
    status = dw.status()
    dw.capabilities()
    dw.plugin_catalog()
    TerraformOutput(stack, "nodes", value=status.node_count)
    TerraformOutput(stack, "health", value=status.health)
    doc = json.loads(Testing.synth(stack))
    data = doc["data"]
    (st_id,) = data["datawarehouse_instance_status"]
    # the lookup's values are references to the data source's attributes, read at plan time
    assert doc["output"]["nodes"]["value"] == f"${{data.datawarehouse_instance_status.{st_id}.node_count}}"
    assert doc["output"]["health"]["value"] == f"${{data.datawarehouse_instance_status.{st_id}.health}}"
    (st,) = data["datawarehouse_instance_status"].values()
    assert st["instance_id"].startswith("${datawarehouse_instance.Dw_Instance_")
    assert st["provider"] == "datawarehouse.dw"
    assert set(data) == {
        "datawarehouse_instance_status",
        "datawarehouse_capabilities",
        "datawarehouse_plugin_catalog",
        "kubernetes_secret_v1",
    }


def test_lookups_of_servers_managed_elsewhere(tools, tmp_path):
    """The classmethod lookups need only a provider; the result is valid for real tofu."""
    from dw_constructs.datawarehouse import DataWarehouseProvider

    def build(app):
        stack = TerraformStack(app, "lookups")
        provider = DataWarehouseProvider(stack, "Remote", host="dw.example.internal", alias="remote")
        status = DataWarehouseCluster.lookup_status(stack, "Status", instance_id="wh-123", provider=provider.resource)
        caps = DataWarehouseCluster.lookup_capabilities(stack, "Caps", provider=provider.resource)
        catalog = DataWarehouseCluster.lookup_plugin_catalog(stack, "Catalog", provider=provider.resource)
        from cdktf import TerraformOutput

        TerraformOutput(stack, "health", value=status.health)
        TerraformOutput(stack, "formats", value=caps.formats)
        TerraformOutput(stack, "first_plugin", value=catalog.plugin(0).version)
        return stack

    stack_dir = synth_to(tmp_path, build)
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    assert doc["data"]["datawarehouse_instance_status"]["Status"]["instance_id"] == "wh-123"
    assert doc["output"]["health"]["value"] == "${data.datawarehouse_instance_status.Status.health}"
    assert doc["output"]["first_plugin"]["value"] == "${data.datawarehouse_plugin_catalog.Catalog.plugins[0].version}"
    assert tools.tofu_validate(stack_dir)["valid"] is True
