"""ReplicationTopology: replication between a cluster's instance and other endpoints."""

from __future__ import annotations

from typing import Sequence

from constructs import Construct

from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild
from dw_constructs.datawarehouse.enums import NodeRole, TopologyMode, value_of


def _endpoint(member, role: NodeRole) -> m.Endpoint:
    """A DataWarehouseCluster becomes its endpoint with ``role``; an Endpoint is taken as given."""
    if isinstance(member, m.Endpoint):
        return member
    endpoint = getattr(member, "endpoint", None)
    if isinstance(endpoint, m.Endpoint):
        return m.Endpoint(host=endpoint.host, port=endpoint.port, role=role)
    return m.Endpoint(host=member, role=role)  # reported by validation as a bad host


class ReplicationTopology(ClusterChild):
    """A ``datawarehouse_replication_topology`` on ``cluster`` (props: :class:`cluster_model.TopologyProps`).

    ``peers`` are other DataWarehouseClusters or explicit :class:`cluster_model.Endpoint`s. The
    cluster itself is the first node; in active-passive mode it is the primary (priority 10) and
    cluster peers are replicas, in active-active every member is a primary.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster,
        peers: Sequence,
        mode: TopologyMode | str = TopologyMode.ACTIVE_PASSIVE,
        sync_interval_seconds: int = 30,
    ) -> None:
        peer_role = NodeRole.PRIMARY if value_of(mode) == TopologyMode.ACTIVE_ACTIVE.value else NodeRole.REPLICA
        own = getattr(cluster, "endpoint", None)
        nodes = ([m.Endpoint(host=own.host, port=own.port, role=NodeRole.PRIMARY, priority=10)] if own else []) + [
            _endpoint(p, peer_role) for p in peers
        ]
        props = m.TopologyProps(nodes=nodes, mode=mode, sync_interval_seconds=sync_interval_seconds)
        super().__init__(scope, id, cluster=cluster, problems=m.validate_topology(props))
        from dw_cdktf_provider_datawarehouse.replication_topology import ReplicationTopology as Resource

        self.props = props
        self._create(Resource, m.topology_config(props))
