"""DataWarehousePolicy: a data policy on a DataWarehouseCluster's instance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild
from dw_constructs.datawarehouse.enums import CascadeStrategy, PolicyFeature

if TYPE_CHECKING:
    from dw_cdktf_provider_datawarehouse.policy import Policy

    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster


class DataWarehousePolicy(ClusterChild):
    """A ``datawarehouse_policy`` (a data policy on a path) on the instance of ``cluster``; the
    other keyword arguments are the props of ``PolicyProps``. ``cluster.add_policy(id, ...)``
    creates one as a child of the cluster.

    Args:
        cluster: the DataWarehouseCluster whose instance gets the policy, through the cluster's
            provider. Required.

    Attributes:
        resource: the generated ``Policy`` (child id ``Resource``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: DataWarehouseCluster,
        name: str,
        target_path: str,
        feature: PolicyFeature | str,
        intensity_level: int | float = 5,
        cascade_strategy: CascadeStrategy | str = CascadeStrategy.INHERIT,
    ) -> None:
        props = m.PolicyProps(
            name=name,
            target_path=target_path,
            feature=feature,
            intensity_level=intensity_level,
            cascade_strategy=cascade_strategy,
        )
        super().__init__(scope, id, cluster=cluster, problems=m.validate_policy(props))
        from dw_cdktf_provider_datawarehouse.policy import Policy

        self.props = props
        self.resource: Policy = self._create(Policy, m.policy_config(props))
