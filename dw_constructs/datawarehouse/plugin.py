"""DataWarehousePlugin: a plugin installed on a DataWarehouseCluster's instance."""

from __future__ import annotations

from typing import Mapping

from constructs import Construct

from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild


class DataWarehousePlugin(ClusterChild):
    """A ``datawarehouse_plugin`` (props and defaults: :class:`cluster_model.PluginProps`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster,
        plugin_id: str,
        enabled: bool = True,
        configuration: Mapping[str, str] | None = None,
    ) -> None:
        props = m.PluginProps(plugin_id=plugin_id, enabled=enabled,
                              configuration=configuration if configuration is not None else {})
        super().__init__(scope, id, cluster=cluster, problems=m.validate_plugin(props))
        from dw_cdktf_provider_datawarehouse.plugin import Plugin

        self.props = props
        self._create(Plugin, m.plugin_config(props))
