"""ReplicationTopology: replication between a cluster's instance and other endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from constructs import Construct

from dw_constructs import _stack
from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild
from dw_constructs.datawarehouse.enums import NodeRole, TopologyMode, value_of
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from cdktf import ITerraformDependable, TerraformStack
    from dw_cdktf_provider_datawarehouse.replication_topology import ReplicationTopology as Resource
    from typing_extensions import TypeIs

    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster


def _is_cluster(member: object) -> TypeIs[DataWarehouseCluster]:
    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster

    return isinstance(member, DataWarehouseCluster)


def _service_endpoint(cluster: DataWarehouseCluster, role: NodeRole, priority: int = 100) -> m.Endpoint:
    """A DataWarehouseCluster as a member: its in-cluster Service (servers replicate inside Kubernetes)."""
    return m.Endpoint(host=cluster.props.host, port=m.DEFAULT_PORT, role=role, priority=priority)


def _endpoint(member: m.Peer, role: NodeRole) -> m.Endpoint:
    """A DataWarehouseCluster becomes its Service endpoint with ``role``, a host name an Endpoint
    with ``role``; an Endpoint is taken as given."""
    if isinstance(member, m.Endpoint):
        return member
    if _is_cluster(member):
        return _service_endpoint(member, role)
    return m.Endpoint(host=member, role=role)


def _depends_on(stack: TerraformStack, other: TerraformStack) -> bool:
    """Whether ``stack`` depends on ``other``, directly or through other stacks."""
    seen: set[int] = set()
    todo = list(stack.dependencies)
    while todo:
        s = todo.pop()
        if s is other:
            return True
        if id(s) not in seen:
            seen.add(id(s))
            todo.extend(s.dependencies)
    return False


class ReplicationTopology(ClusterChild):
    """A ``datawarehouse_replication_topology``: replication between the instance of ``cluster`` and
    its ``peers``; the other keyword arguments are those of ``ReplicationProps``.
    ``cluster.replicate_to(id, *peers, ...)`` creates one as a child of the cluster.

    The cluster itself is the first member; in active-passive mode it is the primary (priority 10)
    and the peers are replicas, in active-active every member is a primary. Peers that are
    DataWarehouseClusters are created first: the topology ``depends_on`` their ``helm_release``
    and ``datawarehouse_instance`` (a peer of another stack makes this stack depend on that one).

    Args:
        cluster: the DataWarehouseCluster the topology belongs to: its first member (reached at its
            in-cluster Service), and the provider the resource is created through. Required.

    Attributes:
        resource: the generated ``ReplicationTopology`` (child id ``Resource``).
        args: the arguments, a ``ReplicationProps``.
        props: the resolved members, mode and interval, a ``TopologyProps`` (what the resource
            gets, and what governance constraints on ReplicationTopology check).
        peer_clusters: the peers that are DataWarehouseClusters.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: DataWarehouseCluster,
        peers: Sequence[m.Peer],
        mode: TopologyMode | str = TopologyMode.ACTIVE_PASSIVE,
        sync_interval_seconds: int | float = 30,
    ) -> None:
        args = m.ReplicationProps(peers=peers, mode=mode, sync_interval_seconds=sync_interval_seconds)
        problems = m.validate_replication(args)
        props: m.TopologyProps | None = None
        if not problems:
            problems += [
                Problem(f"peers[{i}]", type(p).__name__, m.PEER_ALLOWED)
                for i, p in enumerate(peers)
                if not (isinstance(p, (m.Endpoint, str)) or _is_cluster(p))
            ]
            problems += self._stack_problems(scope, peers)
        if not problems:
            active_active = value_of(mode) == TopologyMode.ACTIVE_ACTIVE.value
            peer_role = NodeRole.PRIMARY if active_active else NodeRole.REPLICA
            own = [_service_endpoint(cluster, NodeRole.PRIMARY, priority=10)] if _is_cluster(cluster) else []
            props = m.TopologyProps(
                nodes=own + [_endpoint(p, peer_role) for p in peers],
                mode=mode,
                sync_interval_seconds=sync_interval_seconds,
            )
            problems += m.validate_topology(props)
        super().__init__(scope, id, cluster=cluster, problems=problems)
        assert props is not None  # else a problem was raised above
        from dw_cdktf_provider_datawarehouse.replication_topology import ReplicationTopology as Resource

        self.args = args
        self.props: m.TopologyProps = props
        self.peer_clusters: list[DataWarehouseCluster] = [p for p in peers if _is_cluster(p) and p is not cluster]
        own_stack = _stack.stack_of(self)
        depends_on: list[ITerraformDependable] = []
        for peer in self.peer_clusters:
            peer_stack = _stack.stack_of(peer)
            if peer_stack is own_stack:
                depends_on += [peer.release, peer.instance.resource]
            elif peer_stack is not None and own_stack is not None:
                own_stack.add_dependency(peer_stack)
        self.resource: Resource = self._create(Resource, m.topology_config(props), depends_on=depends_on)

    @staticmethod
    def _stack_problems(scope: Construct, peers: Sequence[m.Peer]) -> list[Problem]:
        """A peer cluster of another stack that depends on this one would make a cycle of stacks."""
        own = _stack.stack_of(scope)
        problems: list[Problem] = []
        for i, peer in enumerate(peers):
            if not _is_cluster(peer):
                continue
            other = _stack.stack_of(peer)
            if own is not None and other is not None and other is not own and _depends_on(other, own):
                problems.append(
                    Problem(
                        f"peers[{i}]",
                        peer.node.path,
                        f"a DataWarehouseCluster of this stack or of a stack that does not depend "
                        f"on this one (stack {other.node.id!r} depends on {own.node.id!r}: "
                        "create the topology there)",
                    )
                )
        return problems
