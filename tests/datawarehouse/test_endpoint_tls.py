"""How Terraform reaches the DataWarehouse server (``endpoint``) and how the provider verifies it
(issue 13, items 1 and 2). Oracles: the chart's own client (its ``helm test`` pod, rendered by real
helm) for the in-cluster address, real OpenTofu with the schema-serving provider for the
configuration, and the policy pack for the TLS opt-out."""

from __future__ import annotations

import json

import pytest
import yaml
from cdktf import TerraformStack, TerraformVariable, Testing

from dw_constructs import PropsError
from dw_constructs.datawarehouse import DataWarehouseCluster, DataWarehouseProvider, ProviderEndpoint
from dw_constructs.governance.inputs import from_documents
from dw_constructs.governance.policies import run_policies
from tests.support.synth import synth_to

CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAA\n-----END CERTIFICATE-----\n"
KEY_PEM = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n"


def _stack(app=None, id: str = "s") -> TerraformStack:
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    stack = TerraformStack(app or Testing.app(), id)
    HelmProvider(stack, "Helm")
    KubernetesProvider(stack, "Kubernetes")
    return stack


def _synth(stack) -> dict:
    return json.loads(Testing.synth(stack))


def _rejected(**kwargs) -> str:
    stack = _stack()
    with pytest.raises(PropsError) as err:
        DataWarehouseCluster(stack, "Dw", **{"name": "dw", **kwargs})
    assert stack.node.try_find_child("Dw") is None
    return str(err.value)


# --- 1. reaching the server ------------------------------------------------------------------


def test_endpoint_is_required_no_silent_in_cluster_default():
    """The in-cluster DNS name resolves only inside the cluster: the user must say where Terraform runs.
    The signature requires it (type checkers and Python say so); None is a PropsError that explains."""
    with pytest.raises(TypeError, match="required keyword-only argument: 'endpoint'"):
        DataWarehouseCluster(_stack(), "Dw", name="dw")  # type: ignore[call-arg]
    msg = _rejected(endpoint=None)
    assert "endpoint: got None; allowed: a ProviderEndpoint saying how Terraform reaches the server" in msg
    assert "ProviderEndpoint.in_cluster() when Terraform runs inside the Kubernetes cluster" in msg


def test_external_endpoint_is_what_the_provider_uses():
    stack = _stack()
    dw = DataWarehouseCluster(stack, "Dw", name="dw", endpoint=ProviderEndpoint(host="dw.example.com", port=15432))
    doc = _synth(stack)
    (provider,) = doc["provider"]["datawarehouse"]
    assert (provider["host"], provider["port"]) == ("dw.example.com", 15432)
    assert (dw.provider_endpoint.host, dw.provider_endpoint.port) == ("dw.example.com", 15432)
    # endpoint / the outputs stay the in-cluster Service address (what replication peers use).
    assert doc["output"]["dw_endpoint_host"]["value"] == dw.endpoint.host == "dw.datawarehouse.svc.cluster.local"
    assert doc["output"]["dw_endpoint_port"]["value"] == dw.endpoint.port == 5432


def test_endpoint_accepts_references_and_validates_with_tofu(tools, tmp_path):
    def build(app):
        stack = _stack(app, "ref")
        host = TerraformVariable(stack, "dw_host", type="string")
        port = TerraformVariable(stack, "dw_port", type="number", default=5432)
        DataWarehouseCluster(
            stack, "Dw", name="dw", endpoint=ProviderEndpoint(host=host.string_value, port=port.number_value)
        )
        return stack

    stack_dir = synth_to(tmp_path, build)
    (provider,) = json.loads((stack_dir / "cdk.tf.json").read_text())["provider"]["datawarehouse"]
    assert (provider["host"], provider["port"]) == ("${var.dw_host}", "${var.dw_port}")
    result = tools.tofu_validate(stack_dir)
    assert result["valid"] is True, result


@pytest.mark.parametrize("domain", ["cluster.local", "corp.example"])
def test_in_cluster_endpoint_is_the_address_of_the_charts_own_client(domain, tools, tmp_path):
    """The chart's ``helm test`` pod connects the way an in-cluster client does (PGHOST, PGPORT):
    the provider's in-cluster host and port are exactly that, for any cluster domain."""

    def build(app):
        stack = _stack(app, "incluster")
        DataWarehouseCluster(
            stack, "Dw", name="dw", namespace="wh", cluster_domain=domain, endpoint=ProviderEndpoint.in_cluster()
        )
        return stack

    stack_dir = synth_to(tmp_path, build)
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    (rel,) = doc["resource"]["helm_release"].values()
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
    (test_pod,) = [o for o in yaml.safe_load_all(out) if o and o["kind"] == "Pod"]
    env = {e["name"]: e.get("value") for e in test_pod["spec"]["containers"][0]["env"]}
    (provider,) = doc["provider"]["datawarehouse"]
    assert provider["host"] == env["PGHOST"]
    assert str(provider["port"]) == env["PGPORT"]


