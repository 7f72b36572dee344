"""CloudNativePG + PostGIS constructs. ``CnpgPostgisCluster`` and ``CnpgOperator`` load lazily so
``import dw_constructs.cnpg`` starts neither the jsii runtime nor the provider bindings; the props
dataclasses, the model and the version pins are plain Python."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dw_constructs.cnpg import versions  # noqa: F401  (plain Python, cheap)
from dw_constructs.cnpg.model import (  # noqa: F401
    BackupProps,
    ClusterProps,
    ClusterResources,
    EsoProps,
    FluxProps,
    HelmChartSource,
    Mode,
    OperatorProps,
    render_tree,
    render_tree_of,
    sync_policy_contract,
    write_rendered,
)

if TYPE_CHECKING:  # what the lazy __getattr__ returns, for type checkers and IDEs
    from dw_constructs.cnpg.cluster import CnpgPostgisCluster
    from dw_constructs.cnpg.operator import CnpgOperator

_LAZY = {
    "CnpgPostgisCluster": "dw_constructs.cnpg.cluster",
    "CnpgOperator": "dw_constructs.cnpg.operator",
}

# A literal list: type checkers read it to know what the package exports.
__all__ = [
    "BackupProps",
    "ClusterProps",
    "ClusterResources",
    "CnpgOperator",
    "CnpgPostgisCluster",
    "EsoProps",
    "FluxProps",
    "HelmChartSource",
    "Mode",
    "OperatorProps",
    "render_tree",
    "render_tree_of",
    "sync_policy_contract",
    "versions",
    "write_rendered",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
