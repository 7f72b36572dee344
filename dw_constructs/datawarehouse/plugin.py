"""DataWarehousePlugin: a plugin installed on a DataWarehouseCluster's instance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from constructs import Construct

from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild

if TYPE_CHECKING:
    from cdktf import IResolvable
    from dw_cdktf_provider_datawarehouse.plugin import Plugin

    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster


class DataWarehousePlugin(ClusterChild):
    """A ``datawarehouse_plugin`` (a plugin from the server's catalog) installed on the instance of
    ``cluster``; the other keyword arguments are the props of ``PluginProps``.
    ``cluster.add_plugin(id, ...)`` creates one as a child of the cluster.

    Args:
        cluster: the DataWarehouseCluster whose instance gets the plugin, through the cluster's
            provider. Required.

    Attributes:
        resource: the generated ``Plugin`` (child id ``Resource``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: DataWarehouseCluster,
        plugin_id: str,
        enabled: bool | IResolvable = True,
        configuration: Mapping[str, str] | None = None,
    ) -> None:
        props = m.PluginProps(
            plugin_id=plugin_id, enabled=enabled, configuration=configuration if configuration is not None else {}
        )
        super().__init__(scope, id, cluster=cluster, problems=m.validate_plugin(props))
        from dw_cdktf_provider_datawarehouse.plugin import Plugin

        self.props = props
        self.resource: Plugin = self._create(Plugin, m.plugin_config(props))
