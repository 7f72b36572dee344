"""DataWarehousePolicy: a data policy on a DataWarehouseCluster's instance."""

from __future__ import annotations

from constructs import Construct

from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild
from dw_constructs.datawarehouse.enums import CascadeStrategy, PolicyFeature


class DataWarehousePolicy(ClusterChild):
    """A ``datawarehouse_policy`` (props and defaults: :class:`cluster_model.PolicyProps`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster,
        name: str,
        target_path: str,
        feature: PolicyFeature | str,
        intensity_level: int = 5,
        cascade_strategy: CascadeStrategy | str = CascadeStrategy.INHERIT,
    ) -> None:
        props = m.PolicyProps(name=name, target_path=target_path, feature=feature,
                              intensity_level=intensity_level, cascade_strategy=cascade_strategy)
        super().__init__(scope, id, cluster=cluster, problems=m.validate_policy(props))
        from dw_cdktf_provider_datawarehouse.policy import Policy

        self.props = props
        self._create(Policy, m.policy_config(props))
