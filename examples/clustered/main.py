#!/usr/bin/env python
"""A clustered DataWarehouse (3 replicas, raft, hard anti-affinity) with a plugin and a VDE.

Assumes Terraform runs inside the Kubernetes cluster (``ProviderEndpoint.in_cluster()``: the
provider uses the Service DNS name, which resolves nowhere else). From a workstation, see
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
    AntiAffinity,
    ClusterMode,
    CompressionCodec,
    DataWarehouseCluster,
    OperationalProfile,
    ProviderEndpoint,
)
from examples._common import helm_provider, kubernetes_provider, local_backend, run  # noqa: E402

STACK_NAME = "clustered"


class ClusteredStack(TerraformStack):
    def __init__(self, scope: Construct, id: str, **overrides) -> None:
        """``overrides``: extra DataWarehouseCluster keywords (the live tests turn off waiting for
        pods, which a test API server without nodes never runs)."""
        super().__init__(scope, id)
        local_backend(self, id)
        self.warehouse = DataWarehouseCluster(
            self,
            "Warehouse",
            name="lakehouse",
            endpoint=ProviderEndpoint.in_cluster(),  # Terraform runs in the cluster (module docstring)
            mode=ClusterMode.CLUSTERED,
            replicas=3,
            storage_size_gb=500,
            storage_class="fast-ssd",
            operational_profile=OperationalProfile.STRICT,
            anti_affinity=AntiAffinity.HARD,
            chart_values={"resources": {"requests": {"cpu": "2", "memory": "8Gi"}}},
            helm_provider=helm_provider(self),
            kubernetes_provider=kubernetes_provider(self),
            **overrides,
        )
        self.warehouse.add_plugin("Geo", plugin_id="geo", configuration={"srid": "4326"})
        self.warehouse.add_vde("Events", name="events", block_size=65536, compression_codec=CompressionCodec.LZ4)


def build(app: App, **overrides) -> ClusteredStack:
    return ClusteredStack(app, STACK_NAME, **overrides)


if __name__ == "__main__":
    run(build, STACK_NAME)
