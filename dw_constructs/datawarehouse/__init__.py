"""DataWarehouse constructs. Attributes load lazily so ``import dw_constructs.datawarehouse``
does not start the jsii runtime."""

from __future__ import annotations

import importlib
from typing import Any

from dw_constructs.datawarehouse.enums import (  # noqa: F401  (plain Python, cheap)
    AntiAffinity,
    CascadeStrategy,
    ClusterMode,
    CompressionCodec,
    NodeRole,
    OperationalProfile,
    PolicyFeature,
    TopologyMode,
    VdeReplicationMode,
)

from dw_constructs.datawarehouse.cluster_model import Endpoint, ProviderEndpoint  # noqa: F401

_LAZY = {
    "DataWarehouseProvider": "dw_constructs.datawarehouse.provider",
    "DataWarehouseInstance": "dw_constructs.datawarehouse.instance",
    "DataWarehouseCluster": "dw_constructs.datawarehouse.cluster",
    "ReplicatedVde": "dw_constructs.datawarehouse.vde",
    "DataWarehouseUser": "dw_constructs.datawarehouse.user",
    "DataWarehousePolicy": "dw_constructs.datawarehouse.policy",
    "DataWarehousePlugin": "dw_constructs.datawarehouse.plugin",
    "ReplicationTopology": "dw_constructs.datawarehouse.topology",
    "InstanceStatus": "dw_constructs.datawarehouse.lookups",
    "Capabilities": "dw_constructs.datawarehouse.lookups",
    "PluginCatalog": "dw_constructs.datawarehouse.lookups",
}

__all__ = sorted([*_LAZY, "AntiAffinity", "ClusterMode", "Endpoint", "CascadeStrategy", "CompressionCodec", "NodeRole", "OperationalProfile",
                  "PolicyFeature", "ProviderEndpoint", "TopologyMode", "VdeReplicationMode"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
