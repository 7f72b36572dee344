"""The construct layer: props errors (one PropsError, construct path, prop, value, allowed; no
child created), providers, lazy imports, defaults."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from cdktf import TerraformStack, Testing

from dw_constructs import PropsError
from dw_constructs.cnpg import BackupProps, CnpgPostgisCluster, EsoProps, Mode, OperatorProps
from tests.support.toolchain import ROOT


def _stack(providers: bool = True) -> TerraformStack:
    stack = TerraformStack(Testing.app(), "s")
    if providers:
        from cdktf_cdktf_provider_helm.provider import HelmProvider
        from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

        KubernetesProvider(stack, "k8s")
        HelmProvider(stack, "helm")
    return stack


INVALID = [
    ({"instances": 0}, "instances", 0, "an integer 1..16"),
    ({"storage_size": "10GB"}, "storage_size", "10GB", "a Kubernetes quantity"),
    (
        {"backup": {"enabled": True, "destination_path": "s3://b/x", "schedule": "0 2 * * *"}},
        "backup.schedule",
        "0 2 * * *",
        "6-field cron expression with seconds first",
    ),
    ({"backup": BackupProps(enabled=True)}, "backup.destination_path", None, "required when backup.enabled"),
    ({"eso": EsoProps(enabled=True)}, "eso.cluster_secret_store_name", None, "required when eso.enabled"),
    (
        {"mode": "render", "cluster_name": "namespace", "cluster_namespace": "cluster"},
        "cluster_name",
        "namespace",
        "render path does not collide",
    ),
    ({"mode": "gitops"}, "mode", "gitops", "'apply', 'render'"),
    ({"resources": {"memory_limit": "2GB"}}, "resources.memory_limit", "2GB", "a Kubernetes quantity"),
    ({"backup": {"destination": "s3://x"}}, "backup", ["destination"], "keys from enabled, destination_path"),
    ({"operator": {"wait": "yes"}}, "operator.wait", "yes", "True or False"),
    ({"operator": {"colour": "x"}}, "operator", ["colour"], "keys from namespace, create_namespace"),
    (
        {"operator": {"chart_source": {"repository": "ftp://m"}}},
        "operator.chart_source.repository",
        "ftp://m",
        "'oci://'",
    ),
    ({"operator_namespace": "Cnpg"}, "operator_namespace", "Cnpg", "DNS-1123 label"),
    ({"create_namespace": "no"}, "create_namespace", "no", "True or False"),
]


@pytest.mark.parametrize(
    "kwargs,prop,value,allowed", INVALID, ids=[f"{i}-{p}" for i, (_, p, _v, _a) in enumerate(INVALID)]
)
def test_rejects_bad_props(kwargs, prop, value, allowed):
    stack = _stack()
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "Db", **{"mode": "apply", **kwargs})
    msg = str(err.value)
    assert msg.startswith("Invalid props for CnpgPostgisCluster at 's/Db':"), msg
    assert re.search(rf"- {re.escape(prop)}: got {re.escape(repr(value))}; allowed: .*{re.escape(allowed)}", msg), msg
    assert stack.node.try_find_child("Db") is None, "nothing is created when props are invalid"


def test_invalid_derived_name_names_cluster_name():
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(_stack(), "9Lives", mode="apply")
    assert "cluster_name: got '9-lives'" in str(err.value)


def test_every_problem_in_one_error():
    with pytest.raises(ValueError) as err:
        CnpgPostgisCluster(
            _stack(),
            "Db",
            mode="apply",
            instances=0,
            storage_size="10GB",
            backup=BackupProps(enabled=True),
            eso=EsoProps(enabled=True),
        )
    assert [p.prop for p in err.value.problems] == [
        "instances",
        "storage_size",
        "eso.cluster_secret_store_name",
        "backup.destination_path",
    ]


def test_literal_secret_rejected_without_echo():
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(
            _stack(),
            "Db",
            mode="apply",
            backup=BackupProps(enabled=True, destination_path="s3://b/x", access_key_id="AKIAEXAMPLEKEY"),
        )
    assert "AKIAEXAMPLEKEY" not in str(err.value)
    assert "backup.access_key_id: got '<literal hidden>'" in str(err.value)


def test_apply_mode_needs_providers():
    stack = _stack(providers=False)
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "Db", mode=Mode.APPLY)
    assert [p.prop for p in err.value.problems] == ["kubernetes_provider", "helm_provider"]
    assert "creates no provider configuration of its own" in str(err.value)
    assert stack.node.try_find_child("Db") is None


def test_provider_problems_come_with_the_others():
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(_stack(providers=False), "Db", mode="apply", instances=0)
    assert [p.prop for p in err.value.problems] == ["instances", "kubernetes_provider", "helm_provider"]


def test_helm_provider_not_needed_without_charts():
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    stack = _stack(providers=False)
    k8s = KubernetesProvider(stack, "k8s")
    db = CnpgPostgisCluster(stack, "Db", mode="apply", install_operator=False, kubernetes_provider=k8s)
    assert db.resource is not None and "Operator" not in db.children


def test_wrong_provider_object():
    from cdktf_cdktf_provider_helm.provider import HelmProvider

    stack = _stack()
    with pytest.raises(PropsError) as err:
        CnpgPostgisCluster(stack, "Db", mode="apply", kubernetes_provider=HelmProvider(stack, "h2", alias="x"))
    assert "kubernetes_provider: got 'HelmProvider'; allowed: a KubernetesProvider" in str(err.value)


def test_render_mode_needs_no_provider():
    db = CnpgPostgisCluster(_stack(providers=False), "WildsidePg", mode="render")
    assert db.cluster_name == "wildside-pg" and db.resource is None
    assert db.rendered_manifests and db.props.instances == 3


def test_defaults():
    db = CnpgPostgisCluster(_stack(), "WildsidePg", mode="apply")
    p = db.props
    assert (p.operator_namespace, p.cluster_namespace, p.instances, p.storage_size, p.storage_class) == (
        "cnpg-system",
        "databases",
        3,
        "10Gi",
        None,
    )
    assert (p.postgres_major, p.postgis_enabled, p.database_name, p.database_owner) == (16, True, "app", "app")
    assert p.backup.enabled is False and p.eso.enabled is False and p.prevent_destroy is True
    assert db.primary_endpoint == "wildside-pg-rw.databases.svc.cluster.local"
    assert (p.operator_chart_version, p.operator) == ("0.29.0", OperatorProps())
    assert db.rendered_manifests is None
    assert sorted(db.children) == ["Database", "Namespace", "Resource"]
    # the operator is the stack's, created for this cluster: namespace and release, no plugin (no backups)
    op = db.operator
    assert op.node.path == "s/CnpgOperator-cnpg-system" and op.created_for == "s/WildsidePg"
    assert (op.namespace, op.install_operator, op.plugin_release, op.clusters) == (
        "cnpg-system",
        True,
        None,
        ["s/WildsidePg"],
    )
    assert op.namespace_resource is not None and op.release is not None
    with pytest.raises(ValueError):
        db.write_rendered("/tmp/never")


def test_package_import_is_light():
    code = (
        "import sys, dw_constructs.cnpg as m; from dw_constructs.cnpg import model; "
        "assert 'cdktf' not in sys.modules and 'jsii' not in sys.modules, sorted(sys.modules); "
        "assert not any(n.startswith('cdktf_cdktf_provider') for n in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_construct_import_loads_no_provider_bindings():
    code = (
        "import sys; from dw_constructs.cnpg import CnpgPostgisCluster; "
        "assert not any(n.startswith('cdktf_cdktf_provider') for n in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
