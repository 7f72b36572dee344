"""The chart installed and upgraded with real helm against a real API server (no nodes: pods
never run, but every object is created, and `lookup` sees the live Secrets)."""

from __future__ import annotations

import base64

import pytest

from dw_constructs.charts import chart_path

NS = "dw-install"
RELEASE = "dwi"


@pytest.fixture(scope="module")
def helm(tools, kube_api):
    kubeconfig = kube_api.workdir / "kubeconfig"

    def run(*args: str, check: bool = True):
        return tools.run(tools.helm, *args, "--kubeconfig", str(kubeconfig), check=check)

    return run


def _secret(kube_api, name: str) -> dict[str, str]:
    data = kube_api.get(f"/api/v1/namespaces/{NS}/secrets/{name}")["data"]
    return {k: base64.b64decode(v).decode() for k, v in data.items()}


@pytest.fixture(scope="module")
def installed(helm, kube_api):
    helm("install", RELEASE, str(chart_path()), "--namespace", NS, "--create-namespace")
    yield
    helm("uninstall", RELEASE, "--namespace", NS, check=False)


def test_install_creates_the_objects(installed, kube_api):
    sts = kube_api.get(f"/apis/apps/v1/namespaces/{NS}/statefulsets/{RELEASE}-datawarehouse")
    assert sts["spec"]["replicas"] == 1
    svc = kube_api.get(f"/api/v1/namespaces/{NS}/services/{RELEASE}-datawarehouse")
    assert [p["port"] for p in svc["spec"]["ports"]] == [5432]


def test_upgrade_keeps_generated_password_and_certificate(installed, helm, kube_api):
    auth, tls = _secret(kube_api, f"{RELEASE}-datawarehouse-auth"), _secret(kube_api, f"{RELEASE}-datawarehouse-tls")
    assert len(auth["password"]) == 32
    helm("upgrade", RELEASE, str(chart_path()), "--namespace", NS, "--set-string", "podAnnotations.rollme=1")
    assert _secret(kube_api, f"{RELEASE}-datawarehouse-auth") == auth, "lookup must keep the password"
    assert _secret(kube_api, f"{RELEASE}-datawarehouse-tls") == tls, "lookup must keep the certificate"


def test_upgrade_with_a_given_password_sets_it(installed, helm, kube_api):
    helm("upgrade", RELEASE, str(chart_path()), "--namespace", NS, "--set", "auth.password=from-terraform")
    assert _secret(kube_api, f"{RELEASE}-datawarehouse-auth")["password"] == "from-terraform"


def test_schema_rejects_before_anything_is_applied(installed, helm):
    res = helm("upgrade", RELEASE, str(chart_path()), "--namespace", NS, "--set", "operationalProfile=Turbo",
               check=False)
    assert res.returncode != 0 and "operationalProfile" in res.stderr
