"""ReplicationTopology / DataWarehouseCluster.replicate_to: peers given as separate arguments or as
a list, peer clusters created before the topology (checked in OpenTofu's own dependency graph),
peers of another stack, bad peers as PropsErrors, and a reference page documenting only the
arguments the constructors take."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_helm.provider import HelmProvider
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

from dw_constructs import PropsError, _docs
from dw_constructs.datawarehouse import DataWarehouseCluster, Endpoint, NodeRole, ReplicationTopology
from dw_constructs.datawarehouse.cluster_model import ProviderEndpoint
from tests.support.synth import synth_to


def _stack(app=None, id: str = "s") -> TerraformStack:
    stack = TerraformStack(app or Testing.app(), id)
    HelmProvider(stack, "Helm")
    KubernetesProvider(stack, "Kubernetes")
    return stack


def _cluster(stack, id: str, name: str, **kwargs) -> DataWarehouseCluster:
    return DataWarehouseCluster(
        stack, id, name=name, namespace=name, endpoint=ProviderEndpoint.in_cluster(), prevent_destroy=False, **kwargs
    )


def _hosts(topology) -> list[tuple[str, str]]:
    return [(n.host, n.role.value if isinstance(n.role, NodeRole) else n.role) for n in topology.props.nodes]


def test_peers_as_a_list_or_as_arguments_give_the_same_topology():
    stack = _stack()
    a, b, c = (_cluster(stack, i, n) for i, n in (("A", "dw-a"), ("B", "dw-b"), ("C", "dw-c")))
    as_args = a.replicate_to("Args", b, c)
    as_list = a.replicate_to("List", [b, c])  # crashed with "unhashable type: 'list'"
    as_tuple = a.replicate_to("Tuple", (b, c))
    mixed = a.replicate_to("Mixed", [b], c)
    expected = [
        ("dw-a.dw-a.svc.cluster.local", "primary"),
        ("dw-b.dw-b.svc.cluster.local", "replica"),
        ("dw-c.dw-c.svc.cluster.local", "replica"),
    ]
    assert _hosts(as_args) == _hosts(as_list) == _hosts(as_tuple) == _hosts(mixed) == expected


@pytest.mark.parametrize(
    "peers,expected",
    [
        ([{"host": "b"}], "peers[0]: got 'dict'; allowed: a DataWarehouseCluster, an Endpoint or a host name (str)"),
        ([Endpoint(host="b", role="replica"), 5432], "peers[1]: got 'int'; allowed: a DataWarehouseCluster"),
        ([Endpoint(host=["b"], role="replica")], "nodes[1].host: got ['b']; allowed: a non-empty string"),
    ],
)
def test_bad_peers_are_props_errors(peers, expected):
    stack = _stack()
    a = _cluster(stack, "A", "dw-a")
    with pytest.raises(PropsError) as err:
        a.replicate_to("R", *peers)
    assert "Invalid props for ReplicationTopology at 's/A/R'" in str(err.value)
    assert expected in str(err.value)


def test_the_construct_names_peers_that_are_not_a_list():
    stack = _stack()
    a, b = _cluster(stack, "A", "dw-a"), _cluster(stack, "B", "dw-b")
    with pytest.raises(PropsError, match=r"peers: got 'DataWarehouseCluster'; allowed: a list or tuple of peers"):
        ReplicationTopology(a, "R", cluster=a, peers=b)
    assert ReplicationTopology(a, "Ok", cluster=a, peers=[b]).peer_clusters == [b]


def _graph_edges(tools, stack_dir) -> dict[str, set[str]]:
    """OpenTofu's dependency graph of the configuration (``tofu graph``): node -> what it waits for."""
    init = tools.run(tools.tofu, "init", "-input=false", "-no-color", cwd=stack_dir, check=False)
    assert init.returncode == 0, init.stdout + init.stderr
    dot = tools.run(tools.tofu, "graph", cwd=stack_dir).stdout
    edges: dict[str, set[str]] = {}

    def node(text: str) -> str:
        return re.sub(r" \((expand|close)\)$", "", text.strip().strip('"').removeprefix("[root] "))

    for line in dot.splitlines():
        if " -> " in line:
            src, dst = line.split(" -> ")
            edges.setdefault(node(src), set()).add(node(dst))
    return edges


def _waits_for(edges: dict[str, set[str]], node: str) -> set[str]:
    seen, todo = set(), [node]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _address(doc: dict, path: str) -> str:
    for rtype, resources in doc["resource"].items():
        for name, res in resources.items():
            if res["//"]["metadata"]["path"] == path:
                return f"{rtype}.{name}"
    raise AssertionError(path)


def test_the_topology_waits_for_every_peer_cluster(tools, tmp_path):
    """On a first apply the primary must not be told to replicate to a server that does not exist
    yet: in OpenTofu's graph the topology waits for each peer's helm_release and instance."""

    def build(app):
        stack = _stack(app, "replication")
        a, b, c = (_cluster(stack, i, n) for i, n in (("A", "dw-a"), ("B", "dw-b"), ("C", "dw-c")))
        a.replicate_to("Replication", [b, c, Endpoint(host="dw.example.com", role="replica")])
        return stack

    stack_dir = synth_to(tmp_path, build)
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    topology = _address(doc, "replication/A/Replication/Resource")
    waits = _waits_for(_graph_edges(tools, stack_dir), topology)
    for peer in ("B", "C"):
        assert _address(doc, f"replication/{peer}/Release") in waits, peer
        assert _address(doc, f"replication/{peer}/Instance/Resource") in waits, peer
    assert _address(doc, "replication/A/Instance/Resource") in waits
    assert tools.tofu_validate(stack_dir)["valid"] is True


def test_a_peer_of_another_stack_orders_the_stacks():
    app = Testing.app()
    standby_stack, primary_stack = _stack(app, "standby"), _stack(app, "primary")
    standby = _cluster(standby_stack, "Standby", "dw-standby")
    primary = _cluster(primary_stack, "Primary", "dw-primary")
    topology = primary.replicate_to("Replication", standby)
    assert standby_stack in primary_stack.dependencies, "cdktf deploys the standby's stack first"
    doc = json.loads(Testing.synth(primary_stack))
    (res,) = doc["resource"]["datawarehouse_replication_topology"].values()
    assert "depends_on" not in res, "no reference to a resource of another stack"
    assert topology.peer_clusters == [standby]
    # The other way round would be a cycle of stacks: a PropsError, not a jsii error at synth.
    with pytest.raises(
        PropsError,
        match=r"peers\[0\]: got 'primary/Primary'; allowed: a DataWarehouseCluster of "
        r"this stack or of a stack that does not depend on this one",
    ):
        standby.replicate_to("Back", primary)


def test_reference_page_documents_the_arguments_replicate_to_takes():
    page = _docs.render_all()["ReplicationTopology.md"]
    props = re.findall(r"^\| `(\w+)` \|", page, re.M)
    assert props[:4] == ["cluster", "peers", "mode", "sync_interval_seconds"]
    takes = set(inspect.signature(DataWarehouseCluster.replicate_to).parameters) | {"cluster"}
    assert set(props[:4]) <= takes


@pytest.mark.parametrize("title,construct,props_path", [(t, c, p) for t, c, p, _ in _docs.PAGES])
def test_reference_pages_document_only_arguments_the_constructors_take(title, construct, props_path):
    params = set(inspect.signature(_docs._load(construct).__init__).parameters)
    documented = {f.name for f in dataclasses.fields(_docs._load(props_path))}
    assert documented <= params, f"{title} documents {sorted(documented - params)}, which it does not take"
