#!/usr/bin/env python
"""Two DataWarehouse clusters replicating active-passive, with a VDE, users and policies.

Both run in one Kubernetes cluster, and so does Terraform (``ProviderEndpoint.in_cluster()``: the
providers use the Services' DNS names, which resolve nowhere else). From a workstation, see
examples/single_node and docs/datawarehouse.md, "Reaching the server".
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cdktf import App, TerraformStack  # noqa: E402
from constructs import Construct  # noqa: E402

from dw_constructs.datawarehouse import (  # noqa: E402
    CascadeStrategy,
    ClusterMode,
    DataWarehouseCluster,
    PolicyFeature,
    ProviderEndpoint,
    TopologyMode,
    VdeReplicationMode,
)
from examples._common import helm_provider, kubernetes_provider, local_backend, run  # noqa: E402

STACK_NAME = "replicated"


class ReplicatedStack(TerraformStack):
    def __init__(self, scope: Construct, id: str, **overrides) -> None:
        """``overrides``: extra DataWarehouseCluster keywords (the live tests turn off waiting for
        pods, which a test API server without nodes never runs)."""
        super().__init__(scope, id)
        local_backend(self, id)
        helm, kubernetes = helm_provider(self), kubernetes_provider(self)
        self.primary = DataWarehouseCluster(
            self,
            "Primary",
            name="dw-primary",
            mode=ClusterMode.CLUSTERED,
            endpoint=ProviderEndpoint.in_cluster(),
            namespace="dw-primary",
            helm_provider=helm,
            kubernetes_provider=kubernetes,
            **overrides,
        )
        self.standby = DataWarehouseCluster(
            self,
            "Standby",
            name="dw-standby",
            mode=ClusterMode.CLUSTERED,
            endpoint=ProviderEndpoint.in_cluster(),
            namespace="dw-standby",
            helm_provider=helm,
            kubernetes_provider=kubernetes,
            **overrides,
        )
        self.topology = self.primary.replicate_to(
            "Replication", self.standby, mode=TopologyMode.ACTIVE_PASSIVE, sync_interval_seconds=15
        )
        self.primary.add_vde("Finance", name="finance", replication_mode=VdeReplicationMode.SYNC)
        for cluster in (self.primary, self.standby):
            cluster.add_user("Etl", username="etl", roles=["writer"], mfa_enabled=False)
        self.primary.add_user("Auditor", username="auditor", roles=["auditor"], mfa_enabled=True)
        self.primary.add_policy(
            "Masking",
            name="pii-masking",
            target_path="/customers/*",
            feature=PolicyFeature.MASKING,
            intensity_level=9,
            cascade_strategy=CascadeStrategy.OVERRIDE,
        )
        self.primary.add_policy("Audit", name="audit-all", target_path="/", feature=PolicyFeature.AUDIT)


def build(app: App, **overrides) -> ReplicatedStack:
    return ReplicatedStack(app, STACK_NAME, **overrides)


if __name__ == "__main__":
    run(build, STACK_NAME)
