"""``chart_values`` cannot contradict the construct (issue 13, item 6), and no error message shows a
secret (item 10).

The completeness oracle is the chart itself, rendered by real helm: for every value the chart
documents (values.yaml), an override is rendered over the values the construct generates, and
whatever changes how a client reaches and trusts the server (the chart's own ``helm test`` client:
host, port, TLS mode, credentials Secret and keys; the Service port; the certificate Secret the
pods mount) must be rejected by the construct, since the provider configuration and the
construct's resources are derived from its props, not from those values."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from cdktf import TerraformStack, Testing

from dw_constructs import PropsError
from dw_constructs.charts import chart_path
from dw_constructs.datawarehouse import DataWarehouseCluster, ProviderEndpoint
from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.errors import Problem

CHART_VALUES = yaml.safe_load(chart_path().joinpath("values.yaml").read_text())
NAME, NAMESPACE = "analytics", "datawarehouse"
PROPS = m.ClusterProps(name=NAME, endpoint=ProviderEndpoint.in_cluster(), namespace=NAMESPACE)


def _stack() -> TerraformStack:
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    stack = TerraformStack(Testing.app(), "s")
    HelmProvider(stack, "Helm")
    KubernetesProvider(stack, "Kubernetes")
    return stack


def _rejected(**kwargs) -> str:
    with pytest.raises(PropsError) as err:
        DataWarehouseCluster(_stack(), "Dw", name="dw", endpoint=ProviderEndpoint.in_cluster(), **kwargs)
    return str(err.value)


def _leaves(values: dict, prefix: str = ""):
    for key, val in values.items():
        if isinstance(val, dict) and val:
            yield from _leaves(val, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", val


def _changed(value):
    """Another value of the same type (None: no obvious one; the key is skipped)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x" if value else "x1"
    return None


def _nested(path: str, value) -> dict:
    out: dict = {}
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def _client_contract(tools, tmp_path, overrides: dict | None) -> tuple | None:
    """What a client of the release depends on, as rendered by real helm (None: helm refuses the
    values, e.g. an enum value the schema does not allow)."""
    base = tmp_path / "base.yaml"
    if not base.exists():
        base.write_text(yaml.safe_dump(m.chart_values(PROPS)))
    args = [tools.helm, "template", NAME, chart_path(), "--namespace", NAMESPACE, "-f", base]
    if overrides is not None:
        over = tmp_path / f"over-{abs(hash(yaml.safe_dump(overrides)))}.yaml"
        over.write_text(yaml.safe_dump(overrides))
        args += ["-f", over]
    res = tools.run(*args, check=False)
    if res.returncode != 0:
        return None
    objs = [o for o in yaml.safe_load_all(res.stdout) if o]
    (test_pod,) = [o for o in objs if o["kind"] == "Pod"]
    env = test_pod["spec"]["containers"][0]["env"]
    client = sorted(
        (e["name"], e.get("value"), repr(e.get("valueFrom")))
        for e in env
        if e["name"] in ("PGHOST", "PGPORT", "PGSSLMODE", "PGUSER", "PGPASSWORD")
    )
    host = next(e["value"] for e in env if e["name"] == "PGHOST")
    service_ports = sorted(
        (o["metadata"]["name"], p["name"], p["port"])
        for o in objs
        if o["kind"] == "Service"
        for p in o["spec"]["ports"]
        if o["metadata"]["name"] == host.split(".")[0]
    )
    (sts,) = [o for o in objs if o["kind"] == "StatefulSet"]
    pod = sts["spec"]["template"]["spec"]
    tls_mounts = sorted(
        (v.get("secret") or {}).get("secretName", "") for v in pod.get("volumes") or [] if v["name"] == "tls"
    )
    creds = sorted(
        repr(e["valueFrom"])
        for c in pod["containers"]
        for e in c.get("env") or []
        if "secretKeyRef" in (e.get("valueFrom") or {})
    )
    return tuple(client), tuple(service_ports), tuple(tls_mounts), tuple(creds)


