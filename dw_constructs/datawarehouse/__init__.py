"""DataWarehouse constructs. Attributes load lazily so ``import dw_constructs.datawarehouse``
does not start the jsii runtime."""

from __future__ import annotations

import importlib
from typing import Any

from dw_constructs.datawarehouse.enums import (  # noqa: F401  (plain Python, cheap)
    CascadeStrategy,
    CompressionCodec,
    NodeRole,
    OperationalProfile,
    PolicyFeature,
    TopologyMode,
    VdeReplicationMode,
)

_LAZY = {
    "DataWarehouseProvider": "dw_constructs.datawarehouse.provider",
    "DataWarehouseInstance": "dw_constructs.datawarehouse.instance",
}

__all__ = sorted([*_LAZY, "CascadeStrategy", "CompressionCodec", "NodeRole", "OperationalProfile",
                  "PolicyFeature", "TopologyMode", "VdeReplicationMode"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
