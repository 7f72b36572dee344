"""DataWarehouse constructs. The constructs load lazily (module ``__getattr__``) so
``import dw_constructs.datawarehouse`` does not start the jsii runtime; the enums and endpoints are
plain Python. Type checkers and IDEs see every name through the ``TYPE_CHECKING`` imports below,
which tests/test_typing.py keeps in step with ``_LAZY``."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dw_constructs.datawarehouse.cluster_model import Endpoint, ProviderEndpoint
from dw_constructs.datawarehouse.enums import (
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

if TYPE_CHECKING:
    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster
    from dw_constructs.datawarehouse.instance import DataWarehouseInstance
    from dw_constructs.datawarehouse.lookups import Capabilities, InstanceStatus, PluginCatalog
    from dw_constructs.datawarehouse.plugin import DataWarehousePlugin
    from dw_constructs.datawarehouse.policy import DataWarehousePolicy
    from dw_constructs.datawarehouse.provider import DataWarehouseProvider
    from dw_constructs.datawarehouse.topology import ReplicationTopology
    from dw_constructs.datawarehouse.user import DataWarehouseUser
    from dw_constructs.datawarehouse.vde import ReplicatedVde

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

# A literal list: type checkers read it to know what the package exports.
__all__ = [
    "AntiAffinity",
    "Capabilities",
    "CascadeStrategy",
    "ClusterMode",
    "CompressionCodec",
    "DataWarehouseCluster",
    "DataWarehouseInstance",
    "DataWarehousePlugin",
    "DataWarehousePolicy",
    "DataWarehouseProvider",
    "DataWarehouseUser",
    "Endpoint",
    "InstanceStatus",
    "NodeRole",
    "OperationalProfile",
    "PluginCatalog",
    "PolicyFeature",
    "ProviderEndpoint",
    "ReplicatedVde",
    "ReplicationTopology",
    "TopologyMode",
    "VdeReplicationMode",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