def test_every_chart_value_a_client_depends_on_is_rejected(tools, tmp_path):
    baseline = _client_contract(tools, tmp_path, None)
    assert baseline is not None
    candidates = [(path, _changed(val)) for path, val in _leaves(CHART_VALUES) if _changed(val) is not None]
    with ThreadPoolExecutor(max_workers=2) as pool:
        contracts = list(pool.map(lambda c: _client_contract(tools, tmp_path, _nested(*c)), candidates))
    contradicting = [
        (path, val)
        for (path, val), contract in zip(candidates, contracts, strict=True)
        if contract is not None and contract != baseline
    ]
    # The oracle sees what it must (a broken extractor would find nothing).
    assert {"service.port", "clusterDomain", "tls.secretName", "tls.enabled", "auth.existingSecret"} <= {
        p for p, _ in contradicting
    }, contradicting
    for path, val in contradicting:
        problems = m.validate_cluster(
            m.ClusterProps(
                name=NAME, endpoint=ProviderEndpoint.in_cluster(), namespace=NAMESPACE, chart_values=_nested(path, val)
            )
        )
        assert any(q.prop == f"chart_values.{path}" for q in problems), (path, val, problems)


@pytest.mark.parametrize(
    "chart_values,expected",
    [
        (
            {"tls": {"secretName": "mine"}},
            "chart_values.tls.secretName: got 'mine'; allowed: a key the construct does "
            "not manage: use tls_secret_name",
        ),
        (
            {"clusterDomain": "corp.example"},
            "chart_values.clusterDomain: got 'corp.example'; allowed: a key the "
            "construct does not manage: use cluster_domain",
        ),
        (
            {"service": {"port": 6432}},
            "chart_values.service.port: got 6432; allowed: a key the construct does not manage: it stays 5432",
        ),
        ({"auth": {"username": "root"}}, "chart_values.auth.username: got '<literal hidden>'"),
        ({"auth": {"secretKeys": {"password": "pw"}}}, "chart_values.auth.secretKeys.password: got '<literal hidden>'"),
        ({"nameOverride": "dwh"}, "chart_values.nameOverride: got 'dwh'"),
        (
            {"tls": None},
            "chart_values.tls: got None; allowed: a mapping: it holds keys the construct manages "
            "(tls.enabled, tls.secretName)",
        ),
    ],
)
def test_managed_chart_values_are_rejected(chart_values, expected):
    assert expected in _rejected(chart_values=chart_values)


def test_unmanaged_chart_values_are_merged():
    """What the construct does not depend on stays the user's: e.g. a LoadBalancer in front."""
    import json

    stack = _stack()
    DataWarehouseCluster(
        stack,
        "Dw",
        name="dw",
        endpoint=ProviderEndpoint(host="dw.example.com"),
        chart_values={
            "service": {"type": "LoadBalancer", "annotations": {"a": "b"}},
            "tls": {"generatedValidityDays": 30},
        },
    )
    (rel,) = json.loads(Testing.synth(stack))["resource"]["helm_release"].values()
    values = yaml.safe_load(rel["values"][0])
    assert values["service"] == {"type": "LoadBalancer", "annotations": {"a": "b"}, "port": 5432}
    assert values["tls"]["generatedValidityDays"] == 30 and values["tls"]["enabled"] is True


# --- 10. no secret in a message ------------------------------------------------------------------


@pytest.mark.parametrize(
    "chart_values",
    [
        {"auth": {"password": "hunter2"}},
        {"auth": "hunter2"},
        {"auth": {"existingSecret": "x", "password": "hunter2"}},
        {1: "not a string key", "extra": {"db": {"password": "hunter2"}}},
    ],
    ids=["auth.password", "auth-string", "auth-mapping", "whole-mapping-echoed"],
)
def test_a_literal_secret_is_never_echoed(chart_values):
    msg = _rejected(chart_values=chart_values)
    assert "hunter2" not in msg
    assert "<literal hidden>" in msg


def test_problems_hide_secret_values_wherever_they_are_built():
    """The rule sits in Problem itself, so every construct's messages and ``PropsError.problems``
    are covered (names that point at a secret stay visible)."""
    assert Problem("backup.secret_access_key", "AKIA-secret", "x").value == "<literal hidden>"
    assert Problem("nodes", [{"host": "h", "password": "hunter2"}], "x").value == [
        {"host": "h", "password": "<literal hidden>"}
    ]
    assert Problem("admin_password", None, "x").value is None
    assert Problem("tls_secret_name", "dw-tls", "x").value == "dw-tls"
    assert Problem("extraEnv", "-----BEGIN RSA PRIVATE KEY-----\nMIIB", "x").value == "<literal hidden>"
    assert "hunter2" not in str(PropsError("T", "s/x", [Problem("password", "hunter2", "a reference")]))
