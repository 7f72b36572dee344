"""A CnpgPostgisCluster registered as a DeltaStream PostgreSQL store (examples/deltastream_cnpg):
the synthesized wiring, and a real plan with the real kubernetes provider against the test API
server (the application Secret as CloudNativePG would have written it) and the real deltastream
provider offline. The CNPG operator is not installed (``install_operator=False``: no helm, no
pods), so nothing reconciles the Cluster; the Secret is created by the test as the operator
would. DeltaStream is not reachable: nothing is applied."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from cdktf import Testing

from dw_constructs.errors import PropsError
from tests.deltastream.support import Tofu, actions, changes_of_type, synth
from tests.support.crds import crds_for_groups

NAMESPACE = "ds-cnpg-example"
PASSWORD = "password-from-the-app-secret"
OVERRIDES = dict(install_operator=False, cluster_namespace=NAMESPACE, create_namespace=False, prevent_destroy=False)


def _build(app):
    from examples.deltastream_cnpg.main import build

    return build(app, **OVERRIDES)


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(Testing.synth(_build(Testing.app())))


def test_store_reads_endpoint_and_credentials_from_the_cluster(doc):
    (secret,) = doc["data"]["kubernetes_secret_v1"].values()
    assert secret["metadata"] == {"name": "places-db-app", "namespace": NAMESPACE}
    store = [s for s in doc["resource"]["deltastream_store"].values() if "postgres" in s][0]
    addr = "data.kubernetes_secret_v1.PlacesStoreAppSecret"
    assert store["postgres"] == {
        "uris": "postgresql://${var.places_db_host}:5432/places",
        "username": f'${{sensitive(try({addr}.data.username, ""))}}',
        "password": f'${{sensitive(try({addr}.data.password, ""))}}',
    }
    assert doc["variable"]["places_db_host"]["default"] == f"places-db-rw.{NAMESPACE}.svc.cluster.local"
    (pre,) = store["lifecycle"]["precondition"]
    assert "does not exist yet: apply the cluster first" in pre["error_message"]


def test_no_literal_credentials(doc):
    text = json.dumps(doc)
    assert PASSWORD not in text


def test_helper_needs_a_cluster_object():
    from cdktf import TerraformStack

    from dw_constructs.deltastream import DeltaStreamProvider, cnpg_postgres_store

    st = TerraformStack(Testing.app(), "x")
    DeltaStreamProvider(st, "P")
    with pytest.raises(PropsError) as info:
        cnpg_postgres_store(st, "Pg", cluster="places-db")
    assert info.value.problems[0].prop == "cluster" and "a CnpgPostgisCluster" in str(info.value)


@pytest.fixture(scope="module")
def cluster_api(kube_api):
    kube_api.apply_crds(crds_for_groups("postgresql.cnpg.io"))
    kube_api.create_namespace(NAMESPACE)
    yield kube_api
    with contextlib.suppress(Exception):  # cleanup only
        kube_api.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}")


def _tofu(tools, api, tmp_path) -> Tofu:
    return Tofu(
        tools,
        synth(tmp_path, _build),
        {"kubeconfig_path": str(api.workdir / "kubeconfig"), "kafka_sasl_password": "kafka-password"},
        offline=False,
        env={"KUBE_CONFIG_PATH": str(api.workdir / "kubeconfig")},
    )


def test_plan_fails_clearly_before_the_cluster_exists(tools, cluster_api, tmp_path):
    res = _tofu(tools, cluster_api, tmp_path).plan(check=False)
    assert res.returncode == 1
    out = res.stdout + res.stderr
    assert f"The application Secret {NAMESPACE}/places-db-app" in out and "apply the cluster first" in out
    assert PASSWORD not in out


def test_plan_with_the_cluster_up(tools, cluster_api, tmp_path):
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/basic-auth",
        "metadata": {"name": "places-db-app", "namespace": NAMESPACE},
        "data": {
            k: base64.b64encode(v.encode()).decode()
            for k, v in {"username": "places", "password": PASSWORD, "dbname": "places"}.items()
        },
    }
    cluster_api.create(secret, NAMESPACE)
    try:
        tofu = _tofu(tools, cluster_api, tmp_path)
        assert tofu.validate()["valid"] is True
        plan = tofu.plan()
    finally:
        cluster_api.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}/secrets/places-db-app")
    acts = actions(plan)
    creates = sorted(a.split(".")[0] for a, x in acts.items() if x == ["create"])
    assert creates.count("kubernetes_manifest") == 2  # the Cluster and its PostGIS Database
    for rtype, n in (
        ("deltastream_store", 2),
        ("deltastream_database", 1),
        ("deltastream_object", 2),
        ("deltastream_query", 1),
    ):
        assert creates.count(rtype) == n, (rtype, creates)
    stores = changes_of_type(plan, "deltastream_store")
    (pg,) = [r for r in stores.values() if r["change"]["after"].get("postgres")]
    after = pg["change"]["after"]["postgres"]
    # read from the Secret at plan time (known now), hidden in the plan's display
    assert after["username"] == "places" and after["password"] == PASSWORD
    assert after["uris"] == f"postgresql://places-db-rw.{NAMESPACE}.svc.cluster.local:5432/places"
    assert pg["change"]["after_sensitive"]["postgres"]["password"] is True