@pytest.mark.parametrize(
    "endpoint,expected",
    [
        ("dw.example.com", "endpoint: got 'str'; allowed: a ProviderEndpoint"),
        (ProviderEndpoint(), "endpoint.host: got None; allowed: the host Terraform connects to"),
        (ProviderEndpoint(host=""), "endpoint.host: got ''; allowed: a non-empty string"),
        (ProviderEndpoint(host="dw.example.com", port=70000), "endpoint.port: got 70000; allowed: an integer 1..65535"),
        (
            ProviderEndpoint(host="dw.example.com", in_cluster_dns=True),
            "endpoint.host: got 'dw.example.com'; allowed: None with in_cluster_dns",
        ),
        (
            ProviderEndpoint(port=15432, in_cluster_dns=True),
            "endpoint.port: got 15432; allowed: 5432 with in_cluster_dns",
        ),
    ],
)
def test_endpoint_rejects(endpoint, expected):
    assert expected in _rejected(endpoint=endpoint)


# --- 2. verifying the server -------------------------------------------------------------------


def test_generated_certificate_is_verified_against_the_charts_ca():
    stack = _stack()
    DataWarehouseCluster(stack, "Dw", name="dw", namespace="wh", endpoint=ProviderEndpoint.in_cluster())
    doc = _synth(stack)
    (provider,) = doc["provider"]["datawarehouse"]
    ((address, secret),) = doc["data"]["kubernetes_secret_v1"].items()
    assert provider["tls_skip_verify"] is False
    assert provider["ca_cert_pem"] == f'${{data.kubernetes_secret_v1.{address}.data["ca.crt"]}}'
    # the Secret the chart writes next to the release, read once the release exists
    assert secret["metadata"] == {"name": "dw-tls", "namespace": "wh"}
    assert secret["depends_on"] == [f"helm_release.{next(iter(doc['resource']['helm_release']))}"]
    assert not [v for v in run_policies(from_documents([doc])) if v.rule == "dw-tls"]


def test_skipping_verification_is_an_explicit_opt_in_the_policy_pack_reports():
    stack = _stack()
    DataWarehouseCluster(stack, "Dw", name="dw", endpoint=ProviderEndpoint.in_cluster(), tls_skip_verify=True)
    doc = _synth(stack)
    (provider,) = doc["provider"]["datawarehouse"]
    assert provider["tls_skip_verify"] is True and "ca_cert_pem" not in provider
    assert "data" not in doc  # nothing read for a CA nobody checks
    (violation,) = [v for v in run_policies(from_documents([doc])) if v.rule == "dw-tls"]
    assert violation.path.endswith("/provider.datawarehouse.dw")
    assert (violation.parameter, violation.value) == ("tls_skip_verify", True)


def test_given_ca_is_used_and_nothing_is_read_from_the_cluster():
    stack = _stack()
    DataWarehouseCluster(
        stack,
        "Dw",
        name="dw",
        endpoint=ProviderEndpoint(host="dw.example.com"),
        tls_secret_name="dw-pki",
        tls_ca_cert_pem=CA_PEM,
    )
    doc = _synth(stack)
    (provider,) = doc["provider"]["datawarehouse"]
    assert provider["ca_cert_pem"] == CA_PEM and provider["tls_skip_verify"] is False
    assert "data" not in doc
    assert not run_policies(from_documents([doc]), only=["dw-tls", "no-secret-literals"])  # a CA is not a secret


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        (
            {"tls_skip_verify": True, "tls_ca_cert_pem": CA_PEM},
            "tls_skip_verify: got True; allowed: False when tls_ca_cert_pem is given",
        ),
        (
            {"tls_enabled": False, "tls_skip_verify": True},
            "tls_skip_verify: got True; allowed: unset when tls_enabled is False",
        ),
        (
            {"tls_ca_cert_pem": "ca.pem"},
            "tls_ca_cert_pem: got 'ca.pem'; allowed: PEM text with a '-----BEGIN CERTIFICATE-----' block",
        ),
        ({"tls_skip_verify": "yes"}, "tls_skip_verify: got 'yes'; allowed: True or False"),
    ],
)
def test_tls_rejects(kwargs, expected):
    assert expected in _rejected(endpoint=ProviderEndpoint.in_cluster(), **kwargs)


def test_a_private_key_passed_as_the_ca_is_not_echoed():
    msg = _rejected(endpoint=ProviderEndpoint.in_cluster(), tls_ca_cert_pem=KEY_PEM)
    assert "tls_ca_cert_pem: got '<literal hidden>'" in msg and "PRIVATE KEY" not in msg and "MIGHAgEA" not in msg


def test_provider_construct_takes_a_ca():
    stack = TerraformStack(Testing.app(), "p")
    DataWarehouseProvider(stack, "Remote", host="dw.example.com", ca_cert_pem=CA_PEM, alias="remote")
    (provider,) = _synth(stack)["provider"]["datawarehouse"]
    assert provider["ca_cert_pem"] == CA_PEM and provider["tls_skip_verify"] is False
    with pytest.raises(PropsError, match="tls_skip_verify: got True; allowed: False when ca_cert_pem is given"):
        DataWarehouseProvider(stack, "Other", host="dw.example.com", ca_cert_pem=CA_PEM, tls_skip_verify=True)
