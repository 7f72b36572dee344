"""Many DataWarehouseClusters in one stack (issue 17): the chart is stored once per stack, the
stack-wide checks do not rescan the stack for every cluster (the cost per cluster stays flat), and
collisions are still PropsErrors at construction once the stack is past the size that is rescanned
for every check (``_stack.SMALL_STACK``). No timings here: benchmarks/bench_process.py measures."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack, Testing
from constructs import Construct, Node

from dw_constructs import PropsError, _stack
from dw_constructs.datawarehouse import DataWarehouseCluster, ProviderEndpoint
from tests.support.synth import synth_to

IN_CLUSTER = ProviderEndpoint.in_cluster()


def _stack_with_providers(app=None) -> TerraformStack:
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from dw_cdktf_provider_kubernetes.provider import KubernetesProvider

    stack = TerraformStack(app or Testing.app(), "s")
    HelmProvider(stack, "Helm")
    KubernetesProvider(stack, "Kubernetes")
    return stack


def _clusters(scope: Construct, first: int, last: int) -> None:
    for i in range(first, last):
        DataWarehouseCluster(scope, f"W{i}", name=f"w{i}", namespace=f"ns{i}", endpoint=IN_CLUSTER)


def test_chart_is_stored_once_per_stack(tmp_path):
    def build(app):
        stack = _stack_with_providers(app)
        _clusters(stack, 0, 3)
        return stack

    out = synth_to(tmp_path, build)
    doc = json.loads((out / "cdk.tf.json").read_text())
    charts = {r["chart"] for r in doc["resource"]["helm_release"].values()}
    (chart,) = charts  # one path for the three releases...
    assert chart.startswith("assets/W0_Chart_"), chart  # ...the first cluster's, as with one cluster
    assert [p.name for p in (out / "assets").iterdir()] == [chart.split("/")[1]]  # ...stored once
    assert (out / chart / "Chart.yaml").is_file() and (out / chart / "values.schema.json").is_file()


def test_stack_scans_stay_linear(monkeypatch):
    """Constructs marshalled by ``find_all`` while 30 clusters are created: a small multiple of the
    stack's final size (a rescan per check, as before, marshals the stack ~10 times per cluster)."""
    marshalled: list[int] = []
    find_all = Node.find_all

    def counting(self, *args, **kwargs):
        found = find_all(self, *args, **kwargs)
        marshalled.append(len(found))
        return found

    monkeypatch.setattr(Node, "find_all", counting)
    stack = _stack_with_providers()
    _clusters(stack, 0, 30)
    monkeypatch.setattr(Node, "find_all", find_all)
    total = len(stack.node.find_all())
    assert total > 3 * _stack.SMALL_STACK  # past the exact-rescan size, where amortization matters
    assert sum(marshalled) <= 4 * total, (sum(marshalled), total, len(marshalled))


def _error(fn, *args, **kwargs) -> str:
    with pytest.raises(PropsError) as err:
        fn(*args, **kwargs)
    return str(err.value)


def test_collisions_in_a_large_stack_are_props_errors():
    stack = _stack_with_providers()
    _clusters(stack, 0, 20)  # about 300 constructs: registered, not rescanned
    assert len(stack.node.find_all()) > 2 * _stack.SMALL_STACK
    msg = _error(DataWarehouseCluster, stack, "Again", name="w19", namespace="other", endpoint=IN_CLUSTER)
    assert "name: got 'w19'; allowed: a name no other DataWarehouseCluster of the stack has: 's/W19' has it" in msg
    msg = _error(DataWarehouseCluster, stack, "Ns", name="fresh", namespace="ns18", endpoint=IN_CLUSTER)
    assert "create_namespace: got True; allowed: False: 's/W18/Namespace' creates namespace 'ns18' already" in msg
    msg = _error(DataWarehouseCluster, Construct(stack, "Team"), "W17", name="x", namespace="x", endpoint=IN_CLUSTER)
    assert "an id whose outputs ('w17_*') the stack does not declare already ('s/W17/EndpointHost'" in msg
    # a failed cluster leaves nothing behind: the next one with a free name goes in
    DataWarehouseCluster(stack, "Fresh", name="fresh", namespace="fresh", endpoint=IN_CLUSTER)
    msg = _error(DataWarehouseCluster, stack, "Fresh2", name="fresh", namespace="f2", endpoint=IN_CLUSTER)
    assert "'s/Fresh' has it" in msg


def test_an_element_of_the_app_is_seen_after_a_failed_construct():
    """Small stack: the app's own elements created between two constructs of ours (even after a
    construct that failed its checks) are seen by the next one."""
    from cdktf_cdktf_provider_helm.release import Release

    stack = _stack_with_providers()
    _error(DataWarehouseCluster, stack, "Bad", name="Not A Name", endpoint=IN_CLUSTER)
    Release(stack, "Raw", name="dw", chart="oci://example/dw", namespace="datawarehouse")
    msg = _error(DataWarehouseCluster, stack, "Dw", name="dw", endpoint=IN_CLUSTER)
    assert "a release name not installed in namespace 'datawarehouse' already ('s/Raw' installs it)" in msg


def test_constructs_that_do_not_register_are_seen_exactly_in_a_large_stack():
    """CNPG clusters after 10 DataWarehouseClusters (a stack past SMALL_STACK): the second finds the
    operator and the namespace the first created, exactly as in a small stack."""
    from dw_constructs.cnpg import CnpgPostgisCluster, Mode

    def cnpg(stack):
        a = CnpgPostgisCluster(stack, "A", mode=Mode.APPLY, cluster_namespace="db", instances=1, prevent_destroy=False)
        b = CnpgPostgisCluster(
            stack,
            "B",
            mode=Mode.APPLY,
            cluster_namespace="db",
            create_namespace=False,
            instances=1,
            prevent_destroy=False,
        )
        return a, b

    small = _stack_with_providers()
    cnpg(small)
    large = _stack_with_providers()
    _clusters(large, 0, 10)
    assert len(large.node.find_all()) > _stack.SMALL_STACK
    a, b = cnpg(large)
    assert b.operator is a.operator and a.operator is not None
    doc, ref = json.loads(Testing.synth(large)), json.loads(Testing.synth(small))
    assert doc["resource"]["kubernetes_manifest"] == ref["resource"]["kubernetes_manifest"]
    assert len(doc["resource"]["helm_release"]) == len(ref["resource"]["helm_release"]) + 10
